import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { lifecycleEvent, makePushBody, uniqueConversation } from '../support/builders';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { makeKey, signToken, startCertsServer, type CertsServer, type TestKey } from '../support/tokens';

/**
 * The trust boundary as an attacker meets it, against `npm start` with authentication on: what a request costs
 * the server before it is refused (CPU time and resident memory of the stack's process, from /proc), which
 * headers every answer carries, and which origins may change state. Before the request guard
 * (shared/http/guardBeforeParsing.ts) the framework's parsers inflated and parsed every body first: 16 s of CPU
 * and +1.5 GB for 40 KB of gzip on a GET.
 */

const PUSH = 'push@demo-project.iam.gserviceaccount.com';
const ERASER = 'eraser@demo-project.iam.gserviceaccount.com';
const TRUSTED_ORIGIN = 'https://console.example.com';
const HISTORY = '/v2/projects/demo-project/locations/global/conversations';
/** The URL the tokens are minted for, as a deployment configures it (AUTH_AUDIENCES). */
const AUDIENCE = 'https://conversation-history.example.run.app';

let key: TestKey;
let certs: CertsServer;
let stack: SpawnedStack;

beforeAll(async () => {
  key = await makeKey('key-1');
  certs = await startCertsServer([key]);
  stack = await spawnStack(
    {
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      AUTH_ALLOWED_EMAILS: `${PUSH},${ERASER}`,
      ERASURE_ALLOWED_EMAILS: ERASER,
      AUTH_CERTS_URL: certs.url,
      AUTH_AUDIENCES: AUDIENCE,
      CORS_ALLOWED_ORIGINS: TRUSTED_ORIGIN,
      LOG_LEVEL: 'WARNING',
    },
    join(process.cwd(), '.test-output', 'hostile-requests-stack.log'),
  );
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await certs?.close();
  process.stdout.write(`\nCost of each attack to the stack's process (CPU s, RSS growth MB, status):\n${figures.join('\n')}\n`);
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request with exactly these headers and body bytes, on a connection of its own. Resolves with the answer once
 * the upload is over: sent in full, or cut short by the server, which may close a connection whose body it refused
 * (Node's server does for a GET): writing then fails with EPIPE or ECONNRESET, and the reset can cut the answer's
 * body, never its status line, which arrived first. Rejects only when no answer came at all.
 */
function request(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    let answer: Answer | undefined;
    // Keep-alive, as clients send by default: the server then discards an unread body instead of closing on it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Node's client declares no length for a GET's body unless told, and then closes the connection after it.
    const length = body && headers['transfer-encoding'] === undefined ? { 'content-length': String(body.length) } : {};
    const sent = httpRequest({ host: url.hostname, port: url.port, path, method, headers: { ...length, ...headers }, agent }, (response) => {
      const received: Answer = (answer = { status: response.statusCode ?? 0, headers: response.headers, text: '' });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (received.text += chunk));
    });
    let failure: Error | undefined;
    sent.on('error', (error) => (failure = error));
    sent.on('close', () => {
      agent.destroy();
      if (answer) resolve(answer);
      else reject(failure ?? new Error('The connection closed without an answer'));
    });
    sent.end(body);
  });
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** User and system CPU the stack's process has used, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function statusKilobytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const figures: string[] = [];

/** What one request cost: CPU seconds, and the peak resident memory during it over what was resident before. */
async function measure(name: string, send: () => Promise<Answer>): Promise<{ answer: Answer; cpu: number; rssGrowthMb: number }> {
  const pid = stack.process.pid!;
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM, the peak, to what is resident now
  const rssBefore = statusKilobytes(pid, 'VmRSS');
  const cpuBefore = cpuSeconds(pid);
  const answer = await send();
  const cpu = cpuSeconds(pid) - cpuBefore;
  const rssGrowthMb = (statusKilobytes(pid, 'VmHWM') - rssBefore) / 1024;
  figures.push(`  ${name}: ${cpu.toFixed(2)} s, +${rssGrowthMb.toFixed(1)} MB, ${answer.status}`);
  return { answer, cpu, rssGrowthMb };
}

const deepJson = (brackets: number) => Buffer.from('['.repeat(brackets));
const JSON_TYPE = { 'content-type': 'application/json' };

const attacks: Array<{ name: string; send: () => Promise<Answer>; status: number }> = [
  {
    name: 'a GET to the history API carrying 200 KB of gzip that inflate to 200 MB',
    send: () => request('GET', HISTORY, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(200 * 2 ** 20))),
    status: 400,
  },
  {
    name: 'a GET to the history API carrying gzip that inflates to 20 M nested brackets',
    send: () => request('GET', HISTORY, { ...JSON_TYPE, 'content-encoding': 'gzip' }, gzipSync(deepJson(20_000_000))),
    status: 400,
  },
  { name: 'a GET to the history API carrying 10 MB of nested brackets', send: () => request('GET', HISTORY, JSON_TYPE, deepJson(10_000_000)), status: 400 },
  { name: 'a POST to the history API carrying 10 MB of nested brackets', send: () => request('POST', HISTORY, JSON_TYPE, deepJson(10_000_000)), status: 400 },
  {
    name: 'a POST without a token to an ingest function carrying 900 KB of nested brackets (within its bound)',
    send: () => request('POST', '/ingestMessageEvents', JSON_TYPE, deepJson(900_000)),
    status: 401,
  },
  { name: 'a POST without a token to an ingest function carrying 10 MB of nested brackets', send: () => request('POST', '/ingestMessageEvents', JSON_TYPE, deepJson(10_000_000)), status: 400 },
  {
    name: 'a POST without a token to an ingest function carrying gzip that inflates to 20 M nested brackets',
    send: () => request('POST', '/ingestLifecycleEvents', { ...JSON_TYPE, 'content-encoding': 'gzip' }, gzipSync(deepJson(20_000_000))),
    status: 400,
  },
  { name: 'a POST without a token to reconcile carrying 10 MB of nested brackets', send: () => request('POST', '/reconcileConversations', JSON_TYPE, deepJson(10_000_000)), status: 400 },
];

describe('a request that may not be read is refused before anything inflates or parses it', () => {
  // Without the guard each of these cost the process seconds of CPU and hundreds of MB (see the commit message).
  it.each(attacks)('answers $status, within 0.5 s of CPU and 50 MB of memory, to $name', async ({ name, send, status }) => {
    const { answer, cpu, rssGrowthMb } = await measure(name, send);
    expect(answer.status).toBe(status);
    if (answer.text !== '') expect(JSON.parse(answer.text)).toMatchObject({ error: { code: status } });
    expect(cpu).toBeLessThan(0.5);
    expect(rssGrowthMb).toBeLessThan(50);
  }, 60_000);

  it('still stores a Pub/Sub push with a valid token, and answers a chunked body without a length with 400', async () => {
    const token = await signToken(key, { aud: AUDIENCE, email: PUSH });
    const push = Buffer.from(JSON.stringify(makePushBody(lifecycleEvent(uniqueConversation().name, 'CONVERSATION_STARTED'))));
    const stored = await request('POST', '/ingestLifecycleEvents', { ...JSON_TYPE, authorization: `Bearer ${token}`, 'content-length': String(push.length) }, push);
    expect(stored.status).toBe(200);
    expect(JSON.parse(stored.text)).toEqual({ outcome: 'stored' });
    const chunked = await request('POST', '/ingestLifecycleEvents', { ...JSON_TYPE, authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' }, push);
    expect(chunked.status).toBe(400);
  });
});

describe('every answer is kept out of caches and never sniffed', () => {
  const answers: Array<{ name: string; send: () => Promise<Answer> }> = [
    { name: 'a history list refused without a token', send: () => request('GET', HISTORY, {}) },
    { name: 'a history list served', send: async () => request('GET', HISTORY, { authorization: `Bearer ${await signToken(key, { aud: AUDIENCE, email: ERASER })}` }) },
    { name: 'a path the history API does not serve', send: async () => request('GET', '/v2/nothing', { authorization: `Bearer ${await signToken(key, { aud: AUDIENCE, email: ERASER })}` }) },
    { name: 'a CORS preflight', send: () => request('OPTIONS', HISTORY, { origin: TRUSTED_ORIGIN, 'access-control-request-method': 'GET' }) },
    { name: 'a refusal before reading', send: () => request('GET', HISTORY, { 'content-encoding': 'br' }) },
    { name: 'a push refused without a token', send: () => request('POST', '/ingestMessageEvents', JSON_TYPE, Buffer.from('{}')) },
    { name: 'a reconcile run refused without a token', send: () => request('POST', '/reconcileConversations', {}) },
  ];
  it.each(answers)('says Cache-Control: no-store and X-Content-Type-Options: nosniff on $name', async ({ send }) => {
    const answer = await send();
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe("another site's page cannot change state with the person's token", () => {
  const eraserToken = () => signToken(key, { aud: AUDIENCE, email: ERASER });
  const seeded = async () => {
    const conversation = uniqueConversation();
    const token = await signToken(key, { aud: AUDIENCE, email: PUSH });
    const push = Buffer.from(JSON.stringify(makePushBody(lifecycleEvent(conversation.name, 'CONVERSATION_STARTED'))));
    expect((await request('POST', '/ingestLifecycleEvents', { ...JSON_TYPE, authorization: `Bearer ${token}` }, push)).status).toBe(200);
    return conversation.name;
  };
  const ownOrigin = () => stack.url;

  const erasures: Array<{ name: string; headers: () => Record<string, string>; status: number }> = [
    { name: 'a page of another site', headers: () => ({ origin: 'https://evil.example' }), status: 403 },
    { name: 'a page of another site that fakes our host in its Origin but not its Sec-Fetch-Site', headers: () => ({ origin: ownOrigin(), 'sec-fetch-site': 'cross-site' }), status: 403 },
    { name: 'a sibling subdomain (same-site)', headers: () => ({ origin: 'https://other.example.com', 'sec-fetch-site': 'same-site' }), status: 403 },
    { name: "an opaque origin ('null': sandboxed frame, file:)", headers: () => ({ origin: 'null' }), status: 403 },
    // A DNS-rebound name points at us: the browser's Origin and Host agree, on the attacker's name.
    { name: 'a DNS-rebound page whose Origin matches the Host it sends', headers: () => ({ origin: 'http://rebound.example:8080', host: 'rebound.example:8080', 'sec-fetch-site': 'same-origin' }), status: 403 },
    { name: 'a non-browser client (no Origin)', headers: () => ({}), status: 200 },
    { name: 'this function’s own page (Origin is its host)', headers: () => ({ origin: ownOrigin(), 'sec-fetch-site': 'same-origin' }), status: 200 },
    { name: 'an origin in CORS_ALLOWED_ORIGINS', headers: () => ({ origin: TRUSTED_ORIGIN, 'sec-fetch-site': 'cross-site' }), status: 200 },
  ];

  it.each(erasures)('answers $status to an eraser’s DELETE from $name, and erases only when allowed', async ({ headers, status }) => {
    const name = await seeded();
    const authorization = `Bearer ${await eraserToken()}`;
    const answer = await request('DELETE', `/v2/${name}`, { ...headers(), authorization });
    expect(answer.status).toBe(status);
    const after = await request('GET', `/v2/${name}`, { authorization });
    expect(after.status).toBe(status === 200 ? 404 : 200);
  });

  it('refuses a cross-site POST to an ingest function and to reconcile before authenticating it', async () => {
    for (const path of ['/ingestMessageEvents', '/reconcileConversations']) {
      const answer = await request('POST', path, { ...JSON_TYPE, origin: 'https://evil.example' }, Buffer.from('{}'));
      expect(answer.status).toBe(403);
    }
  });
});
