import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPIRE_AT_FIELD } from '../../shared/firestore/conversationStore';
import { COMPOSITE_INDEXES } from '../../shared/firestore/indexes';
import { ERASURES } from '../../shared/firestore/erasureStore';
import { MESSAGES, PARTICIPANTS, QUARANTINE, RECOGNITION_RESULTS } from '../../shared/firestore/paths';
import { DEPLOYED_ENVIRONMENT_VARIABLES } from '../../shared/platform/config';
import {
  CONSUMER_FUNCTION,
  FUNCTION_ADDRESS,
  FUNCTION_DIRS,
  FUNCTIONS,
  INGEST_FUNCTIONS,
  TERRAFORM_DIR,
  UNREAD_DEPLOYED_VARIABLES,
  eventTopics,
  functionResource,
  functionSettings,
  iamMembers,
  pushSubscription,
  registeredTargets,
  tf,
} from './deployment';
import {
  block,
  dynamicBlock,
  expression,
  hasBlock,
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

// Intent tests of terraform/, read without Terraform: each asserts what the configuration must mean for the code
// in this repository, so a change on either side that breaks the contract fails here. Accounts and grants are in
// accounts.test.ts, operations (alerts, backups, indexing, naming) in operations.test.ts, cloudbuild.yaml in
// pipeline.test.ts.

// ---------------------------------------------------------------------------------------------------------------

describe('terraform/: the functions', () => {
  it('finds the six functions of the contract under functions/, each registering one target', () => {
    expect(FUNCTIONS.map(({ dir, target }) => [dir, target])).toEqual([
      ['conversation-history', 'conversationHistory'],
      ['erase-conversations', 'eraseConversations'],
      ['ingest-lifecycle-events', 'ingestLifecycleEvents'],
      ['ingest-message-events', 'ingestMessageEvents'],
      ['ingest-recognition-results', 'ingestRecognitionResults'],
      ['reconcile-conversations', 'reconcileConversations'],
    ]);
    for (const { dir } of FUNCTIONS) expect(registeredTargets(dir), dir).toHaveLength(1);
  });

  it('deploys every directory under functions/ and nothing else', () => {
    expect(mapKeys(tf, local(tf, 'functions')).sort()).toEqual(FUNCTION_DIRS);
    expect(expression(functionResource()['for_each'])).toBe('local.functions');
    expect(expression(functionResource()['name'])).toBe('local.function_names[each.key]');
    // The deployed name is the directory after the environment's prefix (operations.test.ts: naming).
    expect(expression(local(tf, 'function_names'))).toMatch(/^\{\s*for dir in local\.function_dirs\s*:\s*dir => "\$\{local\.prefix\}\$\{dir\}"\s*\}$/);
    // Listed apart, since the environments read the URLs made of the names; a precondition holds the two equal.
    expect(local(tf, 'function_dirs')).toEqual(FUNCTION_DIRS);
    const preconditions = ((block(functionResource(), 'lifecycle')['precondition'] as Body[]) ?? []).map((p) => expression(p['condition']));
    expect(preconditions.some((c) => c.includes('setsubtract(keys(local.functions), local.function_dirs)'))).toBe(true);
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

  it('deploys no variable that no function reads', () => {
    expect(UNREAD_DEPLOYED_VARIABLES).toEqual([]);
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
    const history = mapValue(tf, local(tf, 'served_projects_environment_variables'));
    expect(expression(history['SERVED_PROJECTS'])).toMatch(/^join\(",",.*var\.served_projects.*\[var\.project_id\]/);
    expect(variableDefault(tf, 'served_projects')).toEqual([]);
  });

  it('runs each function as the runtime account of its kind, with all traffic on the latest revision', () => {
    const service = block(functionResource(), 'service_config');
    expect(expression(service['service_account_email'])).toBe('google_service_account.this[each.value.runtime_account].email');
    for (const { dir, kind } of FUNCTIONS) expect(functionSettings(dir)['runtime_account'], dir).toBe(kind);
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
    // Minted for the URL the function checks (its AUTH_AUDIENCES), computed, since a function cannot read its own.
    expect(expression(oidc['audience'])).toBe('local.function_urls[each.value.consumer]');
    expect(expression(functionSettings(dir)['environment_variables'])).toContain(`AUTH_AUDIENCES = local.function_urls["${dir}"]`);
    expect(expression(oidc['service_account_email'])).toBe('google_service_account.this["push"].email');
    // A run.app URL: the only kind a push subscription inside a VPC Service Controls perimeter may reach.
    expect(expression(push['push_endpoint'])).not.toMatch(/\.url$/);
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
    expect(expression(invoker['member'])).toBe('google_service_account.this["push"].member');
  });

  it("lets Pub/Sub's service agent mint push tokens, publish dead letters and acknowledge on the push subscriptions", () => {
    const grants = iamMembers()
      .filter(({ body }) => expression(body['member']) === 'local.pubsub_service_agent')
      .map(({ address, body }) => ({ type: address.split('.')[0], role: body['role'], on: expression(body['topic'] ?? body['subscription'] ?? body['service_account_id']) }));
    expect(grants).toEqual(
      expect.arrayContaining([
        { type: 'google_service_account_iam_member', role: 'roles/iam.serviceAccountTokenCreator', on: 'google_service_account.this["push"].name' },
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

  it("lets Dialogflow's service agent publish to every event topic", () => {
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

  it('puts a TTL policy on expireAt of every collection group that carries it: every document with retention_days > 0, erased conversations always', () => {
    const ttl = resource(tf, 'google_firestore_field.ttl');
    expect(resolve(tf, ttl['field'])).toBe(EXPIRE_AT_FIELD);
    expect(hasBlock(ttl, 'ttl_config')).toBe(true);
    expect(expression(ttl['collection'])).toBe('each.value');
    expect(expression(ttl['for_each'])).toBe('toset(local.ttl_collection_groups)');
    expect([...(local(tf, 'ttl_collection_groups') as string[])].sort()).toEqual(['conversations', MESSAGES, RECOGNITION_RESULTS, PARTICIPANTS, QUARANTINE, ERASURES].sort());
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
    expect(expression(invokers['for_each'])).toBe('toset(concat(var.history_invokers, var.history_erasers))');
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

  it('offers every variable in terraform.tfvars.example, leaving project_id and region to the command line as Cloud Build does', () => {
    const example = readFileSync(join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8');
    const onCommandLine = ['project_id', 'region'];
    for (const name of tf.variables.keys()) {
      expect(example, name).toMatch(new RegExp(onCommandLine.includes(name) ? `^# ${name}\\s*=` : `^${name}\\s*=`, 'm'));
    }
  });

  it('enables every API the deployment uses, leaves them on at destroy, and lets them propagate before use', () => {
    const apis = resource(tf, 'google_project_service.apis');
    expect(apis['disable_on_destroy']).toBe(false);
    expect([...(local(tf, 'required_apis') as string[])].sort()).toEqual(
      [
        'artifactregistry', 'cloudbuild', 'cloudfunctions', 'cloudscheduler', 'dialogflow', 'firestore', 'iam', 'iamcredentials', 'logging', 'monitoring', 'pubsub', 'run',
        'secretmanager', 'storage',
      ].map((name) => `${name}.googleapis.com`),
    );
    // An API enabled a moment ago can answer 403 SERVICE_DISABLED, which the provider does not retry: nothing
    // depends on the APIs but through the wait.
    const wait = resource(tf, 'time_sleep.apis_enabled');
    expect(expression(wait['create_duration'])).toBe('${var.api_propagation_wait_seconds}s');
    const direct = [...tf.resources].filter(([address, body]) => address !== 'time_sleep.apis_enabled' && JSON.stringify(body).includes('google_project_service.apis'));
    expect(direct.map(([address]) => address)).toEqual([]);
    const functionDependencies = (functionResource()['depends_on'] as string[]).map(expression);
    expect(functionDependencies).toContain('time_sleep.apis_enabled');
  });

  it('pins every provider to one major version, google and google-beta from 7.45, the release whose schemas the arguments are checked against', () => {
    const settings = tf.settings.filter((s) => hasBlock(s, 'required_providers'));
    expect(settings).toHaveLength(1);
    const providers = block(settings[0]!, 'required_providers');
    // `~> 7.0` admitted 7.x releases older than the profile's new_recognition_result_notification_config.
    expect(providers['google']).toEqual({ source: 'hashicorp/google', version: '>= 7.45, < 8' });
    expect(providers['google-beta']).toEqual({ source: 'hashicorp/google-beta', version: '>= 7.45, < 8' });
    for (const name of ['archive', 'random', 'time']) {
      expect(providers[name], name).toMatchObject({ source: `hashicorp/${name}` });
      // "~> X.Y" allows X.Y and later minor versions, never X+1.
      expect((providers[name] as Body)['version'], name).toMatch(/^~> \d+\.\d+$/);
    }
    // Every provider a resource uses is declared.
    const used = new Set([...tf.resources.keys()].map((address) => address.split('_')[0]!));
    for (const prefix of used) expect(Object.keys(providers), prefix).toContain(prefix);
  });

  it.each(['google', 'google-beta'])('bills every call of the %s provider to the project deployed into, also with user credentials', (name) => {
    // With `gcloud auth application-default login`, calls would otherwise go on gcloud's own project, where
    // Dialogflow's API is not enabled.
    const provider = tf.providers.get(name);
    expect(provider, name).toBeDefined();
    expect(provider!['user_project_override']).toBe(true);
    expect(expression(provider!['billing_project'])).toBe('var.project_id');
    expect(expression(provider!['project'])).toBe('var.project_id');
  });

  it('leaves the backend to Cloud Build', () => {
    const withBackend = [...tf.files].filter(([name, text]) => name !== 'backend_override.tf' && /^\s*backend\s+"/m.test(text));
    expect(withBackend.map(([name]) => name)).toEqual([]);
  });
});
