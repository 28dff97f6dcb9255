import { randomBytes } from 'node:crypto';
import { METHODS, request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { MAX_PAGE_BYTES } from '../../shared/domain/history/historyQueries';
import { seedMessages } from '../support/seed';
import { baseUrl, getJson, ingestAll, post, testFirestore } from '../support/stack';

/**
 * Hardening of the history API: hostile requests of every kind (filter
 * injection, absurd numbers, forged and replayed page tokens, path
 * traversal, other methods, oversized and repeated parameters). Every one
 * must answer a 4xx in Google's error shape, never a 5xx; a HEAD answer has
 * no body, so only its status is checked.
 */

const project = uniqueProject();
const parent = `projects/${project}/locations/global`;
const conversation = (id: string, location = 'global') => `projects/${project}/locations/${location}/conversations/${id}`;
const A = conversation('CvA');
const B = conversation('CvB');
const LIST = `/v2/${parent}/conversations`;
const MESSAGES_A = `/v2/${A}/messages`;
const MESSAGES_B = `/v2/${B}/messages`;
const GET_A = `/v2/${A}`;

interface Tokens {
  /** conversations.list of the parent, pageSize=1. */
  list: string;
  /** conversations.list with filter lifecycle_state = "IN_PROGRESS", pageSize=1. */
  filtered: string;
  /** messages.list of A, pageSize=1. */
  messagesA: string;
  /** messages.list of B, pageSize=1. */
  messagesB: string;
}
const tokens = {} as Tokens;

beforeAll(async () => {
  const LIFECYCLE = '/ingestLifecycleEvents';
  const MESSAGES = '/ingestMessageEvents';
  await ingestAll([
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(A, 'CONVERSATION_STARTED'), { publishTime: '2026-11-01T10:00:00Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(A, 'CONVERSATION_FINISHED'), { publishTime: '2026-11-01T11:00:00Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(B, 'CONVERSATION_STARTED'), { publishTime: '2026-11-02T10:00:00Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(conversation('CvC'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-03T10:00:00Z' }) },
    { path: LIFECYCLE, body: makePushBody(lifecycleEvent(conversation('CvD', 'europe-west1'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-03T10:00:00Z' }) },
    ...['M1', 'M2', 'M3'].map((id, i) => ({ path: MESSAGES, body: makePushBody(messageEvent(A, id, { createTime: `2026-11-01T10:0${i + 1}:00Z` })) })),
    ...['M1', 'M2'].map((id, i) => ({ path: MESSAGES, body: makePushBody(messageEvent(B, id, { createTime: `2026-11-02T10:0${i + 1}:00Z` })) })),
  ]);
  const tokenOf = async (path: string) => {
    const answer = await getJson(path);
    const token = answer.body['nextPageToken'];
    if (typeof token !== 'string') throw new Error(`No page token from ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return token;
  };
  tokens.list = await tokenOf(`${LIST}?pageSize=1`);
  tokens.filtered = await tokenOf(`${LIST}?pageSize=1&filter=${encodeURIComponent('lifecycle_state = "IN_PROGRESS"')}`);
  tokens.messagesA = await tokenOf(`${MESSAGES_A}?pageSize=1`);
  tokens.messagesB = await tokenOf(`${MESSAGES_B}?pageSize=1`);
});

interface RawAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Any method, exactly this path (fetch refuses some methods and resolves '..' before sending). */
function rawRequest(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  const url = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a DELETE or OPTIONS body without framing otherwise.
    const framing = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const request = httpRequest({ host: url.hostname, port: url.port, path, method, headers: { ...headers, ...framing } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

interface HostileRequest {
  name: string;
  /** The path and query exactly as sent; a function when it needs the fixtures' page tokens. */
  path: string | ((t: Tokens) => string);
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The 4xx expected; any 4xx when absent. */
  status?: number;
  /** Text the error message must contain. */
  mentions?: string;
  /** What SHOULD happen, when the code currently does otherwise (a bug this corpus found). */
  bug?: string;
  /**
   * Answered by the Functions Framework itself (its Express router cannot decode the path, or its body
   * parser cannot parse the body) before any code of ours runs: a 400 page, not Google's error shape.
   * There is no hook for it in the framework; docs/reliability.md says so.
   */
  answeredByFramework?: true;
}

const q = (text: string) => encodeURIComponent(text);
const filterOn = (path: string, filter: string) => `${path}?filter=${q(filter)}`;
/** A token with the character at `index` (negative: from the end) replaced by another base64url character. */
const alter = (token: string, index: number) => {
  const at = index < 0 ? token.length + index : index;
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
};
const payloadOf = (token: string) => token.split('.')[0]!;
const signatureOf = (token: string) => token.split('.')[1]!;

const filterInjection: HostileRequest[] = [
  { name: 'an OR 1=1 tautology', path: filterOn(LIST, 'lifecycle_state = "COMPLETED" OR 1=1'), status: 400, mentions: "found '1'" },
  { name: 'a quote-breaking string', path: filterOn(LIST, 'lifecycle_state = "COMPLETED\\" OR \\"1\\"=\\"1"'), status: 400, mentions: 'lifecycle_state' },
  { name: 'an SQL statement after a semicolon', path: filterOn(LIST, "lifecycle_state = 'COMPLETED'; DROP TABLE conversations; --"), status: 400, mentions: ';' },
  { name: 'an SQL comment', path: filterOn(LIST, 'lifecycle_state = "COMPLETED" --'), status: 400 },
  { name: 'a MongoDB operator object', path: filterOn(LIST, '{"$gt": ""}'), status: 400 },
  { name: 'a MongoDB operator as the value', path: filterOn(LIST, 'lifecycle_state = {"$ne": null}'), status: 400 },
  { name: 'a bracketed NoSQL operator', path: filterOn(LIST, 'lifecycle_state[$ne]=COMPLETED'), status: 400 },
  { name: 'a where-clause JavaScript payload', path: filterOn(LIST, "this.lifecycleState == 'COMPLETED' || sleep(5000)"), status: 400 },
  { name: 'a filter on the resource name', path: filterOn(LIST, 'name = "projects/other/locations/global/conversations/x"'), status: 400, mentions: 'name' },
  { name: "a filter on Firestore's __name__", path: filterOn(LIST, '__name__ = "projects/other"'), status: 400 },
  { name: 'a || operator', path: filterOn(LIST, 'start_time > "2026-01-01T00:00:00Z" || true'), status: 400 },
  { name: 'a && operator', path: filterOn(LIST, 'start_time > "2026-01-01T00:00:00Z" && true'), status: 400 },
  { name: 'a backslash escaping the closing quote', path: filterOn(LIST, 'lifecycle_state = "COMPLETED\\"'), status: 400, mentions: 'Unterminated' },
  { name: 'a trailing lone backslash', path: filterOn(LIST, 'lifecycle_state = "COMPLETED\\'), status: 400, mentions: 'Unterminated' },
  { name: 'a NUL character as the value', path: filterOn(LIST, 'lifecycle_state = "\u0000"'), status: 400 },
  { name: 'a NUL character in the field name', path: filterOn(LIST, 'lifecycle_state\u0000 = "COMPLETED"'), status: 400 },
  { name: 'a CRLF header injection', path: filterOn(LIST, 'lifecycle_state = "COMPLETED"\r\nX-Injected: 1'), status: 400 },
  { name: 'an ANSI escape sequence', path: filterOn(LIST, '\u001b[31mlifecycle_state = "COMPLETED"'), status: 400 },
  { name: 'control characters', path: filterOn(LIST, '\u0001\u0002\u0007\u0008'), status: 400 },
  { name: 'a fullwidth value', path: filterOn(LIST, 'lifecycle_state = "ＣＯＭＰＬＥＴＥＤ"'), status: 400, mentions: 'lifecycle_state' },
  { name: 'a fullwidth equals sign', path: filterOn(LIST, 'lifecycle_state ＝ "COMPLETED"'), status: 400 },
  { name: 'a Cyrillic look-alike in the field name', path: filterOn(LIST, 'lifecyсle_state = "COMPLETED"'), status: 400 },
  { name: 'a right-to-left override', path: filterOn(LIST, '\u202elifecycle_state = "COMPLETED"'), status: 400 },
  { name: 'an emoji', path: filterOn(LIST, 'lifecycle_state = "COMPLETED" 🙂'), status: 400 },
  { name: 'an encoded lone surrogate', path: `${LIST}?filter=%ED%A0%80`, status: 400 },
  { name: 'an encoded lone surrogate inside a value', path: `${LIST}?filter=lifecycle_state%20%3D%20%22%ED%A0%80%22`, status: 400 },
  { name: 'a malformed percent-encoding in the filter', path: `${LIST}?filter=%ZZ%`, status: 400 },
  { name: 'a filter of 2 001 characters', path: filterOn(LIST, `lifecycle_state = "${'x'.repeat(1_981)}"`), status: 400, mentions: '2000' },
  { name: 'a filter of 10 000 characters', path: filterOn(LIST, `lifecycle_state = "${'x'.repeat(10_000)}"`), status: 400, mentions: '8192' },
  { name: 'a message filter with an OR injection', path: filterOn(MESSAGES_A, 'create_time > "2026-01-01T00:00:00Z" OR 1=1'), status: 400, mentions: "found '1'" },
  { name: 'a message filter on the content', path: filterOn(MESSAGES_A, 'content = "password"'), status: 400, mentions: 'content' },
  { name: 'a message filter on participant_role', path: filterOn(MESSAGES_A, 'participant_role = "END_USER"'), status: 400 },
  { name: 'a message filter with a wildcard', path: filterOn(MESSAGES_A, 'create_time = *'), status: 400 },
  { name: 'a message filter with a function call', path: filterOn(MESSAGES_A, 'timestamp(create_time) > 5'), status: 400 },
  { name: 'a message filter with a has operator', path: filterOn(MESSAGES_A, 'create_time:*'), status: 400, mentions: ':' },
];

const PROTOTYPE_FIELD_BUG =
  "400 naming the unsupported field; the field lookup reads a plain object (CONVERSATION_FIELDS / MESSAGE_FIELDS in shared/domain/history/queryPlans.ts), so Object.prototype members pass as fields and are planned as a time comparison";
const prototypeFieldFilters: HostileRequest[] = [
  { name: "a conversation filter on 'valueOf'", path: filterOn(LIST, 'valueOf <= "2026-01-01T00:00:00Z"'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a conversation filter on '__proto__'", path: filterOn(LIST, '__proto__ >= "2026-01-01T00:00:00Z"'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a conversation filter on 'toString'", path: filterOn(LIST, 'toString < "2099-01-01T00:00:00Z"'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a conversation filter on 'constructor'", path: filterOn(LIST, 'constructor = "x"'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a conversation filter on 'hasOwnProperty'", path: filterOn(LIST, 'hasOwnProperty = "COMPLETED"'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a message filter on '__proto__'", path: filterOn(MESSAGES_A, '__proto__ = 1'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a message filter on 'toString'", path: filterOn(MESSAGES_A, 'toString > 5'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
  { name: "a message filter on 'valueOf'", path: filterOn(MESSAGES_A, 'valueOf < 1793527320000001'), status: 400, mentions: 'not supported', bug: PROTOTYPE_FIELD_BUG },
];

const unbalanced: HostileRequest[] = [
  { name: 'three unclosed parentheses', path: filterOn(LIST, '(((lifecycle_state = "COMPLETED"'), status: 400, mentions: "')'" },
  { name: 'an extra closing parenthesis', path: filterOn(LIST, 'lifecycle_state = "COMPLETED")'), status: 400 },
  { name: 'two extra closing parentheses', path: filterOn(LIST, '((lifecycle_state = "COMPLETED")))'), status: 400 },
  { name: 'parentheses the wrong way round', path: filterOn(LIST, ')('), status: 400 },
  { name: 'empty parentheses', path: filterOn(LIST, '()'), status: 400 },
  { name: 'an unclosed inner group', path: filterOn(LIST, '(lifecycle_state = "COMPLETED" AND (start_time > "2026-01-01T00:00:00Z")'), status: 400 },
  { name: 'a parenthesized value', path: filterOn(LIST, 'lifecycle_state = ("COMPLETED")'), status: 400 },
  { name: 'a lone double quote', path: filterOn(LIST, '"'), status: 400, mentions: 'Unterminated' },
  { name: 'a lone single quote', path: filterOn(LIST, "'"), status: 400, mentions: 'Unterminated' },
  { name: 'mismatched quotes', path: filterOn(LIST, `lifecycle_state = 'COMPLETED"`), status: 400, mentions: 'Unterminated' },
  { name: 'mismatched quotes the other way', path: filterOn(LIST, `lifecycle_state = "COMPLETED'`), status: 400, mentions: 'Unterminated' },
  { name: 'parentheses nested 17 deep', path: filterOn(LIST, `${'('.repeat(17)}lifecycle_state = "COMPLETED"${')'.repeat(17)}`), status: 400, mentions: '16' },
  { name: 'parentheses nested 900 deep', path: filterOn(LIST, `${'('.repeat(900)}lifecycle_state = "COMPLETED"${')'.repeat(900)}`), status: 400 },
  { name: 'a leading AND', path: filterOn(LIST, 'AND lifecycle_state = "COMPLETED"'), status: 400 },
  { name: 'a trailing AND', path: filterOn(LIST, 'lifecycle_state = "COMPLETED" AND'), status: 400 },
  { name: 'a doubled AND', path: filterOn(LIST, 'lifecycle_state = "COMPLETED" AND AND start_time > "2026-01-01T00:00:00Z"'), status: 400 },
  { name: 'a doubled operator', path: filterOn(LIST, 'lifecycle_state == "COMPLETED"'), status: 400 },
  { name: 'a SQL not-equal', path: filterOn(LIST, 'lifecycle_state <> "COMPLETED"'), status: 400 },
  { name: 'an IN list', path: filterOn(LIST, 'lifecycle_state IN ("COMPLETED", "IN_PROGRESS")'), status: 400 },
  { name: 'an operator without a field', path: filterOn(LIST, '= "COMPLETED"'), status: 400 },
];

const absurdNumbers: HostileRequest[] = [
  ...['-1', '-9999999999', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '-Infinity', '9999999999999', '9007199254740993', '1e400', 'true', '[]', '5abc', '1;2'].map(
    (size): HostileRequest => ({ name: `pageSize=${size}`, path: `${LIST}?pageSize=${q(size)}`, status: 400, mentions: 'pageSize' }),
  ),
  { name: 'pageSize with a leading space', path: `${LIST}?pageSize=%205`, status: 400, mentions: 'pageSize' },
  { name: 'pageSize with a trailing space', path: `${LIST}?pageSize=5%20`, status: 400, mentions: 'pageSize' },
  { name: 'pageSize with a plus sign', path: `${LIST}?pageSize=%2B5`, status: 400, mentions: 'pageSize' },
  { name: 'pageSize of a fullwidth digit', path: `${LIST}?pageSize=${q('０')}`, status: 400, mentions: 'pageSize' },
  { name: 'pageSize of an Arabic-Indic digit', path: `${LIST}?pageSize=${q('٣')}`, status: 400, mentions: 'pageSize' },
  { name: 'pageSize of a NUL', path: `${LIST}?pageSize=%00`, status: 400, mentions: 'pageSize' },
  { name: 'page_size=-5', path: `${LIST}?page_size=-5`, status: 400, mentions: 'negative' },
  { name: 'a messages pageSize of -1', path: `${MESSAGES_A}?pageSize=-1`, status: 400, mentions: 'negative' },
  { name: 'a messages pageSize of 1e400', path: `${MESSAGES_A}?pageSize=1e400`, status: 400, mentions: 'pageSize' },
  ...[
    ['start_time > 1e400', ''],
    ['start_time > -1', 'start_time'],
    ['start_time > NaN', 'start_time'],
    ['start_time > Infinity', 'start_time'],
    ['start_time > 0x1F', ''],
    ['start_time > "NaN"', 'start_time'],
    ['start_time > "2026-13-01T00:00:00Z"', 'start_time'],
    ['start_time > "2026-02-30T00:00:00Z"', 'start_time'],
    ['start_time > "+275760-09-13T00:00:00Z"', 'start_time'],
    ['start_time > "10000-01-01T00:00:00Z"', 'start_time'],
    ['start_time > "0000-12-31T23:59:59Z"', 'start_time'],
    ['start_time > "2026-01-01T00:00:00+24:00"', 'start_time'],
    ['end_time <= "2026-01-01T25:00:00Z"', 'end_time'],
    ['start_time > "2026-01-01T00:00:00.1234567890Z"', 'start_time'],
    ['start_time > "2026-01-01"', 'start_time'],
    ['start_time > "1767225600"', 'start_time'],
  ].map(([filter, mentions]): HostileRequest => ({ name: `conversations filtered with ${filter}`, path: filterOn(LIST, filter!), status: 400, mentions: mentions! })),
  ...[
    ['create_time_epoch_microseconds > 1e400', ''],
    ['create_time_epoch_microseconds > NaN', 'microseconds'],
    ['create_time_epoch_microseconds > Infinity', 'microseconds'],
    ['create_time_epoch_microseconds > -Infinity', ''],
    ['create_time_epoch_microseconds > 0x10', ''],
    ['create_time_epoch_microseconds > 1.5', 'microseconds'],
    ['create_time_epoch_microseconds > -1', 'microseconds'],
    ['create_time_epoch_microseconds > 99999999999999999999999', 'microseconds'],
    ['create_time_epoch_microseconds > 253402300800000000', 'microseconds'],
    ['create_time_epoch_microseconds > 1_000', ''],
    ['create_time_epoch_microseconds > 1,000', ''],
    ['create_time_epoch_microseconds > +5', ''],
    ['create_time_epoch_microseconds > ""', 'microseconds'],
    ['create_time_epoch_microseconds > 9007199254740993.5', 'microseconds'],
    ['create_time > 5', 'create_time'],
    ['create_time > "yesterday"', 'create_time'],
    ['create_time = ""', 'create_time'],
  ].map(([filter, mentions]): HostileRequest => ({ name: `messages filtered with ${filter}`, path: filterOn(MESSAGES_A, filter!), status: 400, mentions: mentions! })),
];

const forgedTokens: HostileRequest[] = [
  ...[
    ['a word', 'not-a-token'],
    ['two words', 'x.y'],
    ['a dot', '.'],
    ['two dots', '..'],
    ['two base64 letters', 'A.A'],
    ['a NUL', '\u0000'],
    ['emoji', '🙂.🙂'],
    ['random base64url bytes', randomBytes(48).toString('base64url')],
    ['random base64url halves', `${randomBytes(30).toString('base64url')}.${randomBytes(16).toString('base64url')}`],
    ['3 000 characters', 'A'.repeat(3_000)],
    ['an unsigned JSON payload', Buffer.from('{"k":"~","b":"x"}').toString('base64url')],
    ['an unsigned JSON payload with an empty signature', `${Buffer.from('{"k":"~","b":"x"}').toString('base64url')}.`],
    ['JSON', '{"k":"~","b":"x"}'],
    ['a prototype-polluting payload', `${Buffer.from('{"__proto__":{"k":"~"},"b":"x"}').toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`],
  ].map(([what, token]): HostileRequest => ({ name: `a page token of ${what}`, path: `${LIST}?pageToken=${q(token!)}`, status: 400, mentions: 'page token' })),
  ...[
    ['its payload altered', (t: Tokens) => alter(t.list, 2)],
    ['its signature altered at the end', (t: Tokens) => alter(t.list, -1)],
    ['its signature altered at the start', (t: Tokens) => alter(t.list, payloadOf(t.list).length + 1)],
    ['one character cut', (t: Tokens) => t.list.slice(0, -1)],
    ['five characters cut', (t: Tokens) => t.list.slice(0, -5)],
    ['one character added', (t: Tokens) => `${t.list}A`],
    ['a third part', (t: Tokens) => `${t.list}.x`],
    ['a trailing dot', (t: Tokens) => `${t.list}.`],
    ['its payload only', (t: Tokens) => payloadOf(t.list)],
    ['its signature only', (t: Tokens) => `.${signatureOf(t.list)}`],
    ['a trailing space', (t: Tokens) => `${t.list} `],
    ['base64 padding added', (t: Tokens) => `${t.list}==`],
    ['the standard base64 alphabet', (t: Tokens) => `${t.list.replaceAll('-', '+').replaceAll('_', '/')}${t.list.includes('-') || t.list.includes('_') ? '' : '+'}`],
    ['its case changed', (t: Tokens) => t.list.toLowerCase()],
    ["another token's signature", (t: Tokens) => `${payloadOf(t.list)}.${signatureOf(t.messagesA)}`],
    ['itself twice', (t: Tokens) => `${t.list}${t.list}`],
  ].map(([what, token]): HostileRequest => ({
    name: `a real page token with ${what as string}`,
    path: (t) => `${LIST}?pageToken=${q((token as (t: Tokens) => string)(t))}`,
    status: 400,
    mentions: 'page token',
  })),
  { name: "a messages token replayed on the conversations list", path: (t) => `${LIST}?pageToken=${q(t.messagesA)}`, status: 400, mentions: 'different request' },
  { name: "a conversations token replayed on a conversation's messages", path: (t) => `${MESSAGES_A}?pageToken=${q(t.list)}`, status: 400, mentions: 'different request' },
  { name: "one conversation's messages token replayed on another's", path: (t) => `${MESSAGES_B}?pageToken=${q(t.messagesA)}`, status: 400, mentions: 'different request' },
  { name: 'a token replayed with a filter added', path: (t) => `${LIST}?pageToken=${q(t.list)}&filter=${q('lifecycle_state = "COMPLETED"')}`, status: 400, mentions: 'different request' },
  { name: 'a filtered token replayed without its filter', path: (t) => `${LIST}?pageToken=${q(t.filtered)}`, status: 400, mentions: 'different request' },
  { name: 'a filtered token replayed with another filter', path: (t) => `${LIST}?pageToken=${q(t.filtered)}&filter=${q('lifecycle_state = "COMPLETED"')}`, status: 400, mentions: 'different request' },
  { name: 'a token replayed on another location', path: (t) => `/v2/projects/${project}/locations/europe-west1/conversations?pageToken=${q(t.list)}`, status: 400, mentions: 'different request' },
  { name: 'a token replayed on another project', path: (t) => `/v2/projects/${project}x/locations/global/conversations?pageToken=${q(t.list)}`, status: 400, mentions: 'different request' },
  { name: 'a messages token replayed with a filter added', path: (t) => `${MESSAGES_A}?pageToken=${q(t.messagesA)}&filter=${q('create_time > "2026-01-01T00:00:00Z"')}`, status: 400, mentions: 'different request' },
  { name: 'a page token on conversations.get', path: (t) => `${GET_A}?pageToken=${q(t.list)}`, status: 400, mentions: 'pageToken' },
];

const LOCAL_ROUTING_BUG =
  "404 in Google's error shape from the history API; the local stack (shared/local/localStack.ts) routes by the WHATWG-normalized path, which resolves '..' and '%2e%2e', while the history function matches the raw path: the GET reaches an ingest function, whose 405 has no 'status' (in a deployment each function has its own URL)";
const traversal: HostileRequest[] = [
  { name: "a '..' conversation id", path: `/v2/${parent}/conversations/..`, status: 400 },
  { name: "a '.' conversation id", path: `/v2/${parent}/conversations/.`, status: 400 },
  { name: 'a percent-encoded .. conversation id', path: `/v2/${parent}/conversations/%2e%2e`, status: 400 },
  { name: 'upper-case percent-encoded dots before /messages', path: `/v2/${parent}/conversations/%2E%2E/messages`, status: 400 },
  { name: 'double-encoded dots', path: `/v2/${parent}/conversations/%252e%252e`, status: 400 },
  { name: 'a percent-encoded slash in the id', path: `/v2/${parent}/conversations/a%2Fb`, status: 400 },
  { name: 'a double-encoded slash in the id', path: `/v2/${parent}/conversations/a%252Fb`, status: 400 },
  { name: 'encoded dot segments in the location', path: `/v2/projects/${project}/locations/..%2F..%2Fquarantine/conversations`, status: 400 },
  { name: 'encoded dot segments to the quarantine', path: `/v2beta1/${parent}/conversations/CvA/..%2F..%2F..%2F..%2Fquarantine`, status: 404 },
  { name: 'dot segments out of the project', path: `/v2/projects/${project}/../../quarantine/conversations`, status: 404 },
  { name: 'dot segments after the location', path: `/v2/${parent}/../../../quarantine`, status: 404 },
  { name: "dot segments from one conversation's messages to another", path: `/v2/${A}/messages/../../CvB`, status: 404 },
  { name: "a '..' message id", path: `/v2/${A}/messages/..`, status: 404 },
  { name: 'a message id (messages.get is not served)', path: `/v2/${A}/messages/M1`, status: 404 },
  { name: 'a percent-encoded .. project', path: '/v2/projects/%2e%2e/conversations', status: 400 },
  { name: 'an encoded backslash in the id', path: `/v2/${parent}/conversations/a%5Cb`, status: 400 },
  { name: 'encoded backslash dot segments', path: `/v2/${parent}/conversations/..%5C..%5Cquarantine`, status: 400 },
  { name: 'an encoded NUL id', path: `/v2/${parent}/conversations/%00`, status: 400 },
  { name: 'an encoded NUL after the id', path: `/v2/${parent}/conversations/CvA%00`, status: 400 },
  { name: 'encoded fullwidth dots', path: `/v2/${parent}/conversations/%EF%BC%8E%EF%BC%8E`, status: 400 },
  { name: 'an encoded two-dot leader', path: `/v2/${parent}/conversations/%E2%80%A5`, status: 400 },
  { name: 'an encoded space in the id', path: `/v2/${parent}/conversations/Cv%20A`, status: 400 },
  { name: 'an id of 129 characters', path: `/v2/${parent}/conversations/${'a'.repeat(129)}`, status: 400 },
  { name: "an id over Firestore's 1500-byte limit", path: `/v2/${parent}/conversations/${'a'.repeat(1_600)}`, status: 400 },
  { name: 'an empty segment after /v2', path: `/v2//projects/${project}/conversations`, status: 404 },
  { name: 'a trailing slash', path: `/v2/projects/${project}/conversations/`, status: 404 },
  { name: 'a Tomcat-style ..; segment', path: `/v2/${parent}/conversations/..;/x`, status: 404 },
  { name: 'a path parameter', path: `/v2/${parent}/conversations;x=1`, status: 404 },
  { name: 'a sub-collection that is not served', path: `/v2/${A}/recognitionResults`, status: 404 },
  { name: 'an API version that is not served', path: `/v3/${parent}/conversations`, status: 404 },
  { name: 'an absolute-form request target', path: `http://127.0.0.1/v2/${parent}/conversations/..`, status: 404 },
  { name: 'a malformed percent-encoding in the id', path: `/v2/${parent}/conversations/%ZZ`, status: 400, answeredByFramework: true },
  { name: 'a truncated multi-byte percent-encoding', path: `/v2/${parent}/conversations/%E0%A4%A`, status: 400, answeredByFramework: true },
  { name: 'a lone % in the location', path: `/v2/projects/${project}/locations/%/conversations`, status: 400, answeredByFramework: true },
  { name: "dot segments from /v2 to an ingest function", path: '/v2/../ingestLifecycleEvents', status: 404, bug: LOCAL_ROUTING_BUG },
  { name: 'encoded dot segments from /v2 to an ingest function', path: '/v2/%2e%2e/ingestMessageEvents', status: 404, bug: LOCAL_ROUTING_BUG },
];

/**
 * POST on these paths is a Dialogflow method the API does not implement (501); DELETE of a list is refused (400:
 * erasure takes one conversation); any other is no method (404).
 */
const methodStatus = (method: string) => (method === 'POST' ? 501 : method === 'DELETE' ? 400 : 404);

const otherMethods: HostileRequest[] = [
  ...METHODS.filter((method) => !['GET', 'HEAD', 'CONNECT'].includes(method)).map(
    (method): HostileRequest => ({ name: `${method} on conversations.list`, path: LIST, method, status: methodStatus(method) }),
  ),
  ...['POST', 'PUT', 'PATCH', 'DELETE'].flatMap((method) => [
    // DELETE of one conversation erases it (erasure.test.ts): not done to the one these tests read.
    ...(method === 'DELETE' ? [] : [{ name: `${method} with a JSON body on conversations.get`, path: GET_A, method, headers: { 'content-type': 'application/json' }, body: '{"lifecycleState":"COMPLETED"}', status: methodStatus(method) }]),
    { name: `${method} with a JSON body on messages.list`, path: MESSAGES_A, method, headers: { 'content-type': 'application/json' }, body: '{"content":"x"}', status: methodStatus(method) },
  ]),
  // HEAD is served as GET is (systemParameters.test.ts); refused as GET is refused, without a body.
  { name: 'HEAD with an unknown parameter on conversations.get', path: `${GET_A}?foo=1`, method: 'HEAD', status: 400 },
  { name: 'HEAD with a malformed fields selection on messages.list', path: `${MESSAGES_A}?fields=messages(`, method: 'HEAD', status: 400 },
  { name: 'HEAD on a single message', path: `${MESSAGES_A}/m1`, method: 'HEAD', status: 404 },
  { name: 'a CORS preflight from a foreign origin', path: LIST, method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, status: 403 },
  { name: 'a CORS preflight without an origin', path: LIST, method: 'OPTIONS', headers: { 'access-control-request-method': 'DELETE' }, status: 403 },
  { name: 'a POST claiming to be a GET in X-HTTP-Method-Override', path: LIST, method: 'POST', headers: { 'x-http-method-override': 'GET' }, status: 501 },
  {
    name: 'a POST with a malformed JSON body',
    path: LIST,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"filter": ',
    status: 400,
    answeredByFramework: true,
  },
];

const oversized: HostileRequest[] = [
  { name: 'a filter of 9 000 characters', path: `${LIST}?filter=${'x'.repeat(9_000)}`, status: 400, mentions: '8192' },
  { name: 'an unknown parameter of 9 000 characters', path: `${LIST}?${'u'.repeat(9_000)}=1`, status: 400, mentions: '8192' },
  { name: 'a page token of 9 000 characters', path: `${LIST}?pageToken=${'A'.repeat(9_000)}`, status: 400, mentions: '8192' },
  { name: '2 000 system parameters', path: `${LIST}?${'$x=1&'.repeat(2_000)}`, status: 400, mentions: '8192' },
  { name: 'a URL of 15 000 characters', path: `${MESSAGES_A}?filter=${'y'.repeat(15_000)}`, status: 400, mentions: '8192' },
  { name: 'a path of 9 000 characters', path: `/v2/${parent}/conversations/${'a'.repeat(9_000)}`, status: 400, mentions: '8192' },
];

const duplicated: HostileRequest[] = [
  { name: 'pageSize twice', path: `${LIST}?pageSize=1&pageSize=2`, status: 400, mentions: 'more than once' },
  { name: 'pageSize twice with the same value', path: `${LIST}?pageSize=1&pageSize=1`, status: 400, mentions: 'more than once' },
  { name: 'pageSize and page_size', path: `${LIST}?pageSize=1&page_size=2`, status: 400, mentions: 'more than once' },
  { name: 'pageSize twice, once empty', path: `${LIST}?pageSize=1&pageSize=`, status: 400, mentions: 'more than once' },
  { name: 'filter twice', path: `${LIST}?filter=${q('lifecycle_state = "COMPLETED"')}&filter=${q('lifecycle_state = "IN_PROGRESS"')}`, status: 400, mentions: 'more than once' },
  { name: 'filter twice, both empty', path: `${LIST}?filter=&filter=`, status: 400, mentions: 'more than once' },
  { name: 'pageToken twice', path: (t) => `${LIST}?pageToken=${q(t.list)}&pageToken=${q(t.list)}`, status: 400, mentions: 'more than once' },
  { name: 'pageToken and page_token', path: (t) => `${LIST}?pageToken=${q(t.list)}&page_token=${q(t.list)}`, status: 400, mentions: 'more than once' },
  { name: 'pageSize twice on messages.list', path: `${MESSAGES_A}?pageSize=1&pageSize=2`, status: 400, mentions: 'more than once' },
];

const PROTOTYPE_PARAMETER_BUG =
  "400 'Unknown query parameter'; readQuery (shared/http/historyRequest.ts) looks parameters up in a plain object, so names of Object.prototype members are taken for list parameters and silently ignored";
const unknownParameters: HostileRequest[] = [
  ...['unknown=1', 'PageSize=1', 'page-size=1', 'pageSize[]=1', 'pageSize.x=1', '%20pageSize=1', 'pageSize%00=1', 'orderBy=create_time', 'readMask=name', 'view=FULL', '=1', 'filter%5B%24ne%5D=x'].map(
    (parameter): HostileRequest => ({ name: `the parameter ${parameter}`, path: `${LIST}?${parameter}`, status: 400, mentions: 'Unknown query parameter' }),
  ),
  { name: 'a filter on conversations.get', path: `${GET_A}?filter=${q('lifecycle_state = "COMPLETED"')}`, status: 400, mentions: 'Unknown query parameter' },
  { name: 'a pageSize on conversations.get', path: `${GET_A}?pageSize=1`, status: 400, mentions: 'Unknown query parameter' },
  { name: 'an unknown parameter on messages.list', path: `${MESSAGES_A}?participantRole=END_USER`, status: 400, mentions: 'Unknown query parameter' },
  ...['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'].map(
    (parameter): HostileRequest => ({
      name: `the parameter ${parameter}=1`,
      path: `${LIST}?${parameter}=1`,
      status: 400,
      mentions: 'Unknown query parameter',
      bug: PROTOTYPE_PARAMETER_BUG,
    }),
  ),
  { name: 'the parameter constructor=1 on messages.list', path: `${MESSAGES_A}?constructor=1`, status: 400, mentions: 'Unknown query parameter', bug: PROTOTYPE_PARAMETER_BUG },
];

const corpus: Array<{ group: string; requests: HostileRequest[] }> = [
  { group: 'filter injection', requests: filterInjection },
  { group: 'filter on a prototype member', requests: prototypeFieldFilters },
  { group: 'unbalanced filter', requests: unbalanced },
  { group: 'absurd number', requests: absurdNumbers },
  { group: 'forged or replayed token', requests: forgedTokens },
  { group: 'path traversal', requests: traversal },
  { group: 'other method', requests: otherMethods },
  { group: 'oversized query', requests: oversized },
  { group: 'duplicate parameter', requests: duplicated },
  { group: 'unknown parameter', requests: unknownParameters },
];
const cases = corpus.flatMap(({ group, requests }) => requests.map((request) => ({ ...request, title: `${group}: ${request.name}` })));

describe('hostile history requests answer a 4xx in Google error shape, never a 5xx (but 501 UNIMPLEMENTED for POST)', () => {
  it.each(cases)('refuses $title', async (c) => {
    const method = c.method ?? 'GET';
    const path = typeof c.path === 'function' ? c.path(tokens) : c.path;
    const answer = await rawRequest(method, path, c.headers, c.body);
    const note = `${c.bug ? `SHOULD be ${c.bug}. ` : ''}Answered ${answer.status} ${answer.text.slice(0, 300)}`;

    // A POST asks for a Dialogflow method this read-only API does not implement: 501, deliberately.
    const deliberate501 = answer.status === 501 && method === 'POST';
    expect((answer.status >= 400 && answer.status < 500) || deliberate501, note).toBe(true);
    if (c.status !== undefined) expect(answer.status, note).toBe(c.status);
    if (method === 'HEAD') {
      expect(answer.text, 'a HEAD answer has no body').toBe('');
      return;
    }
    if (c.answeredByFramework) {
      expect(answer.text, 'the framework answers before our code: no body of ours').not.toContain('"error"');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      body = undefined;
    }
    expect(body, note).toEqual({ error: { code: answer.status, message: expect.any(String), status: expect.stringMatching(/^[A-Z_]+$/) } });
    const { message } = (body as { error: { message: string } }).error;
    expect(message.trim().length, 'the message says why').toBeGreaterThan(0);
    if (c.mentions) expect(message, note).toContain(c.mentions);
  });
});

describe('absurd but valid page sizes are lowered, not refused (AIP-158)', () => {
  it.each(['1001', '999999999999', '000000000001', '0'])('serves pageSize=%s with at most 1000 conversations', async (size) => {
    const answer = await getJson(`${LIST}?pageSize=${size}`);
    expect(answer.status).toBe(200);
    expect((answer.body['conversations'] as unknown[]).length).toBeLessThanOrEqual(1_000);
  });
});

describe('pages are bounded in bytes, and still serve every item once', () => {
  it('pages 50 messages of 600 000 characters at pageSize=50 in answers under MAX_PAGE_BYTES (once one answer of 30 MB)', async () => {
    // A project of its own: the corpus's counts of conversations stay as they are.
    const big = `projects/${uniqueProject()}/locations/global/conversations/CvBig`;
    expect((await post('/ingestLifecycleEvents', makePushBody(lifecycleEvent(big, 'CONVERSATION_STARTED')))).status).toBe(200);
    const ids = Array.from({ length: 50 }, (_, i) => `B${String(i).padStart(2, '0')}`);
    // Five at a time: the embedded emulator takes gRPC messages of up to 4 MiB.
    for (let start = 0; start < ids.length; start += 5) {
      const slice = ids.slice(start, start + 5).map((id, i) => ({ id, createTime: new Date(Date.UTC(2026, 10, 5) + (start + i) * 1000).toISOString(), role: 'END_USER', content: `${id} ${'c'.repeat(600_000)}` }));
      await seedMessages(testFirestore(), big, slice);
    }
    const served: string[] = [];
    const answerBytes: number[] = [];
    let pageToken = '';
    for (let page = 0; page < 60; page++) {
      const response = await fetch(`${baseUrl()}/v2/${big}/messages?pageSize=50${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`);
      const text = await response.text();
      expect(response.status, text.slice(0, 300)).toBe(200);
      answerBytes.push(Buffer.byteLength(text));
      const body = JSON.parse(text) as { messages?: Array<{ name: string }>; nextPageToken?: string };
      served.push(...(body.messages ?? []).map((m) => m.name));
      pageToken = body.nextPageToken ?? '';
      if (!pageToken) break;
    }
    expect(pageToken, 'paging ended').toBe('');
    expect(served).toEqual([...ids].reverse().map((id) => `${big}/messages/${id}`));
    // 8 MiB of items (13 of these), names and a token beside them.
    expect(Math.max(...answerBytes)).toBeLessThanOrEqual(MAX_PAGE_BYTES + 64 * 1024);
    expect(answerBytes.length).toBe(4);
  }, 120_000);
});

describe('the corpus', () => {
  it('holds at least 100 hostile requests, each with its own name', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.title)).size).toBe(cases.length);
  });

  it('leaves the API serving afterwards', async () => {
    const answer = await getJson(`${MESSAGES_A}?pageSize=2`);
    expect(answer.status).toBe(200);
    expect((answer.body['messages'] as Array<{ name: string }>).map((m) => m.name)).toEqual([`${A}/messages/M3`, `${A}/messages/M2`]);
  });
});
