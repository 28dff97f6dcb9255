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

export type Kind = 'ingest' | 'history' | 'erase' | 'reconcile';

export interface DeployedFunction {
  dir: string;
  target: string;
  kind: Kind;
  reads: readonly string[];
}

/** Read by every function: where the store is, its limits, and the audiences its callers' tokens are for. */
export const SHARED_VARIABLES = ['GOOGLE_CLOUD_PROJECT', 'FIRESTORE_DATABASE_ID', 'FIRESTORE_DEADLINE_MS', 'MAX_PUSH_BODY_BYTES', 'RETENTION_DAYS', 'LOG_LEVEL', 'DIALOGFLOW_LOCATION', 'AUTH_AUDIENCES'];

/** What each kind of function reads of the deployed variables besides the shared ones. */
const OWN_VARIABLES: Record<Kind, readonly string[]> = {
  ingest: ['AUTH_ALLOWED_EMAILS', 'KNOWN_CONVERSATIONS_CAPACITY'],
  history: ['AUTH_ALLOWED_EMAILS', 'SERVED_PROJECTS', 'PAGE_TOKEN_SECRET', 'CORS_ALLOWED_ORIGINS', 'ERASURE_URL'],
  erase: ['SERVED_PROJECTS', 'ERASURE_ALLOWED_EMAILS'],
  reconcile: ['AUTH_ALLOWED_EMAILS', 'RECONCILE_PARENTS', 'RECONCILE_CONCURRENCY', 'RECONCILE_BUDGET_SECONDS', 'DIALOGFLOW_QPS'],
};
const READS = Object.fromEntries(Object.entries(OWN_VARIABLES).map(([kind, own]) => [kind, [...SHARED_VARIABLES, ...own]])) as unknown as Record<Kind, readonly string[]>;
/** Every deployed variable is read by some kind of function (and only those are deployed). */
export const UNREAD_DEPLOYED_VARIABLES = DEPLOYED_ENVIRONMENT_VARIABLES.filter((name) => !Object.values(READS).some((reads) => reads.includes(name)));

export function registeredTargets(dir: string): string[] {
  const source = readFileSync(join(ROOT, 'functions', dir, 'index.ts'), 'utf8');
  return [...source.matchAll(/\bhttp\(\s*['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}

export const FUNCTION_DIRS = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

export const FUNCTIONS: DeployedFunction[] = FUNCTION_DIRS.map((dir) => {
  const kind: Kind = dir.startsWith('ingest-') ? 'ingest' : dir.startsWith('reconcile-') ? 'reconcile' : dir.startsWith('erase-') ? 'erase' : 'history';
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
