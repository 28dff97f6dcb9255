import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { EXPIRE_AT_FIELD } from '../../shared/firestore/conversationStore';
import { COMPOSITE_INDEXES } from '../../shared/firestore/indexes';
import { MESSAGES, QUARANTINE, RECOGNITION_RESULTS } from '../../shared/firestore/paths';
import { DEPLOYED_ENVIRONMENT_VARIABLES } from '../../shared/platform/config';
import {
  block,
  dynamicBlock,
  expression,
  hasBlock,
  isBody,
  loadTerraform,
  local,
  mapKeys,
  mapValue,
  resolve,
  resource,
  resourcesOfType,
  strings,
  variableDefault,
  type Body,
} from './terraformConfig';

// Intent tests of the deployment (terraform/ and cloudbuild.yaml), read without Terraform: each asserts what
// the configuration must mean for the code in this repository, so a change on either side that breaks the
// contract fails here.

const ROOT = resolvePath(fileURLToPath(new URL('../..', import.meta.url)));
const TERRAFORM_DIR = join(ROOT, 'terraform');
const tf = await loadTerraform(TERRAFORM_DIR);

// ---------------------------------------------------------------------------------------------------------------
// What the code says: the functions, the targets they register, the variables they read.
// ---------------------------------------------------------------------------------------------------------------

type Kind = 'ingest' | 'history';

interface DeployedFunction {
  dir: string;
  target: string;
  kind: Kind;
  reads: readonly string[];
}

/** Read only by the history API; the ingest functions read every other deployed variable. */
const HISTORY_ONLY_VARIABLES = ['SERVED_PROJECTS', 'PAGE_TOKEN_SECRET', 'CORS_ALLOWED_ORIGINS'];

function registeredTargets(dir: string): string[] {
  const source = readFileSync(join(ROOT, 'functions', dir, 'index.ts'), 'utf8');
  return [...source.matchAll(/\bhttp\(\s*['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}

const FUNCTION_DIRS = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

const FUNCTIONS: DeployedFunction[] = FUNCTION_DIRS.map((dir) => {
  const kind: Kind = dir.startsWith('ingest-') ? 'ingest' : 'history';
  return {
    dir,
    target: registeredTargets(dir)[0] ?? '(none)',
    kind,
    reads: kind === 'ingest' ? DEPLOYED_ENVIRONMENT_VARIABLES.filter((name) => !HISTORY_ONLY_VARIABLES.includes(name)) : DEPLOYED_ENVIRONMENT_VARIABLES,
  };
});
const INGEST_FUNCTIONS = FUNCTIONS.filter((f) => f.kind === 'ingest');

// ---------------------------------------------------------------------------------------------------------------
// Helpers over the parsed configuration.
// ---------------------------------------------------------------------------------------------------------------

const FUNCTION_ADDRESS = 'google_cloudfunctions2_function.this';
const functionResource = () => resource(tf, FUNCTION_ADDRESS);
const functionSettings = (dir: string): Body => {
  const settings = mapValue(tf, local(tf, 'functions'))[dir];
  if (!isBody(settings)) throw new Error(`local.functions has no entry "${dir}"`);
  return settings;
};
const eventTopics = (): Record<string, Body> => {
  const topics = mapValue(tf, local(tf, 'event_topics'));
  return Object.fromEntries(Object.entries(topics).map(([key, value]) => [key, mapValue(tf, value)]));
};
const pushSubscription = () => resource(tf, 'google_pubsub_subscription.push');
/** `google_cloudfunctions2_function.this[<key>]` with the key a push subscription (for_each local.event_topics) uses. */
const CONSUMER_FUNCTION = `${FUNCTION_ADDRESS}[each.value.consumer]`;

function iamMembers(): Array<{ address: string; body: Body }> {
  return [...tf.resources]
    .filter(([address]) => /^google_.*_iam_member\./.test(address))
    .map(([address, body]) => ({ address, body }));
}

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

// ---------------------------------------------------------------------------------------------------------------

describe('terraform/: the functions', () => {
  it('finds the three functions of the contract under functions/, each registering one target', () => {
    expect(FUNCTIONS.map(({ dir, target }) => [dir, target])).toEqual([
      ['conversation-history', 'conversationHistory'],
      ['ingest-lifecycle-events', 'ingestLifecycleEvents'],
      ['ingest-message-events', 'ingestMessageEvents'],
    ]);
    for (const { dir } of FUNCTIONS) expect(registeredTargets(dir), dir).toHaveLength(1);
  });

  it('deploys every directory under functions/ and nothing else', () => {
    expect(mapKeys(tf, local(tf, 'functions')).sort()).toEqual(FUNCTION_DIRS);
    expect(expression(functionResource()['for_each'])).toBe('local.functions');
    expect(expression(functionResource()['name'])).toBe('each.key');
  });

  it.each(FUNCTIONS)('runs $dir from the target its index.ts registers ($target) on nodejs22', ({ dir, target }) => {
    expect(functionSettings(dir)['entry_point']).toBe(target);
    const build = block(functionResource(), 'build_config');
    expect(expression(build['entry_point'])).toBe('each.value.entry_point');
    expect(resolve(tf, build['runtime'])).toBe('nodejs22');
  });

  it('zips each function from ../dist/<dir> and uploads it under a name that is the hash of the zip', () => {
    const archive = tf.data.get('archive_file.source');
    expect(archive, 'data "archive_file" "source"').toBeDefined();
    expect(expression(archive!['for_each'])).toMatch(/local\.functions/);
    expect(archive!['type']).toBe('zip');
    expect(archive!['source_dir']).toBe('${path.module}/../dist/${each.key}');
    expect(archive!['output_path']).toMatch(/^\$\{path\.module\}\/build\/\$\{each\.key\}/);

    const object = resource(tf, 'google_storage_bucket_object.source');
    expect(object['name']).toMatch(/\$\{data\.archive_file\.source\[each\.key\]\.output_(md5|sha|sha256|sha512|base64sha256)\}/);
    expect(expression(object['source'])).toBe('data.archive_file.source[each.key].output_path');

    const source = block(block(block(functionResource(), 'build_config'), 'source'), 'storage_source');
    expect(expression(source['object'])).toBe('google_storage_bucket_object.source[each.key].name');
    expect(expression(source['bucket'])).toBe(expression(object['bucket']));
  });

  it('keeps the source bucket private: uniform access and public access prevention enforced', () => {
    const bucket = resource(tf, 'google_storage_bucket.sources');
    expect(bucket['uniform_bucket_level_access']).toBe(true);
    expect(bucket['public_access_prevention']).toBe('enforced');
  });

  // Read by Node itself rather than our code: source-mapped stack traces for the minified bundles.
  const RUNTIME_VARIABLES = ['NODE_OPTIONS', 'NODE_ENV'];

  it('maps stack traces of the minified bundles to the sources', () => {
    expect(mapValue(tf, local(tf, 'shared_environment_variables'))['NODE_OPTIONS']).toBe('--enable-source-maps');
    for (const { dir } of FUNCTIONS) expect(mapKeys(tf, functionSettings(dir)['environment_variables']), dir).toContain('NODE_OPTIONS');
  });

  it.each(FUNCTIONS)('gives $dir every environment variable it reads, and only deployed ones', ({ dir, reads }) => {
    const settings = functionSettings(dir);
    const plain = mapKeys(tf, settings['environment_variables']);
    const secret = mapKeys(tf, settings['secret_environment_variables']);
    expect([...plain, ...secret].sort()).toEqual(expect.arrayContaining([...reads].sort()));
    for (const name of [...plain, ...secret]) expect([...DEPLOYED_ENVIRONMENT_VARIABLES, ...RUNTIME_VARIABLES], `${dir} sets ${name}`).toContain(name);
    expect(plain, `${dir} must not get PAGE_TOKEN_SECRET as plain text`).not.toContain('PAGE_TOKEN_SECRET');
  });

  it('passes each function its own environment and secrets from local.functions', () => {
    const service = block(functionResource(), 'service_config');
    expect(expression(service['environment_variables'])).toBe('each.value.environment_variables');
    const secrets = dynamicBlock(service, 'secret_environment_variables');
    expect(expression(secrets.forEach)).toBe('each.value.secret_environment_variables');
    expect(expression(secrets.content['key'])).toBe('secret_environment_variables.key');
    expect(expression(secrets.content['secret'])).toBe('secret_environment_variables.value.secret');
    expect(expression(secrets.content['version'])).toBe('secret_environment_variables.value.version');
  });

  it('delivers PAGE_TOKEN_SECRET from a pinned Secret Manager version holding a random key of 48+ characters', () => {
    const history = FUNCTIONS.find((f) => f.kind === 'history')!;
    const secrets = mapValue(tf, functionSettings(history.dir)['secret_environment_variables']);
    const pageToken = mapValue(tf, secrets['PAGE_TOKEN_SECRET']);
    expect(expression(pageToken['secret'])).toBe('google_secret_manager_secret.page_token.secret_id');
    expect(expression(pageToken['version'])).toBe('google_secret_manager_secret_version.page_token.version');
    const version = resource(tf, 'google_secret_manager_secret_version.page_token');
    expect(expression(version['secret_data'])).toBe('random_password.page_token.result');
    expect(resource(tf, 'random_password.page_token')['length']).toBeGreaterThanOrEqual(48);
  });

  it('sets RETENTION_DAYS, FIRESTORE_DATABASE_ID and GOOGLE_CLOUD_PROJECT from the variables the rest of the deployment uses', () => {
    const shared = mapValue(tf, local(tf, 'shared_environment_variables'));
    expect(expression(shared['RETENTION_DAYS'])).toMatch(/\bvar\.retention_days\b/);
    expect(expression(shared['FIRESTORE_DATABASE_ID'])).toBe('var.firestore_database_id');
    expect(expression(shared['GOOGLE_CLOUD_PROJECT'])).toBe('var.project_id');
    expect(expression(resource(tf, 'google_firestore_index.composite')['database'])).toBe('var.firestore_database_id');
  });

  it('serves the own project by default: SERVED_PROJECTS falls back to project_id', () => {
    const history = mapValue(tf, local(tf, 'history_only_environment_variables'));
    expect(expression(history['SERVED_PROJECTS'])).toMatch(/^join\(",",.*var\.served_projects.*\[var\.project_id\]/);
    expect(variableDefault(tf, 'served_projects')).toEqual([]);
  });

  it('runs every function as the runtime account, with all traffic on the latest revision', () => {
    const service = block(functionResource(), 'service_config');
    expect(expression(service['service_account_email'])).toBe('google_service_account.runtime.email');
    expect(service['all_traffic_on_latest_revision']).toBe(true);
    for (const key of ['timeout_seconds', 'max_instance_count', 'min_instance_count', 'max_instance_request_concurrency', 'available_memory', 'available_cpu']) {
      expect(expression(service[key]), key).toBe(`each.value.limits.${key}`);
    }
    expect(expression(service['ingress_settings'])).toBe('each.value.ingress_settings');
  });

  it('keeps the ingest functions off the internet by default, since Pub/Sub push from the project counts as internal', () => {
    for (const { dir } of INGEST_FUNCTIONS) expect(expression(functionSettings(dir)['ingress_settings'])).toBe('var.ingest_ingress_settings');
    expect(variableDefault(tf, 'ingest_ingress_settings')).toBe('ALLOW_INTERNAL_ONLY');
  });

  it('grants the runtime account datastore.user on the project and secretAccessor on the page-token secret, nothing more', () => {
    const runtimeGrants = iamMembers().filter(({ body }) => expression(body['member']).startsWith('google_service_account.runtime.'));
    expect(runtimeGrants.map(({ address, body }) => [address.split('.')[0], body['role']]).sort()).toEqual([
      ['google_project_iam_member', 'roles/datastore.user'],
      ['google_secret_manager_secret_iam_member', 'roles/secretmanager.secretAccessor'],
    ]);
    const accessor = runtimeGrants.find(({ address }) => address.startsWith('google_secret_manager_secret_iam_member.'))!;
    expect(expression(accessor.body['secret_id'])).toMatch(/^google_secret_manager_secret\.page_token\./);
  });
});

describe('terraform/: Pub/Sub push to the ingest functions', () => {
  it('feeds each ingest function from exactly one push subscription, and nothing else', () => {
    const consumers = Object.values(eventTopics()).map((topic) => topic['consumer']);
    expect([...consumers].sort()).toEqual(INGEST_FUNCTIONS.map((f) => f.dir));
    expect(expression(pushSubscription()['for_each'])).toBe('local.event_topics');
    expect(expression(pushSubscription()['topic'])).toBe('google_pubsub_topic.events[each.key].id');
    expect(expression(resource(tf, 'google_pubsub_topic.events')['for_each'])).toBe('local.event_topics');
    const pushing = resourcesOfType(tf, 'google_pubsub_subscription').filter(([, body]) => hasBlock(body, 'push_config'));
    expect(pushing.map(([address]) => address)).toEqual(['google_pubsub_subscription.push']);
  });

  it.each(INGEST_FUNCTIONS)('pushes to $dir at its own URL, with an OIDC token of the push account for that URL', ({ dir }) => {
    // The subscription is created for each event topic, keyed to the function that consumes it.
    expect(Object.values(eventTopics()).filter((topic) => topic['consumer'] === dir)).toHaveLength(1);
    const push = block(pushSubscription(), 'push_config');
    expect(expression(push['push_endpoint'])).toBe(`${CONSUMER_FUNCTION}.service_config[0].uri`);
    const oidc = block(push, 'oidc_token');
    expect(expression(oidc['audience'])).toBe(`${CONSUMER_FUNCTION}.service_config[0].uri`);
    expect(expression(oidc['service_account_email'])).toBe('google_service_account.push.email');
  });

  it('sets the ack deadline (the push request timeout) above the timeout of the function it pushes to', () => {
    const ack = expression(pushSubscription()['ack_deadline_seconds']);
    const match = /^(.+)\.service_config\[0\]\.timeout_seconds \+ var\.(\w+)$/.exec(ack);
    expect(match, ack).not.toBeNull();
    expect(match![1]).toBe(CONSUMER_FUNCTION);
    expect(variableDefault(tf, match![2]!)).toBeGreaterThan(0);
    const preconditions = strings(pushSubscription()['lifecycle']).map(({ text }) => text);
    expect(preconditions.some((text) => /timeout_seconds \+ var\.push_ack_deadline_margin_seconds <= 600/.test(text))).toBe(true);
  });

  it('retries with backoff, dead-letters after max_delivery_attempts and never expires', () => {
    const subscription = pushSubscription();
    const retry = block(subscription, 'retry_policy');
    expect(retry['minimum_backoff']).toBe('${var.push_retry_minimum_backoff_seconds}s');
    expect(retry['maximum_backoff']).toBe('${var.push_retry_maximum_backoff_seconds}s');
    const deadLetter = block(subscription, 'dead_letter_policy');
    expect(expression(deadLetter['dead_letter_topic'])).toBe('google_pubsub_topic.dead_letter.id');
    expect(expression(deadLetter['max_delivery_attempts'])).toBe('var.max_delivery_attempts');
    const attempts = variableDefault(tf, 'max_delivery_attempts') as number;
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThanOrEqual(100);
    expect(block(subscription, 'expiration_policy')['ttl']).toBe('');
  });

  it('keeps dead-lettered deliveries in a subscription of their own for 31 days, never expiring', () => {
    const holders = resourcesOfType(tf, 'google_pubsub_subscription').filter(
      ([, body]) => expression(body['topic']) === 'google_pubsub_topic.dead_letter.id',
    );
    expect(holders).toHaveLength(1);
    const [, holder] = holders[0]!;
    expect(hasBlock(holder, 'push_config')).toBe(false);
    expect(resolve(tf, holder['message_retention_duration'])).toBe('2678400s');
    expect(block(holder, 'expiration_policy')['ttl']).toBe('');
  });

  it('lets only the push account invoke the ingest functions', () => {
    const invokers = resourcesOfType(tf, 'google_cloud_run_v2_service_iam_member').filter(([, body]) =>
      expression(body['name']).startsWith(CONSUMER_FUNCTION),
    );
    expect(invokers).toHaveLength(1);
    const [, invoker] = invokers[0]!;
    expect(expression(invoker['for_each'])).toBe('local.event_topics');
    expect(expression(invoker['name'])).toBe(`${CONSUMER_FUNCTION}.service_config[0].service`);
    expect(invoker['role']).toBe('roles/run.invoker');
    expect(expression(invoker['member'])).toBe('google_service_account.push.member');
  });

  it("lets Pub/Sub's service agent mint push tokens, publish dead letters and acknowledge on the push subscriptions", () => {
    expect(local(tf, 'pubsub_service_agent')).toBe(
      'serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com',
    );
    const grants = iamMembers()
      .filter(({ body }) => expression(body['member']) === 'local.pubsub_service_agent')
      .map(({ address, body }) => ({ type: address.split('.')[0], role: body['role'], on: expression(body['topic'] ?? body['subscription'] ?? body['service_account_id']) }));
    expect(grants).toEqual(
      expect.arrayContaining([
        { type: 'google_service_account_iam_member', role: 'roles/iam.serviceAccountTokenCreator', on: 'google_service_account.push.name' },
        { type: 'google_pubsub_topic_iam_member', role: 'roles/pubsub.publisher', on: 'google_pubsub_topic.dead_letter.name' },
        { type: 'google_pubsub_subscription_iam_member', role: 'roles/pubsub.subscriber', on: 'google_pubsub_subscription.push[each.key].name' },
      ]),
    );
  });
});

describe('terraform/: the conversation profile', () => {
  const profile = () => resource(tf, 'google_dialogflow_conversation_profile.this');
  const ROUTES = [
    { config: 'notification_config', target: 'ingestLifecycleEvents' },
    { config: 'new_message_event_notification_config', target: 'ingestMessageEvents' },
  ];

  it.each(ROUTES)('publishes $config as JSON to the topic whose pushes reach $target', ({ config, target }) => {
    const notification = block(profile(), config);
    expect(notification['message_format']).toBe('JSON');
    const topic = /^google_pubsub_topic\.events\["(\w+)"\]\.id$/.exec(expression(notification['topic']));
    expect(topic, `${config}.topic must be a full topic name (.id) of google_pubsub_topic.events`).not.toBeNull();
    const consumer = eventTopics()[topic![1]!]?.['consumer'];
    expect(FUNCTIONS.find((f) => f.dir === consumer)?.target).toBe(target);
  });

  it("lets Dialogflow's service agent publish to both event topics", () => {
    expect(local(tf, 'dialogflow_service_agent')).toBe(
      'serviceAccount:service-${data.google_project.this.number}@gcp-sa-dialogflow.iam.gserviceaccount.com',
    );
    const grant = iamMembers().find(({ body }) => expression(body['member']) === 'local.dialogflow_service_agent');
    expect(grant?.body['role']).toBe('roles/pubsub.publisher');
    expect(expression(grant?.body['for_each'])).toBe('local.event_topics');
    expect(expression(grant?.body['topic'])).toBe('google_pubsub_topic.events[each.key].name');
  });

  it('connects an automated agent only when dialogflow_agent is set, and can be left to an existing profile', () => {
    const agent = dynamicBlock(profile(), 'automated_agent_config');
    expect(expression(agent.forEach)).toMatch(/var\.dialogflow_agent == "" \? \[\] : \[var\.dialogflow_agent\]/);
    expect(expression(profile()['count'])).toBe('var.create_conversation_profile ? 1 : 0');
    expect(variableDefault(tf, 'create_conversation_profile')).toBe(true);
  });
});

describe('terraform/: Firestore', () => {
  const normalize = (indexes: Array<{ collection: string; query_scope: string; fields: Array<{ field_path: string; order: string }> }>) =>
    indexes.map((index) => JSON.stringify(index)).sort();

  it('declares every composite index of shared/firestore/indexes.ts, and no other', () => {
    const declared = local(tf, 'firestore_composite_indexes') as Array<{ collection: string; query_scope: string; fields: Array<{ field_path: string; order: string }> }>;
    const expected = COMPOSITE_INDEXES.map((index) => ({
      collection: index.collectionGroup,
      fields: index.fields.map((field) => ({ field_path: field.fieldPath, order: field.order })),
      query_scope: index.queryScope,
    }));
    expect(normalize(declared.map(({ collection, fields, query_scope }) => ({ collection, fields, query_scope })))).toEqual(normalize(expected));

    expect(resourcesOfType(tf, 'google_firestore_index').map(([address]) => address)).toEqual(['google_firestore_index.composite']);
    const index = resource(tf, 'google_firestore_index.composite');
    expect(expression(index['for_each'])).toMatch(/^\{\s*for index in local\.firestore_composite_indexes\s*:[\s\S]*=> index\s*\}$/);
    expect(expression(index['collection'])).toBe('each.value.collection');
    expect(expression(index['query_scope'])).toBe('each.value.query_scope');
    const fields = dynamicBlock(index, 'fields');
    expect(expression(fields.forEach)).toBe('each.value.fields');
    expect(expression(fields.content['field_path'])).toBe('fields.value.field_path');
    expect(expression(fields.content['order'])).toBe('fields.value.order');
  });

  it('puts a TTL policy on expireAt of every collection group that carries it, only when retention_days > 0', () => {
    const ttl = resource(tf, 'google_firestore_field.ttl');
    expect(resolve(tf, ttl['field'])).toBe(EXPIRE_AT_FIELD);
    expect(hasBlock(ttl, 'ttl_config')).toBe(true);
    expect(expression(ttl['collection'])).toBe('each.value');
    expect(expression(ttl['for_each'])).toBe('var.retention_days > 0 ? toset(local.ttl_collection_groups) : toset([])');
    expect([...(local(tf, 'ttl_collection_groups') as string[])].sort()).toEqual(['conversations', MESSAGES, RECOGNITION_RESULTS, QUARANTINE].sort());
    expect(variableDefault(tf, 'retention_days')).toBe(0);
  });

  it('creates a native database only when asked, delete-protected and abandoned on destroy by default', () => {
    const database = resource(tf, 'google_firestore_database.this');
    expect(expression(database['count'])).toBe('var.create_firestore_database ? 1 : 0');
    expect(database['type']).toBe('FIRESTORE_NATIVE');
    expect(expression(database['name'])).toBe('var.firestore_database_id');
    expect(variableDefault(tf, 'firestore_database_id')).toBe('(default)');
    expect(variableDefault(tf, 'firestore_delete_protection')).toBe(true);
    expect(expression(database['deletion_policy'])).toBe('var.firestore_deletion_policy');
    expect(variableDefault(tf, 'firestore_deletion_policy')).toBe('ABANDON');
  });
});

describe('terraform/: hygiene', () => {
  it('declares every resource, data source, variable, output and local once', () => {
    expect(tf.duplicates).toEqual([]);
  });

  it('grants nothing to allUsers or allAuthenticatedUsers, anywhere', () => {
    // Everything but the validations that refuse them.
    const everything = {
      resources: Object.fromEntries(tf.resources),
      data: Object.fromEntries(tf.data),
      outputs: Object.fromEntries(tf.outputs),
      locals: Object.fromEntries(tf.locals),
      defaults: [...tf.variables].map(([name, body]) => [name, body['default']]),
    };
    const offending = strings(everything).filter(({ text }) => /all(authenticated)?users/i.test(text));
    expect(offending).toEqual([]);
    const example = readFileSync(join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8');
    expect(example.split('\n').filter((line) => !line.trim().startsWith('#') && /all(authenticated)?users/i.test(line))).toEqual([]);
  });

  it('refuses allUsers and allAuthenticatedUsers as history invokers', () => {
    const conditions = ((tf.variables.get('history_invokers')?.['validation'] ?? []) as Body[]).map((v) => expression(v['condition']).toLowerCase());
    expect(conditions.some((c) => c.includes('"allusers"') && c.includes('"allauthenticatedusers"'))).toBe(true);
    expect(variableDefault(tf, 'history_invokers')).toEqual([]);
    const invokers = resource(tf, 'google_cloud_run_v2_service_iam_member.history_invokers');
    expect(expression(invokers['for_each'])).toBe('toset(var.history_invokers)');
    expect(expression(invokers['name'])).toBe(`${FUNCTION_ADDRESS}[local.history_function].service_config[0].service`);
    expect(local(tf, 'history_function')).toBe(FUNCTIONS.find((f) => f.kind === 'history')?.dir);
  });

  it.each([...tf.variables.keys()])('types variable %s and describes it in one sentence', (name) => {
    const variable = tf.variables.get(name)!;
    expect(variable['type'], `${name}.type`).toBeDefined();
    const description = variable['description'];
    expect(typeof description === 'string' && /^[A-Z].*\.$/.test(description), `${name}.description: ${String(description)}`).toBe(true);
    // One sentence: no full stop followed by another sentence.
    expect(String(description)).not.toMatch(/\.\s+[A-Z]/);
  });

  it.each([...tf.outputs.keys()])('describes output %s', (name) => {
    const description = tf.outputs.get(name)!['description'];
    expect(typeof description === 'string' && description.trim().length > 0).toBe(true);
  });

  it('offers every variable in terraform.tfvars.example', () => {
    const example = readFileSync(join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8');
    for (const name of tf.variables.keys()) expect(example, name).toMatch(new RegExp(`^${name}\\s*=`, 'm'));
  });

  it('enables every API the deployment uses and leaves them on at destroy', () => {
    const apis = resource(tf, 'google_project_service.apis');
    expect(apis['disable_on_destroy']).toBe(false);
    expect([...(local(tf, 'required_apis') as string[])].sort()).toEqual(
      ['artifactregistry', 'cloudbuild', 'cloudfunctions', 'dialogflow', 'firestore', 'iam', 'pubsub', 'run', 'secretmanager', 'storage'].map(
        (name) => `${name}.googleapis.com`,
      ),
    );
    const functionDependencies = (functionResource()['depends_on'] as string[]).map(expression);
    expect(functionDependencies).toContain('google_project_service.apis');
  });

  it('pins the providers and leaves the backend to Cloud Build', () => {
    const settings = tf.settings.filter((s) => hasBlock(s, 'required_providers'));
    expect(settings).toHaveLength(1);
    const providers = block(settings[0]!, 'required_providers');
    expect(providers['google']).toMatchObject({ source: 'hashicorp/google', version: '>= 6.50, < 8' });
    expect(providers['archive']).toMatchObject({ source: 'hashicorp/archive' });
    expect(providers['random']).toMatchObject({ source: 'hashicorp/random' });
    const withBackend = [...tf.files].filter(([name, text]) => name !== 'backend_override.tf' && /^\s*backend\s+"/m.test(text));
    expect(withBackend.map(([name]) => name)).toEqual([]);
  });
});

describe('cloudbuild.yaml', () => {
  const config = YAML.parse(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8')) as {
    steps: Step[];
    substitutions?: Record<string, string>;
    timeout?: string;
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
    { name: 'test', step: find('npm test', /^npm (test|run test)\b/) },
    { name: 'build', step: find('npm run build', /^npm run build\b/) },
  ];
  const init = find('terraform init', /terraform -chdir=terraform init\b/);
  const plan = find('terraform plan', /-chdir=terraform plan\b/);
  const apply = find('terraform apply', /-chdir=terraform apply\b/);

  it('runs npm ci on node:22 before anything that needs node_modules', () => {
    expect(npmCi.name).toMatch(/^node:22\b/);
    for (const { step } of checks) expect(prerequisites(steps, step)).toContain(npmCi.id);
  });

  it.each(checks)('runs $name in parallel with the other checks, right after npm ci', ({ step }) => {
    expect(step.waitFor).toEqual([npmCi.id]);
  });

  it('plans only after the type check, the tests, the build and terraform init, and applies that plan', () => {
    const before = prerequisites(steps, plan);
    for (const step of [npmCi, ...checks.map((c) => c.step), init]) expect(before, step.id).toContain(step.id);
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
    const used = [...new Set([...JSON.stringify(steps).matchAll(/\$\{?(_[A-Z0-9_]+)/g)].map((m) => m[1]!))].sort();
    expect(used).toEqual(declared);
    expect(config.substitutions?.['_TF_VERSION']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(config.timeout).toMatch(/^\d+s$/);
  });
});
