import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCATION,
  SAFE_ID,
  formatConversationName,
  parseConversationName,
  parseMessageName,
  parseParentName,
} from '../../../shared/domain/resourceNames';

const id128 = `a${'b'.repeat(127)}`;
const id129 = `a${'b'.repeat(128)}`;

/** Names that must never be accepted as one segment: each would be unsafe or ambiguous as a Firestore document id. */
const badSegments = [
  { name: '..', segment: '..' },
  { name: '.', segment: '.' },
  { name: 'a percent-encoded slash', segment: 'a%2Fb' },
  { name: 'percent-encoded dots', segment: '%2E%2E' },
  { name: 'a reserved __x__ id', segment: '__x__' },
  { name: 'a leading underscore', segment: '_x' },
  { name: 'a leading dash', segment: '-x' },
  { name: 'a leading dot', segment: '.hidden' },
  { name: 'a 129-character id', segment: id129 },
  { name: 'a non-ASCII letter', segment: 'café' },
  { name: 'a right-to-left override', segment: 'a\u202Eb' },
  { name: 'a space', segment: 'a b' },
  { name: 'a newline', segment: 'ab\n' },
  { name: 'a backslash', segment: 'a\\b' },
  { name: 'a question mark', segment: 'a?b' },
  { name: 'a hash', segment: 'a#b' },
  { name: 'an empty id', segment: '' },
];

describe('parseConversationName', () => {
  const accepted = [
    {
      name: 'accepts a conversation name with /locations/',
      input: 'projects/p-1/locations/us-central1/conversations/c1',
      expected: { project: 'p-1', location: 'us-central1', conversationId: 'c1', name: 'projects/p-1/locations/us-central1/conversations/c1' },
    },
    {
      name: 'accepts a conversation name without /locations/ as global',
      input: 'projects/p-1/conversations/c1',
      expected: { project: 'p-1', location: 'global', conversationId: 'c1', name: 'projects/p-1/locations/global/conversations/c1' },
    },
    {
      name: 'accepts ids with dots, underscores, colons, tildes and dashes inside',
      input: 'projects/my.project:x/locations/eu~1/conversations/a.b_c:d~e-f',
      expected: { project: 'my.project:x', location: 'eu~1', conversationId: 'a.b_c:d~e-f', name: 'projects/my.project:x/locations/eu~1/conversations/a.b_c:d~e-f' },
    },
    {
      name: 'accepts a 128-character conversation id',
      input: `projects/p/conversations/${id128}`,
      expected: { project: 'p', location: 'global', conversationId: id128, name: `projects/p/locations/global/conversations/${id128}` },
    },
  ];
  it.each(accepted)('$name', ({ input, expected }) => {
    expect(parseConversationName(input)).toEqual(expected);
  });

  it('gives the same canonical name with and without /locations/global/', () => {
    const short = parseConversationName('projects/p/conversations/c1');
    const long = parseConversationName('projects/p/locations/global/conversations/c1');
    expect(short).toBeDefined();
    expect(short).toEqual(long);
  });

  it('gives different canonical names for different locations', () => {
    expect(parseConversationName('projects/p/locations/eu/conversations/c1')?.name).not.toBe(
      parseConversationName('projects/p/conversations/c1')?.name,
    );
  });

  const malformed = [
    { name: 'rejects the empty string', input: '' },
    { name: 'rejects a parent name', input: 'projects/p' },
    { name: 'rejects a name without projects/', input: 'conversations/c1' },
    { name: 'rejects a capitalized collection', input: 'Projects/p/conversations/c1' },
    { name: 'rejects an empty project', input: 'projects//conversations/c1' },
    { name: 'rejects an empty location', input: 'projects/p/locations//conversations/c1' },
    { name: 'rejects an empty conversation id', input: 'projects/p/conversations/' },
    { name: 'rejects a trailing slash', input: 'projects/p/conversations/c1/' },
    { name: 'rejects a leading slash', input: '/projects/p/conversations/c1' },
    { name: 'rejects a doubled slash', input: 'projects/p//conversations/c1' },
    { name: 'rejects a conversation id with a slash in it', input: 'projects/p/conversations/a/b' },
    { name: 'rejects a message name', input: 'projects/p/conversations/c1/messages/m1' },
    { name: 'rejects a full URL', input: 'https://dialogflow.googleapis.com/v2/projects/p/conversations/c1' },
    { name: 'rejects a location without its collection name', input: 'projects/p/global/conversations/c1' },
  ];
  it.each(malformed)('$name', ({ input }) => {
    expect(parseConversationName(input)).toBeUndefined();
  });

  const tricks = badSegments.flatMap(({ name, segment }) => [
    { name: `rejects ${name} as project`, input: `projects/${segment}/conversations/c1` },
    { name: `rejects ${name} as location`, input: `projects/p/locations/${segment}/conversations/c1` },
    { name: `rejects ${name} as conversation id`, input: `projects/p/conversations/${segment}` },
  ]);
  it.each(tricks)('$name', ({ input }) => {
    expect(parseConversationName(input)).toBeUndefined();
  });
});

describe('parseMessageName', () => {
  const accepted = [
    {
      name: 'accepts a message name with /locations/',
      input: 'projects/p/locations/eu/conversations/c1/messages/m1',
      expected: { project: 'p', location: 'eu', conversationId: 'c1', messageId: 'm1', name: 'projects/p/locations/eu/conversations/c1' },
    },
    {
      name: 'accepts a message name without /locations/ as global, naming the canonical conversation',
      input: 'projects/p/conversations/c1/messages/m1',
      expected: { project: 'p', location: 'global', conversationId: 'c1', messageId: 'm1', name: 'projects/p/locations/global/conversations/c1' },
    },
  ];
  it.each(accepted)('$name', ({ input, expected }) => {
    expect(parseMessageName(input)).toEqual(expected);
  });

  const rejected = [
    { name: 'rejects a conversation name', input: 'projects/p/conversations/c1' },
    { name: 'rejects an empty message id', input: 'projects/p/conversations/c1/messages/' },
    { name: 'rejects a trailing slash', input: 'projects/p/conversations/c1/messages/m1/' },
    { name: 'rejects a participant name', input: 'projects/p/conversations/c1/participants/m1' },
    { name: 'rejects a message name with an extra segment', input: 'projects/p/conversations/c1/messages/m1/x' },
    ...badSegments.map(({ name, segment }) => ({ name: `rejects ${name} as message id`, input: `projects/p/conversations/c1/messages/${segment}` })),
  ];
  it.each(rejected)('$name', ({ input }) => {
    expect(parseMessageName(input)).toBeUndefined();
  });
});

describe('parseParentName', () => {
  const cases = [
    { name: 'accepts a project as the global location', input: 'projects/p', expected: { project: 'p', location: 'global' } },
    { name: 'accepts a project and location', input: 'projects/p/locations/eu', expected: { project: 'p', location: 'eu' } },
    { name: 'rejects a trailing slash', input: 'projects/p/', expected: undefined },
    { name: 'rejects a bare collection', input: 'projects', expected: undefined },
    { name: 'rejects locations without a location', input: 'projects/p/locations', expected: undefined },
    { name: 'rejects an empty location', input: 'projects/p/locations/', expected: undefined },
    { name: 'rejects a path trick as project', input: 'projects/../x', expected: undefined },
    { name: 'rejects a reserved id as location', input: 'projects/p/locations/__x__', expected: undefined },
    { name: 'rejects a conversation name', input: 'projects/p/conversations/c1', expected: undefined },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(parseParentName(input)).toEqual(expected);
  });
});

describe('formatConversationName and SAFE_ID', () => {
  it('formats the canonical name, always with the location', () => {
    expect(formatConversationName({ project: 'p', location: DEFAULT_LOCATION }, 'c1')).toBe('projects/p/locations/global/conversations/c1');
  });

  const ids = [
    { name: 'accepts a numeric Pub/Sub message id', input: '17012345678901234', expected: true },
    { name: 'accepts a 128-character id', input: id128, expected: true },
    ...badSegments.map(({ name, segment }) => ({ name: `rejects ${name}`, input: segment, expected: false })),
  ];
  it.each(ids)('$name', ({ input, expected }) => {
    expect(SAFE_ID.test(input)).toBe(expected);
  });
});
