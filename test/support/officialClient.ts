import { createRequire } from 'node:module';
import dialogflow from '@google-cloud/dialogflow';
import { baseUrl } from './stack';

// google-auth-library as the client itself resolves it, so that its auth client type matches.
const { OAuth2Client } = createRequire(require.resolve('@google-cloud/dialogflow'))('google-auth-library') as typeof import('google-auth-library');

/** Google's own Conversations client in REST mode, pointed at the running stack's history API. */
export function officialConversationsClient(url = baseUrl()) {
  const { hostname, port } = new URL(url);
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'fixed-test-token', expiry_date: Date.now() + 3_600_000 });
  return new dialogflow.v2.ConversationsClient({ fallback: true, protocol: 'http', apiEndpoint: hostname, port: Number(port), authClient });
}
