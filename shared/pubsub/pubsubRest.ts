/**
 * The few Pub/Sub REST calls the local tools make (v1, as documented), over
 * fetch: against the emulator (`PUBSUB_EMULATOR_HOST`) nothing more is needed.
 */

export interface PubSubSubscription {
  topic: string;
  pushConfig?: { pushEndpoint: string };
  ackDeadlineSeconds?: number;
  messageRetentionDuration?: string;
  retainAckedMessages?: boolean;
  retryPolicy?: { minimumBackoff: string; maximumBackoff: string };
  deadLetterPolicy?: { deadLetterTopic: string; maxDeliveryAttempts: number };
  /** `{}` (no ttl) never expires. */
  expirationPolicy?: { ttl?: string };
}

export interface OutgoingMessage {
  data: string;
  attributes?: Record<string, string>;
}

export interface ReceivedMessage {
  ackId: string;
  message: { data?: string; attributes?: Record<string, string>; messageId: string; publishTime: string };
  deliveryAttempt?: number;
}

export class PubSubRestError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly status: string | undefined,
  ) {
    super(message);
  }
}

export interface PubSubRest {
  createTopic(topic: string): Promise<'created' | 'exists'>;
  /** Creates the subscription; an existing one keeps its settings but gets this push endpoint (a new local port). */
  createSubscription(subscription: string, settings: PubSubSubscription): Promise<'created' | 'exists'>;
  publish(topic: string, messages: OutgoingMessage[]): Promise<string[]>;
  pull(subscription: string, maxMessages: number): Promise<ReceivedMessage[]>;
  acknowledge(subscription: string, ackIds: string[]): Promise<void>;
}

/** A client of the emulator at `host` (host:port). */
export function createEmulatorPubSub(host: string): PubSubRest {
  return createPubSubRest(`http://${host}/v1/`);
}

export function createPubSubRest(baseUrl: string, headers: () => Promise<Record<string, string>> = async () => ({})): PubSubRest {
  async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { 'content-type': 'application/json', ...(await headers()) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const json = (text ? JSON.parse(text) : {}) as { error?: { message?: string; status?: string } } & Record<string, unknown>;
    if (!response.ok) {
      throw new PubSubRestError(`Pub/Sub ${method} ${path} answered ${response.status}: ${json.error?.message ?? text.slice(0, 200)}`, response.status, json.error?.status);
    }
    return json;
  }

  const unlessExists = async (create: () => Promise<unknown>, whenExists: () => Promise<unknown> = async () => undefined) => {
    try {
      await create();
      return 'created' as const;
    } catch (error) {
      if (!(error instanceof PubSubRestError) || error.httpStatus !== 409) throw error;
      await whenExists();
      return 'exists' as const;
    }
  };

  return {
    createTopic: (topic) => unlessExists(() => call('PUT', topic)),
    createSubscription: (subscription, settings) =>
      unlessExists(
        () => call('PUT', subscription, settings),
        () => (settings.pushConfig ? call('POST', `${subscription}:modifyPushConfig`, { pushConfig: settings.pushConfig }) : Promise.resolve()),
      ),
    async publish(topic, messages) {
      const answer = await call('POST', `${topic}:publish`, { messages });
      return answer['messageIds'] as string[];
    },
    async pull(subscription, maxMessages) {
      const answer = await call('POST', `${subscription}:pull`, { maxMessages, returnImmediately: true });
      return (answer['receivedMessages'] as ReceivedMessage[] | undefined) ?? [];
    },
    async acknowledge(subscription, ackIds) {
      if (ackIds.length > 0) await call('POST', `${subscription}:acknowledge`, { ackIds });
    },
  };
}

/** Pub/Sub as the local tools reach it: the emulator at PUBSUB_EMULATOR_HOST, otherwise Google's API with application default credentials. */
export async function connectPubSub(env: NodeJS.ProcessEnv = process.env): Promise<PubSubRest> {
  const emulator = env['PUBSUB_EMULATOR_HOST'];
  if (emulator) return createEmulatorPubSub(emulator);
  const { GoogleAuth } = await import('google-auth-library');
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/pubsub'] });
  return createPubSubRest('https://pubsub.googleapis.com/v1/', async () => ({ authorization: `Bearer ${await auth.getAccessToken()}` }));
}
