import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROOT } from './deployment';

// Intent tests of cloudbuild.yaml: the order of the steps, what each runs, and as whom.

/** The steps a Cloud Build step waits for, transitively (no waitFor: every earlier step; '-': none). */
interface Step {
  id?: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  waitFor?: string[];
}
function prerequisites(steps: Step[], step: Step): Set<string> {
  const index = steps.indexOf(step);
  const direct = step.waitFor === undefined ? steps.slice(0, index).map((s) => s.id ?? '') : step.waitFor.filter((id) => id !== '-');
  const all = new Set<string>();
  for (const id of direct) {
    all.add(id);
    const earlier = steps.find((s) => s.id === id);
    if (earlier) for (const transitive of prerequisites(steps, earlier)) all.add(transitive);
  }
  return all;
}
const commandOf = (step: Step) => [step.entrypoint ?? '', ...(step.args ?? [])].join(' ');

describe('cloudbuild.yaml', () => {
  const config = YAML.parse(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8')) as {
    steps: Step[];
    substitutions?: Record<string, string>;
    timeout?: string;
    serviceAccount?: string;
    options?: Record<string, unknown>;
  };
  const steps = config.steps;
  const find = (what: string, pattern: RegExp) => {
    const found = steps.filter((step) => pattern.test(commandOf(step)));
    if (found.length !== 1) throw new Error(`expected one step that runs ${what}, found ${found.length}`);
    return found[0]!;
  };
  const npmCi = find('npm ci', /^npm ci\b/);
  const checks = [
    { name: 'typecheck', step: find('npm run typecheck', /^npm run typecheck\b/) },
    { name: 'test', step: find('npm test', /(^|\n)\s*npm (test|run test)\b/) },
    { name: 'build', step: find('npm run build', /^npm run build\b/) },
  ];
  const init = find('terraform init', /terraform -chdir=terraform init\b/);
  const fmt = find('terraform fmt', /-chdir=terraform fmt -check\b/);
  const examples = find('a plan of every example', /examples\/\*\.tfvars/);
  const validate = find('terraform validate', /-chdir=terraform validate\b/);
  const plan = find('terraform plan', /-chdir=terraform plan\b/);
  const apply = find('terraform apply', /-chdir=terraform apply\b/);

  it('runs npm ci on node:22 before anything that needs node_modules', () => {
    expect(npmCi.name).toMatch(/^node:22\b/);
    for (const { step } of checks) expect(prerequisites(steps, step)).toContain(npmCi.id);
  });

  it.each(checks)('runs $name in parallel with the other checks, right after npm ci', ({ step }) => {
    expect(step.waitFor).toEqual([npmCi.id]);
  });

  it('can build beside the tests because no test bundles into dist/', () => {
    const testFiles = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.startsWith('infra/'));
    const calls = testFiles.flatMap((file) =>
      [...readFileSync(join(ROOT, 'test', file), 'utf8').matchAll(/bundleFunctions\(([^\n]*?)\);/g)].map((match) => ({ file, args: match[1]!.trim() })),
    );
    expect(calls.length).toBeGreaterThan(0);
    // A second argument: the output root, which the test keeps out of dist/.
    for (const { file, args } of calls) expect(args.split(',').length, `${file}: bundleFunctions(${args})`).toBe(2);
    const bundles = readFileSync(join(ROOT, 'test/integration/bundles.test.ts'), 'utf8');
    expect(bundles).toMatch(/const outputRoot = join\(process\.cwd\(\), '\.test-output',/);
  });

  it('checks the formatting from the start, the settings template as people copy it too, and validates once terraform init is done', () => {
    expect(fmt.waitFor).toEqual(['-']);
    expect(commandOf(fmt)).toMatch(/terraform -chdir=terraform fmt -check -diff -recursive\n/);
    expect(commandOf(fmt)).toMatch(/cp terraform\/terraform\.tfvars\.example (\S+)\.tfvars\n\s*terraform fmt -check -diff \1\.tfvars/);
    expect(prerequisites(steps, validate)).toContain(init.id);
  });

  it("runs every test, the viewer's in Debian's Chromium, which node:22 lacks", () => {
    const test = checks.find((c) => c.name === 'test')!.step;
    expect(test.name).toMatch(/^node:22\b/);
    const script = commandOf(test);
    expect(script).toMatch(/apt-get install [^\n]*\bchromium\b[^\n]*\n\s*npm test\n?$/);
    expect(script).toMatch(/set -eu/);
  });

  it('plans every example settings file with the real providers, from an empty state and without the backend, before the real plan', () => {
    const script = commandOf(examples);
    expect(script).toMatch(/cp -R terraform dist /);
    expect(script).toMatch(/rm -rf [^\n]*backend_override\.tf[^\n]* terraform\.tfvars /);
    expect(script).toMatch(/for settings in terraform\.tfvars\.example examples\/\*\.tfvars; do/);
    expect(script).toMatch(/terraform plan -input=false -lock=false -var-file="\$\$settings" -var project_id=\$PROJECT_ID -var region=\$\{_REGION\}/);
    for (const id of ['build', 'terraform-init']) expect(prerequisites(steps, examples)).toContain(id);
    expect(prerequisites(steps, plan)).toContain(examples.id);
  });

  it('runs a Terraform release at least as new as the one that checks the configuration offline here (1.11)', () => {
    const [major, minor] = (config.substitutions?.['_TF_VERSION'] ?? '').split('.').map(Number);
    expect(major! > 1 || (major === 1 && minor! >= 11), config.substitutions?.['_TF_VERSION']).toBe(true);
  });

  it('plans only after the type check, the tests, the build, the format check and validation, and applies that saved plan', () => {
    const before = prerequisites(steps, plan);
    for (const step of [npmCi, ...checks.map((c) => c.step), init, fmt, validate, examples]) expect(before, step.id).toContain(step.id);
    expect(commandOf(plan)).toMatch(/-var-file=\$\{_TF_VAR_FILE\}/);
    expect(commandOf(plan)).toMatch(/-var project_id=\$PROJECT_ID\b/);
    expect(commandOf(plan)).toMatch(/-var region=\$\{_REGION\}/);
    expect(commandOf(plan)).toMatch(/-out=tfplan\b/);
    expect(prerequisites(steps, apply)).toContain(plan.id);
    expect(commandOf(apply)).toMatch(/apply .*\btfplan$/);
  });

  it('writes a gcs backend override and initialises it with the state bucket and prefix substitutions', () => {
    const script = commandOf(init);
    expect(script).toMatch(/backend "gcs" \{\}/);
    expect(script).toMatch(/> terraform\/backend_override\.tf/);
    expect(script).toMatch(/-backend-config="bucket=\$\{_TF_STATE_BUCKET\}"/);
    expect(script).toMatch(/-backend-config="prefix=\$\{_TF_STATE_PREFIX\}"/);
    expect(init.name).toMatch(/^hashicorp\/terraform:(\d+\.\d+\.\d+|\$\{_TF_VERSION\})$/);
  });

  it('declares every substitution it uses, each used', () => {
    const declared = Object.keys(config.substitutions ?? {}).sort();
    const { substitutions: _declarations, ...usingThem } = config;
    const used = [...new Set([...JSON.stringify(usingThem).matchAll(/\$\{?(_[A-Z0-9_]+)/g)].map((m) => m[1]!))].sort();
    expect(used).toEqual(declared);
    expect(config.substitutions?.['_TF_VERSION']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(config.timeout).toMatch(/^\d+s$/);
  });

  it('runs as the dedicated deployer account, with its logs in Cloud Logging as a user-specified account requires', () => {
    expect(config.serviceAccount).toBe('projects/${PROJECT_ID}/serviceAccounts/${_DEPLOYER_SERVICE_ACCOUNT}@${PROJECT_ID}.iam.gserviceaccount.com');
    expect(config.options?.['logging']).toBe('CLOUD_LOGGING_ONLY');
    expect(config.options?.['dynamicSubstitutions']).toBe(true);
  });

  it("agrees with the documented local apply (README and docs/deployment.md): the same settings file, and project and region on the command line", () => {
    const readme = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');
    for (const doc of [readme, readFileSync(join(ROOT, 'README.md'), 'utf8')]) {
      const localApply = doc.split('\n').filter((line) => /^terraform -chdir=terraform apply\b/.test(line));
      expect(localApply).toEqual(['terraform -chdir=terraform apply -var-file=terraform.tfvars -var project_id=$PROJECT -var region=$REGION']);
    }
    expect(commandOf(plan)).toMatch(/-var-file=\$\{_TF_VAR_FILE\} -var project_id=\$PROJECT_ID -var region=\$\{_REGION\}/);
    expect(config.substitutions?.['_TF_VAR_FILE']).toBe('terraform.tfvars');
    expect(readme).toContain(`--substitutions=_REGION=$REGION,_TF_VAR_FILE=dev.tfvars,_TF_STATE_PREFIX=`);
  });
});
