import { describe, expect, it } from 'vitest';
import { FUNCTIONS, functionResource, iamMembers, tf } from './deployment';
import { block, expression, local, mapValue, resource, resourcesOfType, strings, variableDefault, type Body } from './terraformConfig';

// Intent tests of who may do what (terraform/iam.tf): one account per role with only that role's grants, the
// service agents created rather than assumed, and the waits between the grants and what needs them.

const ACCOUNT = (key: string) => `google_service_account.this["${key}"]`;
const ACCOUNTS = mapValue(tf, local(tf, 'service_accounts'));
const INGEST_ACCOUNT = expression(local(tf, 'ingest_runtime_account'));
const HISTORY_ACCOUNT = expression(local(tf, 'history_runtime_account'));

/** The account a member expression names ("google_service_account.this[\"ingest\"].member" or a local of one). */
function accountOf(member: unknown): string | undefined {
  const text = expression(member);
  const direct = /^google_service_account\.this\["(\w+)"\]\.member$/.exec(text);
  if (direct) return direct[1];
  if (text === `local.ingest_runtime_account.member`) return 'ingest';
  if (text === `local.history_runtime_account.member`) return 'history';
  return undefined;
}

/** Every grant, as `[type, role, on]`, to the account `key`. */
function grantsOf(key: string): Array<{ address: string; type: string; role: unknown; body: Body }> {
  return iamMembers()
    .filter(({ body }) => accountOf(body['member']) === key)
    .map(({ address, body }) => ({ address, type: address.split('.')[0]!, role: body['role'], body }));
}

describe('terraform/: one service account per role', () => {
  it('creates an ingest, a history, an erase, a reconcile, a push, a scheduler and a build account, and no other', () => {
    expect(Object.keys(ACCOUNTS).sort()).toEqual(['build', 'erase', 'history', 'ingest', 'push', 'reconcile', 'scheduler']);
    expect(resourcesOfType(tf, 'google_service_account').map(([address]) => address)).toEqual(['google_service_account.this']);
    expect(INGEST_ACCOUNT).toBe(ACCOUNT('ingest'));
    expect(HISTORY_ACCOUNT).toBe(ACCOUNT('history'));
  });

  it('keeps every account ID within 30 characters under the longest name_prefix', () => {
    const account = resource(tf, 'google_service_account.this');
    expect(account['account_id']).toBe('${local.prefix}${each.value.id}');
    const longestPrefix = 'abcdefgh-';
    const validation = expression((tf.variables.get('name_prefix')!['validation'] as Body[])[0]!['condition']);
    expect(new RegExp(/regex\("([^"]+)"/.exec(validation)![1]!.replace(/\\\\/g, '\\')).test(longestPrefix.slice(0, -1))).toBe(true);
    expect(new RegExp(/regex\("([^"]+)"/.exec(validation)![1]!.replace(/\\\\/g, '\\')).test('abcdefghi')).toBe(false);
    for (const [key, settings] of Object.entries(ACCOUNTS)) {
      const id = `${longestPrefix}${(settings as Body)['id']}`;
      expect(id.length, key).toBeLessThanOrEqual(30);
      expect(id, key).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    }
  });

  it('runs the ingest functions as the ingest account and the history API as the history account', () => {
    for (const { dir, kind } of FUNCTIONS) expect(ACCOUNTS[kind], dir).toBeDefined();
    expect(expression(block(functionResource(), 'service_config')['service_account_email'])).toBe(
      'google_service_account.this[each.value.runtime_account].email',
    );
  });

  it("grants the ingest account datastore.user on this deployment's database only, and nothing else", () => {
    const grants = grantsOf('ingest');
    expect(grants.map(({ type, role }) => [type, role])).toEqual([['google_project_iam_member', 'roles/datastore.user']]);
    expect(expression(block(grants[0]!.body, 'condition')['expression'])).toBe('format("resource.name == %q", local.firestore_database_resource)');
    expect(local(tf, 'firestore_database_resource')).toBe('projects/${var.project_id}/databases/${var.firestore_database_id}');
  });

  it("grants the history account datastore.viewer (a role that cannot write) on this deployment's database, secretAccessor on the page-token secret, and the invoking of the erasure function", () => {
    const grants = grantsOf('history');
    expect(grants.map(({ type, role }) => [type, role]).sort()).toEqual([
      ['google_project_iam_member', 'roles/datastore.viewer'],
      ['google_secret_manager_secret_iam_member', 'roles/secretmanager.secretAccessor'],
    ]);
    const invokers = resource(tf, 'google_cloud_run_v2_service_iam_member.erasure_invokers');
    expect(expression(invokers['for_each'])).toBe('merge({ for member in var.history_erasers : member => member }, { "history API" = local.history_runtime_account.member })');
    expect(expression(invokers['name'])).toBe('google_cloudfunctions2_function.this["erase-conversations"].service_config[0].service');
    expect(invokers['role']).toBe('roles/run.invoker');
    const viewer = grants.find(({ role }) => role === 'roles/datastore.viewer')!;
    expect(expression(block(viewer.body, 'condition')['expression'])).toBe('format("resource.name == %q", local.firestore_database_resource)');
    const accessor = grants.find(({ role }) => role === 'roles/secretmanager.secretAccessor')!;
    expect(expression(accessor.body['secret_id'])).toBe('google_secret_manager_secret.page_token.secret_id');
  });

  it("grants the erase account datastore.user on this deployment's database, and nothing else", () => {
    const grants = grantsOf('erase');
    expect(grants.map(({ type, role }) => [type, role])).toEqual([['google_project_iam_member', 'roles/datastore.user']]);
    expect(expression(block(grants[0]!.body, 'condition')['expression'])).toBe('format("resource.name == %q", local.firestore_database_resource)');
  });

  it("grants the reconcile account datastore.user on this deployment's database and Dialogflow's read-only role, and nothing else", () => {
    const grants = grantsOf('reconcile');
    expect(grants.map(({ type, role }) => [type, role]).sort()).toEqual([
      ['google_project_iam_member', 'roles/datastore.user'],
      ['google_project_iam_member', 'roles/dialogflow.reader'],
    ]);
    const firestore = grants.find(({ role }) => role === 'roles/datastore.user')!;
    expect(expression(block(firestore.body, 'condition')['expression'])).toBe('format("resource.name == %q", local.firestore_database_resource)');
  });

  it('grants the scheduler account the right to invoke reconcileConversations and the erasure function (its sweep), and nothing else', () => {
    const grants = grantsOf('scheduler');
    expect(grants.map(({ type, role }) => [type, role])).toEqual([
      ['google_cloud_run_v2_service_iam_member', 'roles/run.invoker'],
      ['google_cloud_run_v2_service_iam_member', 'roles/run.invoker'],
    ]);
    expect(grants.map(({ body }) => expression(body['name'])).sort()).toEqual([
      'google_cloudfunctions2_function.this["erase-conversations"].service_config[0].service',
      'google_cloudfunctions2_function.this["reconcile-conversations"].service_config[0].service',
    ]);
    // It calls POST /sweep, which deletes only under tombstones; erasing takes an email of ERASURE_ALLOWED_EMAILS.
    expect(expression(block(resource(tf, 'google_cloud_scheduler_job.erasure_sweep'), 'http_target')['uri'])).toBe(
      '${google_cloudfunctions2_function.this["erase-conversations"].service_config[0].uri}/sweep',
    );
  });

  it('grants the push account the right to invoke the ingest functions, and nothing else', () => {
    const grants = grantsOf('push');
    expect(grants.map(({ type, role }) => [type, role])).toEqual([['google_cloud_run_v2_service_iam_member', 'roles/run.invoker']]);
    expect(expression(grants[0]!.body['for_each'])).toBe('local.event_topics');
  });

  it("grants the build account the documented build roles, each on the narrowest resource: logs on the project, images on this deployment's repository, sources on their two buckets", () => {
    const grants = grantsOf('build');
    expect(grants.map(({ type, role }) => [type, role]).sort()).toEqual([
      ['google_artifact_registry_repository_iam_member', 'roles/artifactregistry.writer'],
      ['google_project_iam_member', 'roles/logging.logWriter'],
      ['google_project_iam_member', 'roles/storage.objectAdmin'],
    ]);
    const images = grants.find(({ role }) => role === 'roles/artifactregistry.writer')!;
    expect(expression(images.body['repository'])).toBe('google_artifact_registry_repository.functions.name');
    const build = block(functionResource(), 'build_config');
    expect(expression(build['docker_repository'])).toBe('google_artifact_registry_repository.functions.id');
    expect(expression(build['service_account'])).toBe(`${ACCOUNT('build')}.id`);

    const sources = grants.find(({ role }) => role === 'roles/storage.objectAdmin')!;
    const condition = expression(block(sources.body, 'condition')['expression']);
    expect(condition).toMatch(/for bucket in local\.build_source_buckets/);
    expect(condition).toContain('format("resource.name == %q", "projects/_/buckets/${bucket}")');
    expect(condition).toContain('format("resource.name.startsWith(%q)", "projects/_/buckets/${bucket}/objects/")');
    // Ours, and the one Cloud Functions copies each source into (gcf-v2-sources-<project number>-<region>).
    expect(local(tf, 'build_source_buckets')).toEqual(['${local.source_bucket_name}', 'gcf-v2-sources-${data.google_project.this.number}-${var.region}']);
  });

  it("grants no role on the whole project without a condition, but writing logs and reading Dialogflow's conversations", () => {
    const unconditioned = resourcesOfType(tf, 'google_project_iam_member')
      .filter(([, body]) => !Array.isArray(body['condition']))
      .map(([, body]) => body['role']);
    expect(unconditioned.sort()).toEqual(['roles/dialogflow.reader', 'roles/logging.logWriter']);
  });
});

describe('terraform/: erasure', () => {
  it('lets history_erasers call the history API and the erasure function, whose ERASURE_ALLOWED_EMAILS are their emails, with the audiences of both', () => {
    const erasure = mapValue(tf, local(tf, 'erasure_only_environment_variables'));
    expect(expression(erasure['ERASURE_ALLOWED_EMAILS'])).toBe('join(",", local.history_eraser_emails)');
    expect(expression(erasure['AUTH_AUDIENCES'])).toBe('join(",", distinct(concat([local.function_urls["erase-conversations"]], local.history_audiences)))');
    const history = mapValue(tf, local(tf, 'history_only_environment_variables'));
    expect(history['ERASURE_ALLOWED_EMAILS']).toBeUndefined();
    expect(expression(history['ERASURE_URL'])).toBe('local.function_urls["erase-conversations"]');
    expect(expression(local(tf, 'history_eraser_emails'))).toBe('[for member in var.history_erasers : split(":", member)[1]]');
    expect(expression(local(tf, 'history_allowed_emails'))).toMatch(/^distinct\(concat\([\s\S]*, local\.history_eraser_emails\)\)$/);
    expect(variableDefault(tf, 'history_erasers')).toEqual([]);
    const validation = expression((tf.variables.get('history_erasers')!['validation'] as Body[])[0]!['condition']);
    expect(validation).toContain('^(user|serviceAccount):');
  });
});

describe("terraform/: Google's service agents", () => {
  it.each([
    ['pubsub', 'pubsub.googleapis.com'],
    ['dialogflow', 'dialogflow.googleapis.com'],
  ])('creates the %s service agent with google-beta, after its API is on', (name, service) => {
    const identity = resource(tf, `google_project_service_identity.${name}`);
    expect(expression(identity['provider'])).toBe('google-beta');
    expect(identity['service']).toBe(service);
    expect((identity['depends_on'] as string[]).map(expression)).toContain('time_sleep.apis_enabled');
  });

  it('grants the service agents through the identities, never by a spelled-out email, and only after a wait for them to exist', () => {
    const spelled = strings({ resources: Object.fromEntries(tf.resources), locals: Object.fromEntries(tf.locals) }).filter(({ text }) => /gcp-sa-/.test(text));
    expect(spelled).toEqual([]);
    // IAM can refuse a member created a moment ago (provider issue 21931): every grant reads the agent from the wait.
    const wait = resource(tf, 'time_sleep.service_agents_exist');
    expect(expression(wait['create_duration'])).toBe('${var.service_agent_propagation_wait_seconds}s');
    expect(expression(mapValue(tf, wait['triggers'])['pubsub'])).toBe('google_project_service_identity.pubsub.member');
    expect(expression(mapValue(tf, wait['triggers'])['dialogflow'])).toBe('google_project_service_identity.dialogflow.member');
    expect(expression(local(tf, 'pubsub_service_agent'))).toBe('time_sleep.service_agents_exist.triggers["pubsub"]');
    expect(expression(local(tf, 'dialogflow_service_agent'))).toBe('time_sleep.service_agents_exist.triggers["dialogflow"]');
    expect(iamMembers().filter(({ body }) => /google_project_service_identity/.test(expression(body['member'])))).toEqual([]);
    const agentGrants = iamMembers().filter(({ body }) => /^local\.(pubsub|dialogflow)_service_agent$/.test(expression(body['member'])));
    expect(agentGrants.map(({ address }) => address).sort()).toEqual([
      'google_pubsub_subscription_iam_member.pubsub_acks_dead_lettered',
      'google_pubsub_topic_iam_member.dialogflow_publishes_events',
      'google_pubsub_topic_iam_member.pubsub_publishes_dead_letters',
      'google_service_account_iam_member.pubsub_mints_push_tokens',
    ]);
  });

  it('lets the principals of event_publishers, such as a chat application, publish to both event topics and nothing else', () => {
    const grant = resource(tf, 'google_pubsub_topic_iam_member.callers_publish_events');
    expect(expression(grant['for_each'])).toMatch(/setproduct\(keys\(local\.event_topics\), var\.event_publishers\)/);
    expect(grant['role']).toBe('roles/pubsub.publisher');
    expect(expression(grant['topic'])).toBe('google_pubsub_topic.events[each.value.topic].name');
    expect(expression(grant['member'])).toBe('each.value.member');
    expect(variableDefault(tf, 'event_publishers')).toEqual([]);
    const validations = (tf.variables.get('event_publishers')!['validation'] as Body[]).map((v) => expression(v['condition']).toLowerCase());
    expect(validations.some((c) => c.includes('"allusers"'))).toBe(true);
  });
});

describe('terraform/: waiting for grants to take effect', () => {
  const dependsOn = (address: string) => ((resource(tf, address)['depends_on'] ?? []) as string[]).map(expression);

  it('waits iam_propagation_wait_seconds, two minutes by default, as Google documents', () => {
    for (const wait of ['time_sleep.function_grants_propagate', 'time_sleep.event_grants_propagate']) {
      expect(resource(tf, wait)['create_duration']).toBe('${var.iam_propagation_wait_seconds}s');
    }
    expect(variableDefault(tf, 'iam_propagation_wait_seconds')).toBe(120);
  });

  it("builds and starts the functions only after every grant of the build and runtime accounts has had that time", () => {
    const needed = [...grantsOf('build'), ...grantsOf('ingest'), ...grantsOf('history'), ...grantsOf('erase'), ...grantsOf('reconcile')].map(({ address }) => address);
    expect(dependsOn('time_sleep.function_grants_propagate').sort()).toEqual([...new Set(needed)].sort());
    expect(dependsOn('google_cloudfunctions2_function.this')).toContain('time_sleep.function_grants_propagate');
  });

  it('creates the push subscriptions, the conversation profile and the reconcile schedule only after the grants that deliver, publish and invoke have had that time', () => {
    const waitedFor = dependsOn('time_sleep.event_grants_propagate');
    const needed = [
      ...grantsOf('push').map(({ address }) => address),
      ...grantsOf('scheduler').map(({ address }) => address),
      'google_service_account_iam_member.pubsub_mints_push_tokens',
      'google_pubsub_topic_iam_member.pubsub_publishes_dead_letters',
      'google_pubsub_topic_iam_member.dialogflow_publishes_events',
      'google_pubsub_topic_iam_member.callers_publish_events',
    ];
    expect(waitedFor.sort()).toEqual(needed.sort());
    expect(dependsOn('google_pubsub_subscription.push')).toContain('time_sleep.event_grants_propagate');
    // Pub/Sub keeps nothing published to a topic without subscriptions: the profile comes after them too.
    expect(dependsOn('google_dialogflow_conversation_profile.this')).toEqual(
      expect.arrayContaining(['time_sleep.event_grants_propagate', 'google_pubsub_subscription.push']),
    );
    expect(dependsOn('google_cloud_scheduler_job.reconcile')).toContain('time_sleep.event_grants_propagate');
  });
});
