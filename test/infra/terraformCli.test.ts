import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TERRAFORM_OFFLINE_TOOL } from '../support/terraformTier';
import { ROOT, TERRAFORM_DIR } from './deployment';

// Terraform itself, on terraform/: `terraform fmt -check`, then `terraform validate` and `terraform plan` of every
// example settings file on the offline stand-ins of ../shared/tools/terraform-offline.mjs (the graph, cycles,
// undeclared references, count/for_each, variable validations, preconditions). vitest.config.ts leaves this file
// out, in one line, where Terraform or the tool is missing. Each run is a few Terraform processes: the deadline
// comes from that, not from the 30 s default.
const TERRAFORM_RUN_MS = 240_000;

const EXAMPLES_DIR = join(TERRAFORM_DIR, 'examples');
const EXAMPLES = readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.tfvars')).sort();

interface ToolRun {
  code: number;
  output: string;
}

function runOffline(dir: string, varFiles: string[]): Promise<ToolRun> {
  const args = [TERRAFORM_OFFLINE_TOOL, dir, ...varFiles.flatMap((file) => ['--var-file', file]), '--var', 'project_id=example-project'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const summaryOf = (run: ToolRun) => run.output.split('\n').find((line) => line.startsWith('terraform-offline:')) ?? run.output.slice(-2000);

const copies: string[] = [];
/** A copy of terraform/ to break on purpose, without touching the real one. */
function copyOfTerraform(): string {
  const dir = mkdtempSync(join(tmpdir(), 'terraform-broken-'));
  copies.push(dir);
  cpSync(TERRAFORM_DIR, join(dir, 'terraform'), { recursive: true, filter: (path) => !path.includes('.terraform') });
  return join(dir, 'terraform');
}
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe("terraform/ under Terraform's own checks", () => {
  it(
    'is formatted, acyclic and valid, and plans with the example settings and every file of terraform/examples/',
    async () => {
      const run = await runOffline('terraform', ['terraform/terraform.tfvars.example', ...EXAMPLES.map((file) => `terraform/examples/${file}`)]);
      expect(run.code, run.output).toBe(0);
      const summary = summaryOf(run);
      expect(summary).toMatch(/fmt ok; validate ok/);
      for (const file of ['terraform.tfvars.example', ...EXAMPLES]) expect(summary, file).toMatch(new RegExp(`plan ok with [^;]*${file.replace('.', '\\.')} \\(\\d+ to add\\)`));
    },
    TERRAFORM_RUN_MS,
  );

  it('keeps an example for every shape the issue names, and the README of the folder lists each file', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(5);
    const settings = EXAMPLES.map((file) => readFileSync(join(EXAMPLES_DIR, file), 'utf8')).join('\n');
    for (const shape of [
      /create_conversation_profile\s*=\s*false/,
      /dialogflow_agent\s*=\s*"projects\//,
      /alert_emails\s*=\s*\[\s*"/,
      /alert_notification_channels\s*=\s*\[\s*"/,
      /publish_recognition_results\s*=\s*true/,
      /name_prefix\s*=\s*"[a-z]/,
      /dialogflow_location\s*=\s*"(?!global)/,
      /event_publishers\s*=\s*\[\s*"/,
      /"group:/,
      /"domain:/,
      /"user:/,
    ]) {
      expect(settings, String(shape)).toMatch(shape);
    }
    const readme = readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8');
    for (const file of EXAMPLES) expect(readme, file).toContain(`\`${file}\``);
  });

  it(
    'fails on a dependency cycle, an unformatted file, and settings a validation refuses',
    async () => {
      const cyclic = copyOfTerraform();
      // The function's environment reading the push subscription, which reads the function: the shape of the
      // cycle the profile's location once made.
      const main = join(cyclic, 'main.tf');
      writeFileSync(main, readFileSync(main, 'utf8').replace('LOG_LEVEL             = var.log_level', 'LOG_LEVEL             = google_pubsub_subscription.push["lifecycle"].name'));

      const unformatted = copyOfTerraform();
      appendFileSync(join(unformatted, 'outputs.tf'), '\noutput "misaligned" {\n  value = 1\n    description = "indented by hand"\n}\n');

      const refused = copyOfTerraform();
      writeFileSync(join(refused, 'examples', 'public.tfvars'), 'history_invokers = ["allUsers"]\n');

      const [cycle, format, validation] = await Promise.all([
        runOffline(cyclic, [join(cyclic, 'examples', 'minimal.tfvars')]),
        runOffline(unformatted, [join(unformatted, 'examples', 'minimal.tfvars')]),
        runOffline(refused, [join(refused, 'examples', 'public.tfvars')]),
      ]);

      expect(cycle.code, cycle.output).toBe(1);
      expect(summaryOf(cycle)).toMatch(/validate FAILED/);
      expect(cycle.output).toMatch(/Cycle:.*google_pubsub_subscription\.push/);

      expect(format.code, format.output).toBe(1);
      expect(summaryOf(format)).toMatch(/fmt FAILED \(1 file/);
      expect(format.output).toMatch(/outputs\.tf/);

      expect(validation.code, validation.output).toBe(1);
      expect(summaryOf(validation)).toMatch(/plan FAILED|plan[^;]*failed/i);
      expect(validation.output).toMatch(/history_invokers must not hold allUsers/);
    },
    TERRAFORM_RUN_MS,
  );
});
