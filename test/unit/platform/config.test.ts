import { describe, expect, it } from 'vitest';
import { GOOGLE_CERTS_URL } from '../../../shared/platform/idTokens';
import { ConfigError, EMULATOR_PAGE_TOKEN_SECRET, EMULATOR_PROJECT_ID, loadConfig, unverifiedOutsideEmulator, type Config } from '../../../shared/platform/config';

const DEFAULTS: Config = {
  projectId: undefined,
  databaseId: '(default)',
  emulatorHost: undefined,
  firestoreDeadlineMs: 10_000,
  maxPushBodyBytes: 921_600,
  logLevel: 'INFO',
  servedProjects: [],
  pageTokenSecret: undefined,
  retentionDays: 0,
  auth: { allowedEmails: [], audiences: [], certsUrl: GOOGLE_CERTS_URL },
  corsAllowedOrigins: [],
  erasureAllowedEmails: [],
  erasureUrl: undefined,
  dialogflowLocation: 'global',
  knownConversationsCapacity: 50_000,
  reconcile: { parents: [], concurrency: 32, budgetMs: 40_000, qps: 50, apiEndpoint: undefined },
};

const VARIABLES = [
  'GOOGLE_CLOUD_PROJECT',
  'FIRESTORE_DATABASE_ID',
  'FIRESTORE_EMULATOR_HOST',
  'FIRESTORE_DEADLINE_MS',
  'MAX_PUSH_BODY_BYTES',
  'RETENTION_DAYS',
  'LOG_LEVEL',
  'DIALOGFLOW_LOCATION',
  'SERVED_PROJECTS',
  'PAGE_TOKEN_SECRET',
  'AUTH_ALLOWED_EMAILS',
  'AUTH_AUDIENCES',
  'AUTH_CERTS_URL',
  'CORS_ALLOWED_ORIGINS',
  'ERASURE_ALLOWED_EMAILS',
  'RECONCILE_PARENTS',
  'RECONCILE_CONCURRENCY',
  'RECONCILE_BUDGET_SECONDS',
  'DIALOGFLOW_QPS',
  'DIALOGFLOW_API_ENDPOINT',
  'ERASURE_URL',
];

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  const accepted: Array<{ name: string; env: Record<string, string | undefined>; expected: Config }> = [
    { name: 'uses the defaults when nothing is set', env: {}, expected: DEFAULTS },
    { name: 'ignores variables it does not read', env: { PATH: '/usr/bin', HOME: '/root' }, expected: DEFAULTS },
    { name: 'treats undefined values as unset', env: { LOG_LEVEL: undefined, FIRESTORE_DEADLINE_MS: undefined }, expected: DEFAULTS },
    {
      name: 'serves the configured project by default',
      env: { GOOGLE_CLOUD_PROJECT: 'my-project' },
      expected: { ...DEFAULTS, projectId: 'my-project', servedProjects: ['my-project'] },
    },
    {
      name: 'uses the emulator project, every project and the local page token secret against an emulator',
      env: { FIRESTORE_EMULATOR_HOST: 'localhost:8080' },
      expected: { ...DEFAULTS, projectId: EMULATOR_PROJECT_ID, emulatorHost: 'localhost:8080', servedProjects: '*', pageTokenSecret: EMULATOR_PAGE_TOKEN_SECRET },
    },
    {
      name: 'accepts an IPv6 emulator host',
      env: { FIRESTORE_EMULATOR_HOST: '[::1]:8080', GOOGLE_CLOUD_PROJECT: 'demo-x' },
      expected: { ...DEFAULTS, projectId: 'demo-x', emulatorHost: '[::1]:8080', servedProjects: '*', pageTokenSecret: EMULATOR_PAGE_TOKEN_SECRET },
    },
    {
      name: 'reads every setting',
      env: {
        GOOGLE_CLOUD_PROJECT: 'my-project',
        FIRESTORE_DATABASE_ID: 'history-db',
        FIRESTORE_DEADLINE_MS: '2500',
        MAX_PUSH_BODY_BYTES: '4096',
        LOG_LEVEL: 'DEBUG',
        SERVED_PROJECTS: 'proj-a,proj-b',
        PAGE_TOKEN_SECRET: 's'.repeat(32),
        RETENTION_DAYS: '400',
        RECONCILE_PARENTS: 'projects/my-project/locations/global,projects/my-project/locations/europe-west3',
        RECONCILE_CONCURRENCY: '64',
        RECONCILE_BUDGET_SECONDS: '240',
        DIALOGFLOW_QPS: '400',
        DIALOGFLOW_API_ENDPOINT: 'http://127.0.0.1:8090',
      },
      expected: {
        projectId: 'my-project',
        databaseId: 'history-db',
        emulatorHost: undefined,
        firestoreDeadlineMs: 2500,
        maxPushBodyBytes: 4096,
        logLevel: 'DEBUG',
        servedProjects: ['proj-a', 'proj-b'],
        pageTokenSecret: 's'.repeat(32),
        retentionDays: 400,
        auth: { allowedEmails: [], audiences: [], certsUrl: GOOGLE_CERTS_URL },
        corsAllowedOrigins: [],
        erasureAllowedEmails: [],
        erasureUrl: undefined,
        dialogflowLocation: 'global',
        knownConversationsCapacity: 50_000,
        reconcile: {
          parents: ['projects/my-project/locations/global', 'projects/my-project/locations/europe-west3'],
          concurrency: 64,
          budgetMs: 240_000,
          qps: 400,
          apiEndpoint: 'http://127.0.0.1:8090',
        },
      },
    },
    { name: 'takes the location of names without one from DIALOGFLOW_LOCATION', env: { DIALOGFLOW_LOCATION: 'europe-west3' }, expected: { ...DEFAULTS, dialogflowLocation: 'europe-west3' } },
    { name: 'accepts * as every served project', env: { SERVED_PROJECTS: '*' }, expected: { ...DEFAULTS, servedProjects: '*' } },
    { name: 'accepts the smallest deadline', env: { FIRESTORE_DEADLINE_MS: '100' }, expected: { ...DEFAULTS, firestoreDeadlineMs: 100 } },
    { name: 'accepts the largest deadline', env: { FIRESTORE_DEADLINE_MS: '120000' }, expected: { ...DEFAULTS, firestoreDeadlineMs: 120_000 } },
    { name: 'accepts the smallest body limit', env: { MAX_PUSH_BODY_BYTES: '1024' }, expected: { ...DEFAULTS, maxPushBodyBytes: 1024 } },
    { name: 'accepts the largest body limit', env: { MAX_PUSH_BODY_BYTES: '1000000' }, expected: { ...DEFAULTS, maxPushBodyBytes: 1_000_000 } },
    { name: 'treats a whitespace-only number as unset', env: { FIRESTORE_DEADLINE_MS: '   ' }, expected: DEFAULTS },
  ];
  it.each(accepted)('$name', ({ env, expected }) => {
    expect(loadConfig(env)).toEqual(expected);
  });

  const blanks = VARIABLES.map((variable) => ({ name: `treats a blank ${variable} as unset`, variable }));
  it.each(blanks)('$name', ({ variable }) => {
    expect(loadConfig({ [variable]: '' })).toEqual(DEFAULTS);
  });

  it('treats blank values as unset next to an emulator host', () => {
    expect(loadConfig({ FIRESTORE_EMULATOR_HOST: 'localhost:8080', GOOGLE_CLOUD_PROJECT: '', SERVED_PROJECTS: '', PAGE_TOKEN_SECRET: '' })).toEqual(
      loadConfig({ FIRESTORE_EMULATOR_HOST: 'localhost:8080' }),
    );
  });

  const refused = [
    { name: 'refuses a project id with capitals', variable: 'GOOGLE_CLOUD_PROJECT', value: 'My-Project' },
    { name: 'refuses a project id that is too short', variable: 'GOOGLE_CLOUD_PROJECT', value: 'abc' },
    { name: 'refuses a database id with capitals', variable: 'FIRESTORE_DATABASE_ID', value: 'History' },
    { name: 'refuses a location that is a path', variable: 'DIALOGFLOW_LOCATION', value: 'global/conversations' },
    { name: 'refuses an emulator host without port', variable: 'FIRESTORE_EMULATOR_HOST', value: 'localhost' },
    { name: 'refuses an emulator host given as a URL', variable: 'FIRESTORE_EMULATOR_HOST', value: 'http://localhost:8080' },
    { name: 'refuses a deadline below 100 ms', variable: 'FIRESTORE_DEADLINE_MS', value: '99' },
    { name: 'refuses a deadline above 120000 ms', variable: 'FIRESTORE_DEADLINE_MS', value: '120001' },
    { name: 'refuses a fractional deadline', variable: 'FIRESTORE_DEADLINE_MS', value: '1000.5' },
    { name: 'refuses a deadline in words', variable: 'FIRESTORE_DEADLINE_MS', value: 'ten seconds' },
    { name: 'refuses a body limit below 1024', variable: 'MAX_PUSH_BODY_BYTES', value: '1023' },
    { name: 'refuses a body limit above 1000000', variable: 'MAX_PUSH_BODY_BYTES', value: '1000001' },
    { name: 'refuses a negative retention', variable: 'RETENTION_DAYS', value: '-1' },
    { name: 'refuses a retention over 100 years', variable: 'RETENTION_DAYS', value: '36501' },
    { name: 'refuses an unknown log level', variable: 'LOG_LEVEL', value: 'VERBOSE' },
    { name: 'refuses a lowercase log level', variable: 'LOG_LEVEL', value: 'debug' },
    { name: 'refuses an empty entry in served projects', variable: 'SERVED_PROJECTS', value: 'proj-a,,proj-b' },
    { name: 'refuses * mixed with projects', variable: 'SERVED_PROJECTS', value: '*,proj-a' },
    { name: 'refuses a page token secret under 32 characters', variable: 'PAGE_TOKEN_SECRET', value: 'short' },
    { name: 'refuses an allowed principal that is not an email', variable: 'AUTH_ALLOWED_EMAILS', value: 'push@p.iam.gserviceaccount.com,allUsers' },
    { name: 'refuses an audience that is neither a URL nor an OAuth client ID', variable: 'AUTH_AUDIENCES', value: 'my-function' },
    { name: 'refuses a certificate source that is not a URL', variable: 'AUTH_CERTS_URL', value: 'certs' },
    { name: 'refuses a CORS origin with a path', variable: 'CORS_ALLOWED_ORIGINS', value: 'https://console.example.com/app' },
    { name: 'refuses an eraser that is not an email', variable: 'ERASURE_ALLOWED_EMAILS', value: 'group:privacy' },
    { name: 'refuses a reconcile parent that is a conversation', variable: 'RECONCILE_PARENTS', value: 'projects/my-project/locations/global/conversations/c' },
    { name: 'refuses a reconcile concurrency of none', variable: 'RECONCILE_CONCURRENCY', value: '0' },
    { name: 'refuses a reconcile budget longer than the longest function timeout allows', variable: 'RECONCILE_BUDGET_SECONDS', value: '1800' },
    { name: 'refuses a Dialogflow rate above 1000 per second', variable: 'DIALOGFLOW_QPS', value: '1001' },
    { name: 'refuses a Dialogflow endpoint that is not a URL', variable: 'DIALOGFLOW_API_ENDPOINT', value: '127.0.0.1:8090' },
    { name: 'refuses an erasure URL with a query', variable: 'ERASURE_URL', value: 'https://erase.example/?x=1' },
  ];
  it.each(refused)('$name, naming $variable', ({ variable, value }) => {
    const error = configError({ [variable]: value });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/^Invalid configuration: /);
    expect(error.message).toContain(variable);
  });

  it('quotes the refused value of a number', () => {
    expect(configError({ FIRESTORE_DEADLINE_MS: 'ten' }).message).toBe(
      'Invalid configuration: FIRESTORE_DEADLINE_MS must be a whole number from 100 to 120000, got "ten"',
    );
  });

  it('lists every bad variable in one error', () => {
    const bad = Object.fromEntries(refused.filter((_, i) => refused.findIndex((c) => c.variable === refused[i]!.variable) === i).map((c) => [c.variable, c.value]));
    expect(Object.keys(bad)).toHaveLength(VARIABLES.length);
    const error = configError(bad);
    for (const variable of VARIABLES) expect(error.message).toContain(variable);
    expect(error.message.split('; ')).toHaveLength(VARIABLES.length);
  });

  it('lists two bad variables and not the good ones', () => {
    const error = configError({ LOG_LEVEL: 'LOUD', MAX_PUSH_BODY_BYTES: '1', GOOGLE_CLOUD_PROJECT: 'good-project' });
    expect(error.message).toBe(
      'Invalid configuration: MAX_PUSH_BODY_BYTES must be a whole number from 1024 to 1000000, got "1"; LOG_LEVEL must be one of DEBUG, INFO, NOTICE, WARNING, ERROR',
    );
  });
});

describe('loadConfig treats blank values alike', () => {
  it.each(['LOG_LEVEL', 'GOOGLE_CLOUD_PROJECT', 'FIRESTORE_DEADLINE_MS', 'SERVED_PROJECTS', 'PAGE_TOKEN_SECRET'])('treats a whitespace-only %s as unset', (name) => {
    expect(loadConfig({ [name]: '   ' })).toStrictEqual(loadConfig({}));
  });
});

describe('loadConfig reads authentication and CORS settings', () => {
  it('turns comma-separated lists into arrays, ignoring spaces and empty items', () => {
    const config = loadConfig({
      AUTH_ALLOWED_EMAILS: ' push@p.iam.gserviceaccount.com , ops@example.com,',
      AUTH_AUDIENCES: 'https://ingest-abc-uc.a.run.app',
      AUTH_CERTS_URL: 'http://127.0.0.1:9999/certs',
      CORS_ALLOWED_ORIGINS: 'https://console.example.com',
    });
    expect(config.auth).toEqual({
      allowedEmails: ['push@p.iam.gserviceaccount.com', 'ops@example.com'],
      audiences: ['https://ingest-abc-uc.a.run.app'],
      certsUrl: 'http://127.0.0.1:9999/certs',
    });
    expect(config.corsAllowedOrigins).toEqual(['https://console.example.com']);
  });

  it.each([
    { name: 'emails to check', env: { AUTH_ALLOWED_EMAILS: 'push@p.iam.gserviceaccount.com' }, problem: /AUTH_ALLOWED_EMAILS needs AUTH_AUDIENCES/ },
    { name: 'erasers to admit', env: { ERASURE_ALLOWED_EMAILS: 'privacy@example.com' }, problem: /ERASURE_ALLOWED_EMAILS needs AUTH_AUDIENCES/ },
    { name: 'emails, against an emulator too', env: { FIRESTORE_EMULATOR_HOST: 'localhost:8080', AUTH_ALLOWED_EMAILS: 'a@example.com' }, problem: /AUTH_ALLOWED_EMAILS needs AUTH_AUDIENCES/ },
  ])('refuses $name without the audiences their tokens must be for, rather than trusting the request\'s Host', ({ env, problem }) => {
    expect(() => loadConfig(env)).toThrow(problem);
  });

  it('names a deployment without audiences as one that must not start, and accepts one with them or an emulator', () => {
    expect(unverifiedOutsideEmulator(loadConfig({ GOOGLE_CLOUD_PROJECT: 'my-project' }))).toEqual([expect.stringMatching(/AUTH_AUDIENCES must be set outside an emulator/)]);
    expect(unverifiedOutsideEmulator(loadConfig({ GOOGLE_CLOUD_PROJECT: 'my-project', AUTH_AUDIENCES: 'https://history-1.us-central1.run.app' }))).toEqual([]);
    expect(unverifiedOutsideEmulator(loadConfig({ FIRESTORE_EMULATOR_HOST: 'localhost:8080' }))).toEqual([]);
  });
});
