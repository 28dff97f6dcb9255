/**
 * `npm run smoke -- --history-url <URL> [--topic <lifecycle topic>] [--token <ID token>]`
 *
 * The post-deploy check: publishes a test conversation's CONVERSATION_STARTED and CONVERSATION_FINISHED to the
 * lifecycle topic, as Dialogflow would, and reads the conversation back through the history API until it is
 * served COMPLETED. That one round trip proves the profile's topic, the push subscription, the ingest
 * function's OIDC check, Firestore, and the history API with its access control.
 *
 * What it leaves: one finished conversation named `smoke-test-<time>-<random>`, whose events carry the
 * attribute `smoke-test: true`, so that nobody mistakes it for a customer's (it expires with RETENTION_DAYS).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectPubSub } from '../pubsub/pubsubRest';
import { TERRAFORM_PUBSUB_DEFAULTS } from '../pubsub/pubsubTopology';

const USAGE = `usage: npm run smoke -- --history-url <URL> [options]

Publishes a test conversation's start and end to the lifecycle topic and waits until the history API serves it.

  --history-url  the history API: terraform output -raw history_url (locally http://127.0.0.1:8080)
  --topic        the lifecycle topic: terraform output -raw lifecycle_topic
                 (default: Terraform's default name in GOOGLE_CLOUD_PROJECT)
  --location     the Dialogflow location of the test conversation (default: DIALOGFLOW_LOCATION, else global)
  --token        an ID token for the history API, for example
                   gcloud auth print-identity-token --impersonate-service-account=<an invoker> \\
                     --audiences=<history URL> --include-email
                 (default: one minted from application default credentials, when they are a service account)
  --timeout      seconds to wait for the history API to serve the conversation (default: 180)
  --help         this text
Pub/Sub: the emulator at PUBSUB_EMULATOR_HOST, otherwise Google's API with application default credentials.
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      'history-url': { type: 'string' },
      topic: { type: 'string' },
      location: { type: 'string' },
      token: { type: 'string' },
      timeout: { type: 'string', default: '180' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const historyUrl = values['history-url']?.replace(/\/$/, '');
const timeoutSeconds = Number(values.timeout);
if (!historyUrl || !/^https?:\/\//.test(historyUrl) || !(timeoutSeconds > 0)) {
  process.stderr.write(`${!historyUrl ? 'Give --history-url.' : 'Give --history-url as an http(s) URL and --timeout as a number of seconds.'}\n\n${USAGE}`);
  process.exit(2);
}
const defaultProject = process.env['GOOGLE_CLOUD_PROJECT'];
const topic = values.topic ?? (defaultProject ? `projects/${defaultProject}/topics/${TERRAFORM_PUBSUB_DEFAULTS.topics.ingestLifecycleEvents}` : undefined);
const project = /^projects\/([^/]+)\/topics\/[^/]+$/.exec(topic ?? '')?.[1];
if (!topic || !project) {
  process.stderr.write(`Give --topic as projects/<project>/topics/<name> (terraform output -raw lifecycle_topic), or set GOOGLE_CLOUD_PROJECT.\n`);
  process.exit(2);
}
const location = values.location ?? process.env['DIALOGFLOW_LOCATION'] ?? 'global';
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const conversation = `projects/${project}/locations/${location}/conversations/smoke-test-${stamp}-${randomBytes(3).toString('hex')}`;

try {
  const authorization = await historyAuthorization(historyUrl);
  const pubsub = await connectPubSub();
  const started = Date.now();
  for (const type of ['CONVERSATION_STARTED', 'CONVERSATION_FINISHED']) {
    const data = Buffer.from(JSON.stringify({ conversation, type })).toString('base64');
    await pubsub.publish(topic, [{ data, attributes: { 'smoke-test': 'true' } }]);
  }
  process.stdout.write(`Published the start and end of ${conversation} to ${topic}\n`);

  let last = '';
  while (Date.now() - started < timeoutSeconds * 1000) {
    const response = await fetch(`${historyUrl}/v2/${conversation}`, { headers: authorization, signal: AbortSignal.timeout(30_000) });
    const body = (await response.json().catch(() => ({}))) as { lifecycleState?: string; error?: { message?: string } };
    if (response.status === 401 || response.status === 403) {
      throw new Error(`the history API refused the token (${response.status}: ${body.error?.message ?? ''}); see --token in --help`);
    }
    if (response.ok && body.lifecycleState === 'COMPLETED') {
      process.stdout.write(`OK: the history API serves it COMPLETED, ${((Date.now() - started) / 1000).toFixed(1)} s after publishing\n`);
      process.exit(0);
    }
    const now = response.ok ? `served ${body.lifecycleState ?? 'without a state'}` : `${response.status}`;
    if (now !== last) process.stdout.write(`Waiting: ${now} after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(
    `not served COMPLETED within ${timeoutSeconds} s (last answer: ${last}). Look at the push subscription of ${topic} and the ingest function's log (ingest.failed, http.refused)`,
  );
} catch (error) {
  process.stderr.write(`Smoke test failed: ${(error as Error).message}\n`);
  process.exit(1);
}

/** No token for a local stack; the given one; or one minted for the URL from application default credentials. */
async function historyAuthorization(url: string): Promise<Record<string, string>> {
  if (values.token) return { authorization: `Bearer ${values.token}` };
  if (/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(url)) return {};
  const { GoogleAuth } = await import('google-auth-library');
  try {
    const client = await new GoogleAuth().getIdTokenClient(url);
    const token = await client.idTokenProvider.fetchIdToken(url);
    return { authorization: `Bearer ${token}` };
  } catch (error) {
    throw new Error(`cannot mint an ID token for ${url} from application default credentials (${(error as Error).message.split('\n')[0]}); pass --token`);
  }
}
