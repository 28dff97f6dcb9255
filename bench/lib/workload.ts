import { toPushBody } from '../../shared/pubsub/pushDelivery';

/**
 * Push bodies like Dialogflow's: NEW_MESSAGE events spread over
 * `conversations` conversations, each message distinct (so each is stored,
 * not a duplicate), with realistic text and annotations.
 */
export function messageBodies(count: number, conversations: number, project = 'bench-project', prefix = 'Bench'): string[] {
  return Array.from({ length: count }, (_, index) => {
    const conversation = `projects/${project}/locations/global/conversations/${prefix}${index % conversations}`;
    const id = `M${index}`;
    return JSON.stringify(
      toPushBody(
        {
          publishTime: new Date(Date.UTC(2026, 10, 2, 14) + index).toISOString(),
          messageId: `${prefix}-${index}`,
          event: {
            conversation,
            type: 'NEW_MESSAGE',
            newMessagePayload: {
              name: `${conversation}/messages/${id}`,
              content: 'I would like to change my booking to the Saturday flight, if there is still a window seat.',
              languageCode: 'en-US',
              participant: `${conversation}/participants/EndUser`,
              participantRole: 'END_USER',
              createTime: new Date(Date.UTC(2026, 10, 2, 14) + index).toISOString(),
              sentimentAnalysis: { queryTextSentiment: { score: 0.2, magnitude: 0.4 } },
            },
          },
        },
        'ingestMessageEvents',
      ),
    );
  });
}

/** Lifecycle deliveries: STARTED for each of `count` conversations. */
export function lifecycleBodies(count: number, project = 'bench-project', prefix = 'BenchLife'): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify(
      toPushBody(
        {
          publishTime: new Date(Date.UTC(2026, 10, 2, 14) + index).toISOString(),
          messageId: `${prefix}-${index}`,
          event: { conversation: `projects/${project}/locations/global/conversations/${prefix}${index}`, type: 'CONVERSATION_STARTED' },
        },
        'ingestLifecycleEvents',
      ),
    ),
  );
}
