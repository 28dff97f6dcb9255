import { describe, expect, it } from 'vitest';
import { EXPIRE_AT_FIELD } from '../../shared/firestore/conversationStore';
import { FIELD_INDEXING, UNINDEXED_FIELDS } from '../../shared/firestore/indexes';
import { ingestRejected, reconcileRan } from '../../shared/platform/logEvents';
import { createLogger } from '../../shared/platform/logger';
import { functionResource, tf } from './deployment';
import { block, dynamicBlock, expression, hasBlock, local, mapValue, resource, resourcesOfType, variableDefault, type Body } from './terraformConfig';

// Intent tests of running the deployment: alerts and the metric they read, backups, single-field indexing, the
// recognition results, and names that let several environments share a project.

const alertPolicy = (name: string) => resource(tf, `google_monitoring_alert_policy.${name}`);
const condition = (name: string) => block(block(alertPolicy(name), 'conditions'), 'condition_threshold');
const text = (value: unknown) => expression(value);

describe('terraform/: alerts', () => {
  it('sends every alert to an email channel per alert_emails and to the existing alert_notification_channels', () => {
    const email = resource(tf, 'google_monitoring_notification_channel.email');
    expect(expression(email['for_each'])).toBe('toset(var.alert_emails)');
    expect(email['type']).toBe('email');
    expect(email['labels']).toEqual({ email_address: '${each.value}' });
    expect(expression(local(tf, 'notification_channels'))).toBe(
      'concat([for channel in google_monitoring_notification_channel.email : channel.id], var.alert_notification_channels)',
    );
    const policies = resourcesOfType(tf, 'google_monitoring_alert_policy');
    expect(policies.map(([address]) => address.split('.')[1]).sort()).toEqual(['dead_letters', 'push_backlog', 'quarantined_deliveries', 'reconcile_backlog', 'server_errors']);
    for (const [address, policy] of policies) {
      expect(expression(policy['notification_channels']), address).toBe('local.notification_channels');
      expect(hasBlock(policy, 'documentation'), `${address} tells the one paged what to do`).toBe(true);
    }
  });

  it('opens when the dead-letter subscription holds any undelivered message', () => {
    const threshold = condition('dead_letters');
    expect(text(threshold['filter'])).toBe(
      'format("resource.type = %q AND resource.label.subscription_id = %q AND metric.type = %q", "pubsub_subscription", google_pubsub_subscription.dead_letter.name, "pubsub.googleapis.com/subscription/num_undelivered_messages")',
    );
    expect(threshold).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 0 });
  });

  it("opens when a push subscription's oldest unacknowledged event is older than the threshold", () => {
    const threshold = condition('push_backlog');
    expect(text(threshold['filter'])).toContain('local.push_subscriptions_filter, "pubsub.googleapis.com/subscription/oldest_unacked_message_age"');
    expect(expression(local(tf, 'push_subscription_names'))).toBe('[for key, _ in local.event_topics : google_pubsub_subscription.push[key].name]');
    expect(threshold['comparison']).toBe('COMPARISON_GT');
    expect(expression(threshold['threshold_value'])).toBe('var.alert_oldest_unacked_message_age_seconds');
    // Longer than a full retry backoff, so retries alone don't page.
    expect(variableDefault(tf, 'alert_oldest_unacked_message_age_seconds')).toBeGreaterThan(variableDefault(tf, 'push_retry_maximum_backoff_seconds') as number);
  });

  it("opens when a function's share of 5xx answers exceeds alert_server_error_ratio", () => {
    const threshold = condition('server_errors');
    expect(text(threshold['filter'])).toBe('format("%s AND metric.label.response_code_class = %q", local.request_count_filter, "5xx")');
    expect(text(threshold['denominator_filter'])).toBe('local.request_count_filter');
    expect(text(local(tf, 'request_count_filter'))).toContain('"cloud_run_revision", local.services_filter, "run.googleapis.com/request_count"');
    expect(expression(local(tf, 'all_service_names'))).toBe('values(local.function_names)');
    expect(expression(threshold['threshold_value'])).toBe('var.alert_server_error_ratio');
    expect(variableDefault(tf, 'alert_server_error_ratio')).toBe(0.05);
  });

  it('counts quarantined deliveries from the log event the ingest functions write, and alerts on any', () => {
    let event: unknown;
    const log = createLogger({ level: 'DEBUG', projectId: undefined, write: (line) => (event = JSON.parse(line)) });
    ingestRejected(log, {}, { code: 'data_not_json', reason: 'r' }, 'q1');
    const { event: name, rejectionCode } = event as { event: string; rejectionCode: string };
    expect(rejectionCode).toBe('data_not_json');

    const metric = resource(tf, 'google_logging_metric.quarantined_deliveries');
    expect(text(metric['filter'])).toBe(
      `format("resource.type = %q AND resource.labels.service_name = %s AND jsonPayload.event = %q", "cloud_run_revision", local.ingest_services_log_filter, "${name}")`,
    );
    expect(metric['label_extractors']).toMatchObject({ rejection_code: 'EXTRACT(jsonPayload.rejectionCode)' });
    // Monitoring knows a new log-based metric only minutes later (provider issue 11102): the alert reads the
    // metric's type from the wait that follows it.
    const wait = resource(tf, 'time_sleep.log_metrics_known_to_monitoring');
    expect(expression(wait['create_duration'])).toBe('${var.metric_propagation_wait_seconds}s');
    expect(expression(mapValue(tf, wait['triggers'])['quarantined_deliveries'])).toBe('logging.googleapis.com/user/${google_logging_metric.quarantined_deliveries.name}');
    expect(text(condition('quarantined_deliveries')['filter'])).toContain('time_sleep.log_metrics_known_to_monitoring.triggers["quarantined_deliveries"]');
    expect(condition('quarantined_deliveries')).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 0 });
  });
});

describe('terraform/: the reconcile backlog', () => {
  it("measures the age of the oldest due conversation each run leaves, from the reconcile.ran event's oldestDueAgeSeconds", () => {
    let event: Record<string, unknown> = {};
    const log = createLogger({ level: 'DEBUG', projectId: undefined, write: (line) => (event = JSON.parse(line)) });
    reconcileRan(log, { parent: 'projects/p/locations/global', stoppedBy: 'budget', taken: 1, refreshed: 1, unchanged: 0, purged: 0, failedCount: 0, failed: [], oldestDueAgeSeconds: 420, maxConcurrency: 1, dialogflowCalls: 1, firestoreReads: 3, firestoreWrites: 1 }, 5);
    expect([event['event'], event['oldestDueAgeSeconds']]).toEqual(['reconcile.ran', 420]);

    const metric = resource(tf, 'google_logging_metric.reconcile_backlog_age');
    expect(text(metric['filter'])).toBe(
      `format("resource.type = %q AND resource.labels.service_name = %q AND jsonPayload.event = %q", "cloud_run_revision", local.function_names["reconcile-conversations"], "${event['event']}")`,
    );
    expect(metric['value_extractor']).toBe('EXTRACT(jsonPayload.oldestDueAgeSeconds)');
    expect(block(metric, 'metric_descriptor')).toMatchObject({ metric_kind: 'DELTA', value_type: 'DISTRIBUTION', unit: 's' });
    expect(hasBlock(block(metric, 'bucket_options'), 'exponential_buckets')).toBe(true);
  });

  it('alerts when the backlog stays older than alert_reconcile_backlog_age_seconds, once Monitoring knows the metric', () => {
    // Provider issue 11102: the alert reads the metric's type from the wait, so it is created after it.
    const wait = resource(tf, 'time_sleep.log_metrics_known_to_monitoring');
    expect(expression(mapValue(tf, wait['triggers'])['reconcile_backlog_age'])).toBe('logging.googleapis.com/user/${google_logging_metric.reconcile_backlog_age.name}');
    const threshold = condition('reconcile_backlog');
    expect(text(threshold['filter'])).toContain('time_sleep.log_metrics_known_to_monitoring.triggers["reconcile_backlog_age"]');
    expect(threshold['comparison']).toBe('COMPARISON_GT');
    expect(expression(threshold['threshold_value'])).toBe('var.alert_reconcile_backlog_age_seconds');
    expect(block(threshold, 'aggregations')).toMatchObject({ per_series_aligner: 'ALIGN_PERCENTILE_99' });
    // An hour: far past a run's minute, far short of Dialogflow's 30 days.
    expect(variableDefault(tf, 'alert_reconcile_backlog_age_seconds')).toBe(3600);
  });
});

describe('terraform/: backups', () => {
  it('turns point-in-time recovery on by default and keeps delete protection on', () => {
    const database = resource(tf, 'google_firestore_database.this');
    expect(expression(database['point_in_time_recovery_enablement'])).toBe(
      'var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"',
    );
    expect(variableDefault(tf, 'firestore_point_in_time_recovery')).toBe(true);
    expect(variableDefault(tf, 'firestore_delete_protection')).toBe(true);
  });

  it('backs the database up daily, keeping each backup firestore_backup_retention_days', () => {
    const schedule = resource(tf, 'google_firestore_backup_schedule.daily');
    expect(hasBlock(schedule, 'daily_recurrence')).toBe(true);
    expect(schedule['retention']).toBe('${var.firestore_backup_retention_days * 86400}s');
    expect(expression(schedule['database'])).toBe('var.firestore_database_id');
    expect(expression(schedule['count'])).toBe('var.firestore_backup_retention_days > 0 ? 1 : 0');
    expect(variableDefault(tf, 'firestore_backup_retention_days')).toBe(14);
  });
});

describe('terraform/: single-field indexing', () => {
  it('exempts exactly the fields UNINDEXED_FIELDS of shared/firestore/indexes.ts names', () => {
    const declared = mapValue(tf, local(tf, 'firestore_unindexed_fields'));
    const pairs = Object.entries(declared).flatMap(([collection, fields]) => (fields as string[]).map((field) => ({ collection, field })));
    const key = (pair: { collection: string; field: string }) => `${pair.collection}.${pair.field}`;
    expect(pairs.map(key).sort()).toEqual(UNINDEXED_FIELDS.map(key).sort());
  });

  it('removes every single-field index of those fields, in the database the functions use', () => {
    const field = resource(tf, 'google_firestore_field.unindexed');
    expect(expression(field['for_each'])).toContain('for collection, fields in local.firestore_unindexed_fields');
    expect(block(field, 'index_config')).toEqual({});
    expect(expression(field['database'])).toBe('var.firestore_database_id');
    expect(expression(field['collection'])).toBe('each.value.collection');
    expect(expression(field['field'])).toBe('each.value.field');
  });

  it('leaves expireAt to its TTL policy, which exempts it already, and stays within 200 exemptions per database', () => {
    expect(UNINDEXED_FIELDS.map(({ field }) => field)).not.toContain(EXPIRE_AT_FIELD);
    expect(block(resource(tf, 'google_firestore_field.ttl'), 'index_config')).toEqual({});
    expect(UNINDEXED_FIELDS.length + Object.keys(FIELD_INDEXING).length).toBeLessThanOrEqual(200);
  });
});

describe('terraform/: the conversation profile', () => {
  const profile = () => resource(tf, 'google_dialogflow_conversation_profile.this');

  it('publishes NEW_RECOGNITION_RESULT as JSON to a topic of its own, pushed to ingest-recognition-results, when publish_recognition_results asks for it', () => {
    const recognition = dynamicBlock(profile(), 'new_recognition_result_notification_config');
    expect(expression(recognition.forEach)).toBe('var.publish_recognition_results ? [google_pubsub_topic.events["recognition_results"].id] : []');
    // Its own push subscription (for_each local.event_topics), function and scaling: streaming results cannot take
    // the instances of the message or lifecycle functions.
    expect(mapValue(tf, mapValue(tf, local(tf, 'event_topics'))['recognition_results'])['consumer']).toBe('ingest-recognition-results');
    const limits = (dir: string) => expression(mapValue(tf, mapValue(tf, local(tf, 'functions'))[dir])['limits']);
    expect(limits('ingest-recognition-results')).toBe('var.recognition_result_function_limits');
    expect(limits('ingest-message-events')).toBe('var.ingest_function_limits');
    expect(recognition.content['message_format']).toBe('JSON');
    expect(expression(recognition.content['topic'])).toBe('new_recognition_result_notification_config.value');
    expect(variableDefault(tf, 'publish_recognition_results')).toBe(false);
  });

  it("gives the functions DIALOGFLOW_LOCATION from the variable the profile is created in, never read back from the profile", () => {
    // The profile depends on the push subscriptions, which depend on the functions: a function environment that
    // read the profile's location back made a cycle (terraformCli.test.ts shows Terraform refusing one).
    const shared = mapValue(tf, local(tf, 'shared_environment_variables'));
    expect(expression(shared['DIALOGFLOW_LOCATION'])).toBe('var.dialogflow_location');
    expect(expression(resource(tf, 'google_dialogflow_conversation_profile.this')['location'])).toBe('var.dialogflow_location');
  });
});

describe('terraform/: the reconcile schedule', () => {
  const job = () => resource(tf, 'google_cloud_scheduler_job.reconcile');

  it('POSTs to reconcileConversations on reconcile.schedule with an OIDC token of the scheduler account for its URL', () => {
    const target = block(job(), 'http_target');
    const reconcileUrl = 'google_cloudfunctions2_function.this["reconcile-conversations"].service_config[0].uri';
    expect(target['http_method']).toBe('POST');
    expect(expression(target['uri'])).toBe(reconcileUrl);
    const oidc = block(target, 'oidc_token');
    expect(expression(oidc['service_account_email'])).toBe('google_service_account.this["scheduler"].email');
    // The URL the function checks its tokens against (its AUTH_AUDIENCES), computed: a function cannot read its own.
    expect(expression(oidc['audience'])).toBe('local.function_urls["reconcile-conversations"]');
    expect(expression(mapValue(tf, local(tf, 'reconcile_only_environment_variables'))['AUTH_AUDIENCES'])).toBe('local.function_urls["reconcile-conversations"]');
    expect(expression(local(tf, 'function_urls'))).toBe('{ for dir, name in local.function_names : dir => "https://${name}-${data.google_project.this.number}.${var.region}.run.app" }');
    expect(expression(job()['schedule'])).toBe('var.reconcile.schedule');
    expect(job()['time_zone']).toBe('Etc/UTC');
  });

  it("accepts only the scheduler account's token, and reconciles the profile's own parent concurrently, within a budget and the QPS", () => {
    const env = mapValue(tf, local(tf, 'reconcile_only_environment_variables'));
    expect(expression(env['AUTH_ALLOWED_EMAILS'])).toBe('google_service_account.this["scheduler"].email');
    expect(env['RECONCILE_PARENTS']).toBe('projects/${var.project_id}/locations/${var.dialogflow_location}');
    expect(expression(env['RECONCILE_CONCURRENCY'])).toBe('tostring(var.reconcile.concurrency)');
    expect(expression(env['RECONCILE_BUDGET_SECONDS'])).toBe('tostring(var.reconcile.budget_seconds)');
    expect(expression(env['DIALOGFLOW_QPS'])).toBe('tostring(var.reconcile.qps)');
    const validations = (tf.variables.get('reconcile')!['validation'] as Body[]).map((v) => expression(v['condition']));
    // The calls under way when the budget ends, and their writes, finish before the timeout.
    expect(validations.some((c) => c.includes('var.reconcile.budget_seconds + 30 <= var.reconcile.timeout_seconds'))).toBe(true);
  });

  it('runs every minute by default, one run at a time, with a budget that ends before the next run and QPS enough for 1,000,000 conversations a day', () => {
    const defaults = String(expression(tf.variables.get('reconcile')!['type']));
    expect(defaults).toContain('schedule        = optional(string, "* * * * *")');
    const optional = (name: string) => Number(new RegExp(`${name}\\s*=\\s*optional\\(number, (\\d+)\\)`).exec(defaults)?.[1]);
    // A run ends within about 20 s of its budget (the function's retries): by the next minute's run.
    expect(optional('budget_seconds') + 20).toBeLessThanOrEqual(60);
    expect(optional('budget_seconds') + 30).toBeLessThanOrEqual(optional('timeout_seconds'));
    // 1,000,000 a day is 11.6 a second, at up to two reads each (the first, then the end or the auto-completion).
    expect(optional('qps')).toBeGreaterThanOrEqual(2 * Math.ceil(1_000_000 / 86_400));
    const limits = mapValue(tf, local(tf, 'reconcile_function_limits'));
    expect([limits['max_instance_count'], limits['max_instance_request_concurrency']]).toEqual([1, 1]);
  });
});

describe('terraform/: several environments in one project', () => {
  /** Every resource type whose instances carry a name chosen by this deployment, and the attribute holding it. */
  const NAMED: Record<string, string> = {
    google_service_account: 'account_id',
    google_pubsub_topic: 'name',
    google_pubsub_subscription: 'name',
    google_cloudfunctions2_function: 'name',
    google_secret_manager_secret: 'secret_id',
    google_storage_bucket: 'name',
    google_artifact_registry_repository: 'repository_id',
    google_dialogflow_conversation_profile: 'display_name',
    google_logging_metric: 'name',
    google_monitoring_alert_policy: 'display_name',
    google_monitoring_notification_channel: 'display_name',
    google_cloud_scheduler_job: 'name',
  };
  // Names that carry the prefix through what they are made of.
  const PREFIXED = /local\.prefix|var\.name_prefix|local\.alert_title_prefix|local\.function_names|local\.source_bucket_name|each\.value\.name|google_pubsub_topic\.dead_letter\.name/;

  it.each(Object.entries(NAMED))('puts the name_prefix into the %s names', (type, attribute) => {
    const instances = resourcesOfType(tf, type);
    expect(instances.length, type).toBeGreaterThan(0);
    for (const [address, body] of instances) expect(String(body[attribute]), `${address}.${attribute}`).toMatch(PREFIXED);
  });

  it('derives the prefixed names from local.prefix, and the event topics from it', () => {
    expect(expression(local(tf, 'prefix'))).toBe('var.name_prefix == "" ? "" : "${var.name_prefix}-"');
    expect(local(tf, 'source_bucket_name')).toBe('${coalesce(var.source_bucket_name, "${var.project_id}-${local.prefix}history-sources")}');
    for (const topic of Object.values(mapValue(tf, local(tf, 'event_topics')))) expect(String((topic as Body)['name'])).toMatch(/^\$\{local\.prefix\}\$\{var\.\w+_topic_name\}$/);
    expect(expression(functionResource()['name'])).toBe('local.function_names[each.key]');
  });

  it('keeps each environment in a Firestore database of its own', () => {
    // The grants are conditioned on the database (accounts.test.ts); every Firestore resource names it.
    for (const type of ['google_firestore_index', 'google_firestore_field', 'google_firestore_backup_schedule']) {
      for (const [address, body] of resourcesOfType(tf, type)) expect(expression(body['database']), address).toBe('var.firestore_database_id');
    }
  });

  it('names every resource type that takes a chosen name in the list above', () => {
    const named = new Set(
      [...tf.resources].filter(([, body]) => ['name', 'account_id', 'secret_id', 'repository_id', 'display_name'].some((key) => key in body)).map(([address]) => address.split('.')[0]!),
    );
    // Their names are those of the resources they belong to, or Terraform's own.
    const notChosen = [
      'google_firestore_database', // firestore_database_id, one per environment (above)
      'google_cloud_run_v2_service_iam_member', // the function's service
      'google_secret_manager_secret_iam_member', // the secret's id
      'google_storage_bucket_object', // inside the environment's own bucket
      'random_password',
    ];
    expect([...named].filter((type) => !notChosen.includes(type)).sort()).toEqual(Object.keys(NAMED).sort());
  });
});
