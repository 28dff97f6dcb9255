import { LOCAL_SUBSCRIPTIONS, type IngestTarget } from './pushDelivery';
import type { PubSubRest } from './pubsubRest';

/**
 * What terraform/pubsub.tf creates, with its default names and settings
 * (test/infra holds the two together), for a local Pub/Sub emulator.
 */
export const TERRAFORM_PUBSUB_DEFAULTS = {
  topics: {
    ingestLifecycleEvents: 'dialogflow-conversation-lifecycle-events',
    ingestMessageEvents: 'dialogflow-conversation-message-events',
    ingestRecognitionResults: 'dialogflow-conversation-recognition-results',
  } satisfies Record<IngestTarget, string>,
  deadLetterTopic: 'dialogflow-conversation-events-dead-letter',
  /** Push subscriptions are named `<topic>-push`, the dead-letter one `<dead-letter topic>-pull`. */
  pushSuffix: '-push',
  pullSuffix: '-pull',
  maxDeliveryAttempts: 10,
  /** The ingest functions' default timeout (60 s) plus the default margin (30 s). */
  ackDeadlineSeconds: 90,
  retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
  /** Terraform keeps dead letters 31 days; the emulator refuses more than 7 ("message_retention_duration out of bounds"). */
  deadLetterRetention: '604800s',
} as const;

/** The ingest functions, each with a topic and a push subscription of its own (terraform: local.event_topics). */
export const INGEST_TARGETS = Object.keys(LOCAL_SUBSCRIPTIONS) as IngestTarget[];

export interface PushTopology {
  project: string;
  topics: Record<IngestTarget, string>;
  pushSubscriptions: Record<IngestTarget, string>;
  deadLetterTopic: string;
  deadLetterSubscription: string;
}

export interface PushTopologyOptions {
  project: string;
  /** Where the functions are served: each push subscription pushes to `<url>/<function>`. */
  functionsUrl: string;
  /** Topic names (Terraform's defaults unless given), for tests that need topics of their own. */
  topics?: Record<IngestTarget, string>;
  deadLetterTopic?: string;
  /** Added to the push subscriptions' names, so that several stacks can each subscribe to the same topics. */
  subscriptionSuffix?: string;
  maxDeliveryAttempts?: number;
}

/** Creates (or, when they exist, re-points) the topics and subscriptions; safe to run again. */
export async function createPushTopology(pubsub: PubSubRest, options: PushTopologyOptions): Promise<PushTopology> {
  const defaults = TERRAFORM_PUBSUB_DEFAULTS;
  const path = (kind: 'topics' | 'subscriptions', name: string) => `projects/${options.project}/${kind}/${name}`;
  const topicNames = options.topics ?? defaults.topics;
  const deadLetterName = options.deadLetterTopic ?? defaults.deadLetterTopic;
  const byTarget = (name: (target: IngestTarget) => string) => Object.fromEntries(INGEST_TARGETS.map((target) => [target, name(target)])) as Record<IngestTarget, string>;
  const topology: PushTopology = {
    project: options.project,
    topics: byTarget((target) => path('topics', topicNames[target])),
    pushSubscriptions: byTarget((target) => path('subscriptions', `${topicNames[target]}${defaults.pushSuffix}${options.subscriptionSuffix ?? ''}`)),
    deadLetterTopic: path('topics', deadLetterName),
    deadLetterSubscription: path('subscriptions', `${deadLetterName}${defaults.pullSuffix}`),
  };

  await pubsub.createTopic(topology.deadLetterTopic);
  await pubsub.createSubscription(topology.deadLetterSubscription, {
    topic: topology.deadLetterTopic,
    ackDeadlineSeconds: 600,
    messageRetentionDuration: defaults.deadLetterRetention,
    retainAckedMessages: true,
    expirationPolicy: {},
  });
  for (const target of INGEST_TARGETS) {
    await pubsub.createTopic(topology.topics[target]);
    await pubsub.createSubscription(topology.pushSubscriptions[target], {
      topic: topology.topics[target],
      pushConfig: { pushEndpoint: `${options.functionsUrl}/${target}` },
      ackDeadlineSeconds: defaults.ackDeadlineSeconds,
      retryPolicy: { ...defaults.retryPolicy },
      deadLetterPolicy: { deadLetterTopic: topology.deadLetterTopic, maxDeliveryAttempts: options.maxDeliveryAttempts ?? defaults.maxDeliveryAttempts },
      expirationPolicy: {},
    });
  }
  return topology;
}
