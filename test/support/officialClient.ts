import { createRequire } from 'node:module';
import dialogflow from '@google-cloud/dialogflow';
import { baseUrl } from './stack';

// google-auth-library as the client itself resolves it, so that its auth client type matches.
const { OAuth2Client } = createRequire(require.resolve('@google-cloud/dialogflow'))('google-auth-library') as typeof import('google-auth-library');

function restOptions(url: string) {
  const { hostname, port } = new URL(url);
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'fixed-test-token', expiry_date: Date.now() + 3_600_000 });
  return { fallback: true, protocol: 'http', apiEndpoint: hostname, port: Number(port), authClient } as const;
}

/** Google's own Conversations client in REST mode, pointed at the running stack's history API. */
export function officialConversationsClient(url = baseUrl()) {
  return new dialogflow.v2.ConversationsClient(restOptions(url));
}

/** Google's own Participants client (v2 or v2beta1) in REST mode, pointed at the running stack's history API. */
export function officialParticipantsClient(url = baseUrl(), version: 'v2' | 'v2beta1' = 'v2') {
  return version === 'v2' ? new dialogflow.v2.ParticipantsClient(restOptions(url)) : new dialogflow.v2beta1.ParticipantsClient(restOptions(url));
}
