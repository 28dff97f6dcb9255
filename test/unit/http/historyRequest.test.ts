import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, parseHistoryRequest, readResponseFormat, type ParsedHistoryRequest } from '../../../shared/http/historyRequest';

const parent = (project: string, location = 'global') => ({ project, location });
const conversation = (project: string, conversationId: string, location = 'global') => ({
  project,
  location,
  conversationId,
  name: `projects/${project}/locations/${location}/conversations/${conversationId}`,
});

const list = (project: string, location = 'global', params = {}, enumsAsNumbers = false): ParsedHistoryRequest => ({
  route: { kind: 'listConversations', parent: parent(project, location), params },
  enumsAsNumbers,
});
const get = (project: string, id: string, location = 'global', enumsAsNumbers = false): ParsedHistoryRequest => ({
  route: { kind: 'get', conversation: conversation(project, id, location) },
  enumsAsNumbers,
});
const messages = (project: string, id: string, location = 'global', params = {}, enumsAsNumbers = false): ParsedHistoryRequest => ({
  route: { kind: 'listMessages', conversation: conversation(project, id, location), params },
  enumsAsNumbers,
});

const participants = (project: string, id: string, location = 'global', params = {}): ParsedHistoryRequest => ({
  route: { kind: 'listParticipants', conversation: conversation(project, id, location), params },
  enumsAsNumbers: false,
});
const participant = (project: string, id: string, participantId: string, location = 'global', enumsAsNumbers = false): ParsedHistoryRequest => ({
  route: { kind: 'getParticipant', conversation: conversation(project, id, location), participantId },
  enumsAsNumbers,
});

describe('parseHistoryRequest', () => {
  const routes: Array<{ name: string; input: string; expected: ParsedHistoryRequest }> = [
    { name: 'v2 conversation list without a location', input: '/v2/projects/p/conversations', expected: list('p') },
    { name: 'v2 conversation list with a location', input: '/v2/projects/p/locations/us-central1/conversations', expected: list('p', 'us-central1') },
    { name: 'v2beta1 conversation list without a location', input: '/v2beta1/projects/p/conversations', expected: list('p') },
    { name: 'v2beta1 conversation list with the global location', input: '/v2beta1/projects/p/locations/global/conversations', expected: list('p') },
    { name: 'v2 conversation get without a location', input: '/v2/projects/p/conversations/Cv1', expected: get('p', 'Cv1') },
    { name: 'v2 conversation get with a location', input: '/v2/projects/p/locations/europe-west1/conversations/Cv1', expected: get('p', 'Cv1', 'europe-west1') },
    { name: 'v2beta1 conversation get', input: '/v2beta1/projects/p/conversations/Cv1', expected: get('p', 'Cv1') },
    { name: 'v2 message list without a location', input: '/v2/projects/p/conversations/Cv1/messages', expected: messages('p', 'Cv1') },
    { name: 'v2beta1 message list with a location', input: '/v2beta1/projects/p/locations/us/conversations/Cv1/messages', expected: messages('p', 'Cv1', 'us') },
    { name: 'v2 participant list without a location', input: '/v2/projects/p/conversations/Cv1/participants', expected: participants('p', 'Cv1') },
    { name: 'v2beta1 participant list with a location and paging', input: '/v2beta1/projects/p/locations/us/conversations/Cv1/participants?pageSize=1&page_token=t', expected: participants('p', 'Cv1', 'us', { pageSize: '1', pageToken: 't' }) },
    { name: 'v2 participant get with a location', input: '/v2/projects/p/locations/global/conversations/Cv1/participants/P1', expected: participant('p', 'Cv1', 'P1') },
    { name: 'v2beta1 participant get, enums as numbers', input: '/v2beta1/projects/p/conversations/Cv1/participants/P1?$alt=json;enum-encoding=int', expected: participant('p', 'Cv1', 'P1', 'global', true) },
    { name: 'a domain-scoped project id', input: '/v2/projects/example.com:proj/conversations', expected: list('example.com:proj') },
    { name: 'a percent-encoded id is decoded', input: '/v2/projects/p/conversations/%43v1', expected: get('p', 'Cv1') },
    { name: 'an empty query string', input: '/v2/projects/p/conversations?', expected: list('p') },
    {
      name: 'pageSize, pageToken and filter on a conversation list',
      input: '/v2/projects/p/conversations?pageSize=10&pageToken=abc-_&filter=lifecycle_state%20%3D%20COMPLETED',
      expected: list('p', 'global', { pageSize: '10', pageToken: 'abc-_', filter: 'lifecycle_state = COMPLETED' }),
    },
    {
      name: 'proto names page_size and page_token on a message list',
      input: '/v2/projects/p/conversations/Cv1/messages?page_size=5&page_token=t',
      expected: messages('p', 'Cv1', 'global', { pageSize: '5', pageToken: 't' }),
    },
    {
      name: 'a plus in the query is a space',
      input: '/v2/projects/p/conversations/Cv1/messages?filter=create_time+%3E+%222026-01-01T00:00:00Z%22',
      expected: messages('p', 'Cv1', 'global', { filter: 'create_time > "2026-01-01T00:00:00Z"' }),
    },
    {
      name: 'an unencoded filter',
      input: '/v2/projects/p/conversations?filter=lifecycle_state=COMPLETED',
      expected: list('p', 'global', { filter: 'lifecycle_state=COMPLETED' }),
    },
    { name: 'an empty pageSize value is kept empty', input: '/v2/projects/p/conversations?pageSize=', expected: list('p', 'global', { pageSize: '' }) },
    { name: 'a percent-encoded parameter name', input: '/v2/projects/p/conversations?page%53ize=3', expected: list('p', 'global', { pageSize: '3' }) },
    { name: '$alt=json;enum-encoding=int asks for numbers', input: '/v2/projects/p/conversations/Cv1?$alt=json;enum-encoding=int', expected: get('p', 'Cv1', 'global', true) },
    { name: 'a URL-encoded $alt asks for numbers', input: '/v2/projects/p/conversations/Cv1?%24alt=json%3Benum-encoding%3Dint', expected: get('p', 'Cv1', 'global', true) },
    { name: 'alt without $ asks for numbers', input: '/v2/projects/p/conversations/Cv1?alt=json;enum-encoding=int', expected: get('p', 'Cv1', 'global', true) },
    { name: 'spaces around enum-encoding are allowed', input: '/v2/projects/p/conversations/Cv1?$alt=json%3B%20enum-encoding%20%3D%20int', expected: get('p', 'Cv1', 'global', true) },
    { name: 'enum-encoding first', input: '/v2/projects/p/conversations/Cv1?$alt=enum-encoding=int;json', expected: get('p', 'Cv1', 'global', true) },
    { name: '$alt=json alone keeps names', input: '/v2/projects/p/conversations/Cv1?$alt=json', expected: get('p', 'Cv1') },
    { name: 'another enum encoding keeps names', input: '/v2/projects/p/conversations/Cv1?$alt=json;enum-encoding=integer', expected: get('p', 'Cv1') },
    { name: 'enum-encoding outside $alt keeps names', input: '/v2/projects/p/conversations/Cv1?$quotaUser=enum-encoding=int', expected: get('p', 'Cv1') },
    {
      name: 'enum-encoding with list parameters on a message list',
      input: '/v2/projects/p/conversations/Cv1/messages?pageSize=2&$alt=json;enum-encoding=int',
      expected: messages('p', 'Cv1', 'global', { pageSize: '2' }, true),
    },
    {
      name: 'other $ parameters are ignored',
      input: '/v2/projects/p/conversations?$prettyPrint=false&$unknown=1&$callback=x',
      expected: list('p'),
    },
    {
      name: 'every standard system parameter of the discovery document is accepted, oauth_token among them',
      input: '/v2/projects/p/conversations/Cv1?prettyPrint=false&key=k&quotaUser=q&access_token=t&oauth_token=o&callback=c&upload_protocol=u&uploadType=u&alt=json&$.xgafv=2',
      expected: get('p', 'Cv1'),
    },
    {
      name: 'fields, in its $ form too, is a selection of the answer',
      input: '/v2/projects/p/conversations?$fields=conversations.name',
      expected: { ...list('p'), fields: new Map([['conversations', new Map([['name', true]])]]) },
    },
    {
      name: 'fields given twice selects what either selects',
      input: '/v2/projects/p/conversations/Cv1/messages?fields=messages(name)&fields=nextPageToken&$alt=json&$alt=json;enum-encoding=int',
      expected: { ...messages('p', 'Cv1', 'global', {}, true), fields: new Map<string, unknown>([['messages', new Map([['name', true]])], ['nextPageToken', true]]) } as ParsedHistoryRequest,
    },
  ];

  it.each(routes)('routes $name', ({ input, expected }) => {
    expect(parseHistoryRequest('GET', input)).toStrictEqual({ ok: true, request: expected });
  });

  it.each([
    ['/v2/projects/p/locations/europe-west3/conversations/Cv1', 'europe-west3'],
    ['/v2beta1/projects/p/locations/europe-west3/conversations/Cv1', 'europe-west3'],
    ['/v2/projects/p/conversations/Cv1', 'global'],
    ['/v2beta1/projects/p/conversations/Cv1', 'global'],
  ])('routes DELETE %s to the erasure of that conversation, in every spelling and version', (url, location) => {
    expect(parseHistoryRequest('DELETE', url)).toStrictEqual({ ok: true, request: { route: { kind: 'erase', conversation: conversation('p', 'Cv1', location) }, enumsAsNumbers: false } });
  });

  it.each(['/v2/projects/p/conversations', '/v2beta1/projects/p/locations/us/conversations/Cv1', '/v2/projects/p/conversations/Cv1/messages?pageSize=2'])(
    'routes HEAD %s as GET',
    (url) => {
      expect(parseHistoryRequest('HEAD', url)).toStrictEqual(parseHistoryRequest('GET', url));
      expect(parseHistoryRequest('HEAD', url).ok).toBe(true);
    },
  );

  it.each([
    { url: '/v2/projects/p/conversations', expected: { pretty: false, errorFormat: 2 } },
    { url: '/v2/projects/p/conversations?prettyPrint=true', expected: { pretty: true, errorFormat: 2 } },
    { url: '/v2/projects/p/conversations?$prettyPrint=1&$.xgafv=1', expected: { pretty: true, errorFormat: 1 } },
    { url: '/v2/projects/p/conversations?prettyPrint=0&%24.xgafv=2', expected: { pretty: false, errorFormat: 2 } },
    { url: '/nowhere?prettyPrint=yes&$.xgafv=1', expected: { pretty: false, errorFormat: 1 } },
  ])('reads how to answer $url', ({ url, expected }) => {
    expect(readResponseFormat(url)).toStrictEqual(expected);
  });

  it('accepts a URL of exactly the maximum length', () => {
    const base = '/v2/projects/p/conversations?filter=';
    const url = base + 'a'.repeat(MAX_URL_LENGTH - base.length);
    expect(url.length).toBe(8_192);
    expect(parseHistoryRequest('GET', url)).toMatchObject({ ok: true, request: { route: { kind: 'listConversations', params: { filter: 'a'.repeat(8_192 - base.length) } } } });
  });

  const refused: Array<{ name: string; input: { method?: string; url: string }; expected: { status: 400 | 404 | 501; message: RegExp } }> = [
    { name: 'an unknown parameter on a list, by name', input: { url: '/v2/projects/p/conversations?foo=1' }, expected: { status: 400, message: /Unknown query parameter 'foo'; this method takes pageSize, pageToken and filter/ } },
    { name: 'an unknown parameter on a message list', input: { url: '/v2/projects/p/conversations/Cv1/messages?orderBy=x' }, expected: { status: 400, message: /'orderBy'/ } },
    { name: 'a misspelled parameter', input: { url: '/v2/projects/p/conversations?pagesize=1' }, expected: { status: 400, message: /'pagesize'/ } },
    { name: 'pageSize on a get', input: { url: '/v2/projects/p/conversations/Cv1?pageSize=1' }, expected: { status: 400, message: /Unknown query parameter 'pageSize'; this method takes none/ } },
    { name: 'filter on a get', input: { url: '/v2/projects/p/conversations/Cv1?filter=x' }, expected: { status: 400, message: /'filter'/ } },
    { name: 'a duplicate pageSize', input: { url: '/v2/projects/p/conversations?pageSize=1&pageSize=2' }, expected: { status: 400, message: /pageSize is given more than once/ } },
    { name: 'pageSize and page_size together', input: { url: '/v2/projects/p/conversations?pageSize=1&page_size=1' }, expected: { status: 400, message: /pageSize is given more than once/ } },
    { name: 'a duplicate filter', input: { url: '/v2/projects/p/conversations/Cv1/messages?filter=a&filter=b' }, expected: { status: 400, message: /filter is given more than once/ } },
    { name: 'pageToken and page_token together', input: { url: '/v2/projects/p/conversations?pageToken=a&page_token=a' }, expected: { status: 400, message: /pageToken is given more than once/ } },
    { name: 'POST', input: { method: 'POST', url: '/v2/projects/p/conversations' }, expected: { status: 501, message: /Method POST is not implemented/ } },
    { name: 'PUT', input: { method: 'PUT', url: '/v2/projects/p/conversations/Cv1' }, expected: { status: 404, message: /No method of the history API serves PUT/ } },
    { name: 'DELETE of the conversations of a parent', input: { method: 'DELETE', url: '/v2/projects/p/locations/global/conversations' }, expected: { status: 400, message: /DELETE erases one conversation/ } },
    { name: "DELETE of a conversation's messages", input: { method: 'DELETE', url: '/v2/projects/p/conversations/Cv1/messages' }, expected: { status: 400, message: /npm run erase erases many/ } },
    { name: 'PATCH', input: { method: 'PATCH', url: '/v2/projects/p/conversations/Cv1' }, expected: { status: 404, message: /serves PATCH/ } },
    { name: 'OPTIONS', input: { method: 'OPTIONS', url: '/v2/projects/p/conversations' }, expected: { status: 404, message: /reads \(GET\) and erases \(DELETE\)/ } },
    { name: 'an invalid fields expression, as Google does', input: { url: '/v2/projects/p/conversations?fields=conversations(name' }, expected: { status: 400, message: /Invalid field selection in the fields parameter: '\)' is expected at character 19/ } },
    { name: 'an empty fields expression', input: { url: '/v2/projects/p/conversations/Cv1?fields=' }, expected: { status: 400, message: /fields parameter is empty/ } },
    { name: 'a prettyPrint that is no boolean', input: { url: '/v2/projects/p/conversations/Cv1?prettyPrint=yes' }, expected: { status: 400, message: /prettyPrint must be true, false, 1 or 0/ } },
    { name: 'an error format that does not exist', input: { url: '/v2/projects/p/conversations/Cv1?$.xgafv=3' }, expected: { status: 400, message: /\$\.xgafv must be 1 or 2/ } },
    { name: 'a batch request (the discovery document\'s batchPath)', input: { method: 'POST', url: '/batch' }, expected: { status: 501, message: /Batch requests are not implemented/ } },
    { name: 'a batch request on an API-specific batch path', input: { method: 'POST', url: '/batch/dialogflow/v2?x=1' }, expected: { status: 501, message: /Batch requests are not implemented/ } },
    { name: 'GET of the batch path', input: { url: '/batch' }, expected: { status: 404, message: /No method/ } },
    { name: 'POST to an unknown path', input: { method: 'POST', url: '/nowhere' }, expected: { status: 501, message: /POST/ } },
    { name: 'a long method name, shortened', input: { method: 'X'.repeat(100), url: '/v2/projects/p/conversations' }, expected: { status: 404, message: /serves X{20}:/ } },
    { name: "a '..' segment after the conversations", input: { url: '/v2/projects/p/conversations/../conversations/Cv1' }, expected: { status: 404, message: /No method of the history API serves/ } },
    { name: "a '..' segment in place of the messages", input: { url: '/v2/projects/p/conversations/Cv1/../Cv2' }, expected: { status: 404, message: /No method/ } },
    { name: "'..' as the conversation id", input: { url: '/v2/projects/p/conversations/..' }, expected: { status: 400, message: /is not a valid conversation name/ } },
    { name: "'..' as the project", input: { url: '/v2/projects/../conversations' }, expected: { status: 400, message: /is not a valid parent/ } },
    { name: "'.' as the location", input: { url: '/v2/projects/p/locations/./conversations' }, expected: { status: 400, message: /is not a valid parent/ } },
    { name: "a percent-encoded '..' id", input: { url: '/v2/projects/p/conversations/%2E%2E' }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: "a '%2F' in a conversation id", input: { url: '/v2/projects/p/conversations/a%2Fb' }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: "a lower-case '%2f' in a message list's conversation id", input: { url: '/v2/projects/p/conversations/a%2fb/messages' }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: "a '%2F' in the project", input: { url: '/v2/projects/p%2Fconversations%2Fx/conversations' }, expected: { status: 400, message: /not a valid parent/ } },
    { name: "a '%2F' in the location", input: { url: '/v2/projects/p/locations/a%2Fb/conversations/Cv1' }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: 'an invalid percent-encoding', input: { url: '/v2/projects/p/conversations/%E0%A4%A' }, expected: { status: 400, message: /invalid percent-encoding/ } },
    { name: 'a lone percent sign', input: { url: '/v2/projects/p/conversations/Cv%' }, expected: { status: 400, message: /invalid percent-encoding/ } },
    { name: 'an encoded lone surrogate', input: { url: '/v2/projects/p%ED%A0%80/conversations' }, expected: { status: 400, message: /invalid percent-encoding/ } },
    { name: 'an encoded NUL in an id', input: { url: '/v2/projects/p/conversations/Cv1%00' }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: 'an id starting with an underscore', input: { url: '/v2/projects/p/conversations/__reserved__' }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: 'an id longer than 128 characters', input: { url: `/v2/projects/p/conversations/${'a'.repeat(129)}` }, expected: { status: 400, message: /not a valid conversation name/ } },
    { name: 'the root', input: { url: '/' }, expected: { status: 404, message: /serves \// } },
    { name: 'a version alone', input: { url: '/v2' }, expected: { status: 404, message: /No method/ } },
    { name: 'an unknown version', input: { url: '/v3/projects/p/conversations' }, expected: { status: 404, message: /No method/ } },
    { name: 'an upper-case version', input: { url: '/V2/projects/p/conversations' }, expected: { status: 404, message: /No method/ } },
    { name: 'a project alone', input: { url: '/v2/projects/p' }, expected: { status: 404, message: /No method/ } },
    { name: 'an empty project', input: { url: '/v2/projects//conversations' }, expected: { status: 404, message: /No method/ } },
    { name: 'a trailing slash', input: { url: '/v2/projects/p/conversations/' }, expected: { status: 404, message: /No method/ } },
    { name: 'a double leading slash', input: { url: '//v2/projects/p/conversations' }, expected: { status: 404, message: /No method/ } },
    { name: 'a single message', input: { url: '/v2/projects/p/conversations/Cv1/messages/m1' }, expected: { status: 404, message: /No method/ } },
    { name: 'a filter on participants.list, which takes none', input: { url: '/v2/projects/p/conversations/Cv1/participants?filter=x' }, expected: { status: 400, message: /takes pageSize and pageToken/ } },
    { name: 'list parameters on participants.get', input: { url: '/v2/projects/p/conversations/Cv1/participants/P1?pageSize=1' }, expected: { status: 400, message: /takes none/ } },
    { name: 'a participant id that is no document id', input: { url: '/v2/projects/p/conversations/Cv1/participants/__x__' }, expected: { status: 400, message: /not a valid participant name/ } },
    { name: 'DELETE of a participant', input: { method: 'DELETE', url: '/v2/projects/p/conversations/Cv1/participants/P1' }, expected: { status: 400, message: /DELETE erases one conversation/ } },
    { name: 'a participant below a participant', input: { url: '/v2/projects/p/conversations/Cv1/participants/P1/x' }, expected: { status: 404, message: /No method/ } },
    { name: "a participant's custom method", input: { url: '/v2/projects/p/conversations/Cv1/participants/P1:analyzeContent' }, expected: { status: 404, message: /No method/ } },
    { name: 'a custom method on the collection', input: { url: '/v2/projects/p/conversations:search' }, expected: { status: 404, message: /No method/ } },
    { name: 'locations without a location', input: { url: '/v2/projects/p/locations/conversations' }, expected: { status: 404, message: /No method/ } },
    { name: 'a URL over the maximum length', input: { url: `/v2/projects/p/conversations?filter=${'a'.repeat(MAX_URL_LENGTH)}` }, expected: { status: 400, message: /at most 8192 are accepted/ } },
    { name: 'a URL one character over the maximum length', input: { url: `/v2/projects/p/conversations?filter=${'a'.repeat(MAX_URL_LENGTH - 35)}` }, expected: { status: 400, message: /8193 characters long/ } },
    { name: 'a long unknown path, shown shortened', input: { url: `/x${'y'.repeat(1000)}` }, expected: { status: 404, message: /^No method of the history API serves \/xy{198}$/ } },
  ];

  it.each(refused)('refuses $name', ({ input, expected }) => {
    const result = parseHistoryRequest(input.method ?? 'GET', input.url);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.status).toBe(expected.status);
    expect(result.refusal.status).toBeGreaterThanOrEqual(400);
    // 501 only for POST (a Dialogflow method, or a batch, this read-only API does not implement).
    expect(result.refusal.status < 500 || (result.refusal.status === 501 && (input.method ?? 'GET') === 'POST')).toBe(true);
    expect(result.refusal.message).toMatch(expected.message);
  });
});
