import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { TERRAFORM_PUBSUB_DEFAULTS } from '../../shared/pubsub/pubsubTopology';
import { expression, loadTerraform, mapValue, local, resource, variableDefault } from './terraformConfig';

// `npm run start:google` creates on the Pub/Sub emulator what terraform/pubsub.tf creates, with its default
// names and settings: these hold the two together.

const ROOT = resolvePath(fileURLToPath(new URL('../..', import.meta.url)));
const tf = await loadTerraform(join(ROOT, 'terraform'));
const defaults = TERRAFORM_PUBSUB_DEFAULTS;

it("names the topics and subscriptions as Terraform's defaults do, with the default empty name_prefix", () => {
  expect(variableDefault(tf, 'name_prefix')).toBe('');
  expect(expression(local(tf, 'prefix'))).toBe('var.name_prefix == "" ? "" : "${var.name_prefix}-"');
  expect(defaults.topics.ingestLifecycleEvents).toBe(variableDefault(tf, 'lifecycle_topic_name'));
  expect(defaults.topics.ingestMessageEvents).toBe(variableDefault(tf, 'message_topic_name'));
  expect(defaults.topics.ingestRecognitionResults).toBe(variableDefault(tf, 'recognition_result_topic_name'));
  expect(defaults.deadLetterTopic).toBe(variableDefault(tf, 'dead_letter_topic_name'));
  expect(resource(tf, 'google_pubsub_subscription.push')['name']).toBe(`\${each.value.name}${defaults.pushSuffix}`);
  expect(resource(tf, 'google_pubsub_topic.dead_letter')['name']).toBe('${local.prefix}${var.dead_letter_topic_name}');
  expect(resource(tf, 'google_pubsub_subscription.dead_letter')['name']).toBe(`\${google_pubsub_topic.dead_letter.name}${defaults.pullSuffix}`);
});

it('pushes each topic to the function Terraform pushes it to', () => {
  const topics = mapValue(tf, local(tf, 'event_topics'));
  const consumerOf = (variable: string) => Object.values(topics).find((topic) => (topic as Record<string, unknown>)['name'] === `\${local.prefix}\${var.${variable}}`) as Record<string, unknown>;
  expect(consumerOf('lifecycle_topic_name')['consumer']).toBe('ingest-lifecycle-events');
  expect(consumerOf('message_topic_name')['consumer']).toBe('ingest-message-events');
  expect(consumerOf('recognition_result_topic_name')['consumer']).toBe('ingest-recognition-results');
  expect(Object.keys(topics)).toHaveLength(Object.keys(defaults.topics).length);
  // ingest-lifecycle-events registers ingestLifecycleEvents, ingest-message-events ingestMessageEvents (terraform.test.ts).
});

it("delivers with Terraform's default attempts, ack deadline and retry policy", () => {
  expect(defaults.maxDeliveryAttempts).toBe(variableDefault(tf, 'max_delivery_attempts'));
  expect(defaults.retryPolicy).toEqual({
    minimumBackoff: `${variableDefault(tf, 'push_retry_minimum_backoff_seconds')}s`,
    maximumBackoff: `${variableDefault(tf, 'push_retry_maximum_backoff_seconds')}s`,
  });
  for (const limits of ['ingest_function_limits', 'recognition_result_function_limits']) {
    const limitsType = JSON.stringify(tf.variables.get(limits)!['type']);
    const timeout = Number(/timeout_seconds\s*=\s*optional\(number,\s*(\d+)\)/.exec(limitsType)?.[1]);
    expect(defaults.ackDeadlineSeconds).toBe(timeout + (variableDefault(tf, 'push_ack_deadline_margin_seconds') as number));
  }
});
