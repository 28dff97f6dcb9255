import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEPLOYED_ENVIRONMENT_VARIABLES } from '../../shared/platform/config';
import { isBody, loadTerraform, local, mapValue, resource, type Body } from './terraformConfig';

// The deployment as the intent tests in this folder read it (terraform/ parsed without Terraform), and what the
// code says it must deploy: the functions, the targets they register, the variables they read.

export const ROOT = resolvePath(fileURLToPath(new URL('../..', import.meta.url)));
export const TERRAFORM_DIR = join(ROOT, 'terraform');
export const tf = await loadTerraform(TERRAFORM_DIR);

// ---------------------------------------------------------------------------------------------------------------
// What the code says: the functions, the targets they register, the variables they read.
// ---------------------------------------------------------------------------------------------------------------

export type Kind = 'ingest' | 'history' | 'reconcile';

export interface DeployedFunction {
  dir: string;
  target: string;
  kind: Kind;
  reads: readonly string[];
}

/** Read only by the history API. */
export const HISTORY_ONLY_VARIABLES = ['SERVED_PROJECTS', 'PAGE_TOKEN_SECRET', 'CORS_ALLOWED_ORIGINS', 'ERASURE_ALLOWED_EMAILS', 'AUTH_AUDIENCES'];
/** Read only by reconcileConversations. */
export const RECONCILE_ONLY_VARIABLES = ['RECONCILE_PARENTS', 'RECONCILE_BATCH_SIZE', 'DIALOGFLOW_QPS'];

/** What each kind of function reads of the deployed variables: every one but the other kinds' own. */
const READS: Record<Kind, readonly string[]> = {
  ingest: DEPLOYED_ENVIRONMENT_VARIABLES.filter((name) => ![...HISTORY_ONLY_VARIABLES, ...RECONCILE_ONLY_VARIABLES].includes(name)),
  history: DEPLOYED_ENVIRONMENT_VARIABLES.filter((name) => !RECONCILE_ONLY_VARIABLES.includes(name)),
  reconcile: DEPLOYED_ENVIRONMENT_VARIABLES.filter((name) => !HISTORY_ONLY_VARIABLES.includes(name)),
};

export function registeredTargets(dir: string): string[] {
  const source = readFileSync(join(ROOT, 'functions', dir, 'index.ts'), 'utf8');
  return [...source.matchAll(/\bhttp\(\s*['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}

export const FUNCTION_DIRS = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

export const FUNCTIONS: DeployedFunction[] = FUNCTION_DIRS.map((dir) => {
  const kind: Kind = dir.startsWith('ingest-') ? 'ingest' : dir.startsWith('reconcile-') ? 'reconcile' : 'history';
  return { dir, target: registeredTargets(dir)[0] ?? '(none)', kind, reads: READS[kind] };
});
export const INGEST_FUNCTIONS = FUNCTIONS.filter((f) => f.kind === 'ingest');

// ---------------------------------------------------------------------------------------------------------------
// Helpers over the parsed configuration.
// ---------------------------------------------------------------------------------------------------------------

export const FUNCTION_ADDRESS = 'google_cloudfunctions2_function.this';
export const functionResource = () => resource(tf, FUNCTION_ADDRESS);
export const functionSettings = (dir: string): Body => {
  const settings = mapValue(tf, local(tf, 'functions'))[dir];
  if (!isBody(settings)) throw new Error(`local.functions has no entry "${dir}"`);
  return settings;
};
export const eventTopics = (): Record<string, Body> => {
  const topics = mapValue(tf, local(tf, 'event_topics'));
  return Object.fromEntries(Object.entries(topics).map(([key, value]) => [key, mapValue(tf, value)]));
};
export const pushSubscription = () => resource(tf, 'google_pubsub_subscription.push');
/** `google_cloudfunctions2_function.this[<key>]` with the key a push subscription (for_each local.event_topics) uses. */
export const CONSUMER_FUNCTION = `${FUNCTION_ADDRESS}[each.value.consumer]`;

export function iamMembers(): Array<{ address: string; body: Body }> {
  return [...tf.resources]
    .filter(([address]) => /^google_.*_iam_member\./.test(address))
    .map(([address, body]) => ({ address, body }));
}
