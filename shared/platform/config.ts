import * as z from 'zod/mini';
import { DEFAULT_LOCATION } from '../domain/resourceNames';
import '../domain/zodMessages';
import { GOOGLE_CERTS_URL } from './idTokens';

const integer = (name: string, min: number, max: number, fallback: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, ctx) => {
      if (text === undefined || text.trim() === '') return fallback;
      const value = Number(text);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.issues.push({ code: 'custom', input: text, message: `${name} must be a whole number from ${min} to ${max}, got "${text}"` });
        return z.NEVER;
      }
      return value;
    }),
  );

/** A comma-separated list whose every item matches `item`; empty when unset. */
const list = (name: string, item: RegExp, what: string) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, ctx) => {
      const items = (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
      const bad = items.filter((entry) => !item.test(entry));
      if (bad.length > 0) {
        ctx.issues.push({ code: 'custom', input: text, message: `${name} must be a comma-separated list of ${what} (not ${bad.map((b) => `"${b.slice(0, 80)}"`).join(', ')})` });
        return z.NEVER;
      }
      return items;
    }),
  );

/** A string that must match `pattern`, or be refused with `message`. */
const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));

const LOG_LEVELS = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting the functions read, from environment variables. Terraform
 * sets each of them (terraform/functions.tf); `npm start` sets the local ones.
 */
const EnvironmentSchema = z.object({
  GOOGLE_CLOUD_PROJECT: z.optional(matching(/^[a-z][a-z0-9-:.]{3,62}$/, 'GOOGLE_CLOUD_PROJECT must be a project id')),
  FIRESTORE_DATABASE_ID: z._default(matching(/^(\(default\)|[a-z][a-z0-9-]{2,62})$/, 'FIRESTORE_DATABASE_ID must be "(default)" or a database id'), '(default)'),
  FIRESTORE_EMULATOR_HOST: z.optional(matching(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'FIRESTORE_EMULATOR_HOST must be host:port')),
  FIRESTORE_DEADLINE_MS: integer('FIRESTORE_DEADLINE_MS', 100, 120_000, 10_000),
  MAX_PUSH_BODY_BYTES: integer('MAX_PUSH_BODY_BYTES', 1024, 1_000_000, 921_600),
  RETENTION_DAYS: integer('RETENTION_DAYS', 0, 36_500, 0),
  DIALOGFLOW_LOCATION: z._default(matching(/^[a-z][a-z0-9-]{0,62}$/, 'DIALOGFLOW_LOCATION must be a Dialogflow location such as "global" or "europe-west3"'), DEFAULT_LOCATION),
  LOG_LEVEL: z._default(z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }), 'INFO'),
  SERVED_PROJECTS: z.optional(matching(/^(\*|[a-z][a-z0-9-:.]{3,62}(,[a-z][a-z0-9-:.]{3,62})*)$/, 'SERVED_PROJECTS must be * or a comma-separated list of project ids')),
  PAGE_TOKEN_SECRET: z.optional(z.string().check(z.minLength(32, 'PAGE_TOKEN_SECRET must be at least 32 characters'))),
  AUTH_ALLOWED_EMAILS: list('AUTH_ALLOWED_EMAILS', /^[^\s@,]+@[^\s@,]+$/, 'email addresses'),
  AUTH_AUDIENCES: list('AUTH_AUDIENCES', /^(https?:\/\/[^\s,]+|[0-9]+(-[a-z0-9]+)?\.apps\.googleusercontent\.com)$/, 'URLs or OAuth client IDs'),
  AUTH_CERTS_URL: z._default(z.url({ error: 'AUTH_CERTS_URL must be a URL' }), GOOGLE_CERTS_URL),
  CORS_ALLOWED_ORIGINS: list('CORS_ALLOWED_ORIGINS', /^https?:\/\/[^\s,/]+$/, 'origins such as https://console.example.com'),
  ERASURE_ALLOWED_EMAILS: list('ERASURE_ALLOWED_EMAILS', /^[^\s@,]+@[^\s@,]+$/, 'email addresses'),
  RECONCILE_PARENTS: list('RECONCILE_PARENTS', /^projects\/[a-z][a-z0-9-:.]{3,62}\/locations\/[a-z][a-z0-9-]{0,62}$/, 'parents such as projects/my-project/locations/global'),
  RECONCILE_CONCURRENCY: integer('RECONCILE_CONCURRENCY', 1, 256, 32),
  RECONCILE_BUDGET_SECONDS: integer('RECONCILE_BUDGET_SECONDS', 1, 1700, 40),
  DIALOGFLOW_QPS: integer('DIALOGFLOW_QPS', 1, 1000, 50),
  KNOWN_CONVERSATIONS_CAPACITY: integer('KNOWN_CONVERSATIONS_CAPACITY', 100, 10_000_000, 50_000),
  DIALOGFLOW_API_ENDPOINT: z.optional(z.url({ error: 'DIALOGFLOW_API_ENDPOINT must be a URL such as http://127.0.0.1:8090' })),
  ERASURE_URL: z.optional(matching(/^https?:\/\/[^\s,?#]+$/, 'ERASURE_URL must be the erasure function\'s URL, such as https://erase-conversations-123.us-central1.run.app')),
});

export interface Config {
  /**
   * Project of the Firestore database and of trace ids. On Google Cloud the
   * client detects it when unset; against an emulator it defaults to
   * EMULATOR_PROJECT_ID.
   */
  projectId: string | undefined;
  databaseId: string;
  emulatorHost: string | undefined;
  /** Every Firestore call is abandoned (and answered 503) after this long. */
  firestoreDeadlineMs: number;
  /** Largest push body accepted; it must fit, whole, in one quarantine document. */
  maxPushBodyBytes: number;
  logLevel: LogLevel;
  /**
   * Projects whose history is served; '*' for all. Defaults to every
   * project against an emulator, otherwise to GOOGLE_CLOUD_PROJECT.
   */
  servedProjects: '*' | string[];
  /** Key of the page tokens' HMAC. Required by the history API outside an emulator. */
  pageTokenSecret: string | undefined;
  /**
   * Days each stored document is kept after its conversation's last known
   * time, through the `expireAt` field a Firestore TTL policy deletes by;
   * 0 keeps everything forever.
   */
  retentionDays: number;
  /**
   * Google ID token verification (Pub/Sub's push OIDC token; the history
   * API's callers): on when audiences is not empty, which it must be outside
   * an emulator.
   */
  auth: {
    /** Emails a token must carry one of; empty accepts any verified email (readers that are groups). */
    allowedEmails: string[];
    /** The audiences (`aud`) accepted: this function's URLs and such as gcloud's client ID, never the request's Host. */
    audiences: string[];
    certsUrl: string;
  };
  /** Browser origins allowed to call the history API (CORS); none by default. */
  corsAllowedOrigins: string[];
  /** The erasure function: emails of the callers who may erase conversations; none refuses every erasure. */
  erasureAllowedEmails: string[];
  /** The history API: where it passes DELETEs on to (the erasure function); unset, it refuses them. */
  erasureUrl: string | undefined;
  /**
   * The location of the deployment's conversation profile: where a name that
   * carries none (`projects/P/conversations/C`) is taken to be. Dialogflow's
   * own default is `global`.
   */
  dialogflowLocation: string;
  /**
   * The ingest functions: conversations an instance remembers having checked (exist, not erased), least recently
   * used forgotten first; about 190 bytes each (docs/scale.md). A forgotten one costs a refused create and a read.
   */
  knownConversationsCapacity: number;
  /** reconcileConversations: what each run refreshes, and how it reaches Dialogflow's API. */
  reconcile: {
    /** Parents (projects/P/locations/L) whose conversations are reconciled; empty: the project's, in DIALOGFLOW_LOCATION. */
    parents: string[];
    /** Dialogflow calls in flight at once. */
    concurrency: number;
    /** How long (ms) a run keeps taking due conversations; shorter than the function's timeout and the schedule's period. */
    budgetMs: number;
    /** Dialogflow API calls per second, at most, retries included (docs/scale.md: the quota it must fit in). */
    qps: number;
    /** A Dialogflow-compatible API instead of Google's (local stacks and tests). */
    apiEndpoint: string | undefined;
  };
}

/**
 * Every variable a deployment sets for the functions (terraform/functions.tf
 * sets each one; a test checks). FIRESTORE_EMULATOR_HOST is local only.
 */
export const DEPLOYED_ENVIRONMENT_VARIABLES = [
  'GOOGLE_CLOUD_PROJECT',
  'FIRESTORE_DATABASE_ID',
  'FIRESTORE_DEADLINE_MS',
  'MAX_PUSH_BODY_BYTES',
  'RETENTION_DAYS',
  'LOG_LEVEL',
  'SERVED_PROJECTS',
  'PAGE_TOKEN_SECRET',
  'AUTH_ALLOWED_EMAILS',
  'CORS_ALLOWED_ORIGINS',
  'ERASURE_ALLOWED_EMAILS',
  'AUTH_AUDIENCES',
  'DIALOGFLOW_LOCATION',
  'RECONCILE_PARENTS',
  'RECONCILE_CONCURRENCY',
  'RECONCILE_BUDGET_SECONDS',
  'DIALOGFLOW_QPS',
  'ERASURE_URL',
  'KNOWN_CONVERSATIONS_CAPACITY',
] as const;

/** Signs page tokens locally only: anyone can read this, so a deployment sets PAGE_TOKEN_SECRET. */
export const EMULATOR_PAGE_TOKEN_SECRET = 'local-development-only-page-token-secret';

/** Project id used against an emulator when none is configured; the `demo-` prefix marks it as never real. */
export const EMULATOR_PROJECT_ID = 'demo-conversation-history';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws one error naming every bad variable. Blank values count as unset. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  // Parsed once per instance: zod's compiled parser (new Function, then its first run) costs a cold start 1.3 ms.
  const parsed = EnvironmentSchema.safeParse(blanksRemoved, { jitless: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'custom' || issue.code === 'invalid_format' || issue.code === 'invalid_value'
        ? issue.message
        : `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const emulator = e.FIRESTORE_EMULATOR_HOST !== undefined;
  const unsafe = failOpenSettings(e);
  if (unsafe.length > 0) throw new ConfigError(`Invalid configuration: ${unsafe.join('; ')}`);
  const servedProjects =
    e.SERVED_PROJECTS === '*' ? '*' : e.SERVED_PROJECTS?.split(',') ?? (emulator ? '*' : e.GOOGLE_CLOUD_PROJECT ? [e.GOOGLE_CLOUD_PROJECT] : []);
  return {
    projectId: e.GOOGLE_CLOUD_PROJECT ?? (e.FIRESTORE_EMULATOR_HOST ? EMULATOR_PROJECT_ID : undefined),
    databaseId: e.FIRESTORE_DATABASE_ID,
    emulatorHost: e.FIRESTORE_EMULATOR_HOST,
    firestoreDeadlineMs: e.FIRESTORE_DEADLINE_MS,
    maxPushBodyBytes: e.MAX_PUSH_BODY_BYTES,
    logLevel: e.LOG_LEVEL,
    servedProjects,
    pageTokenSecret: e.PAGE_TOKEN_SECRET ?? (emulator ? EMULATOR_PAGE_TOKEN_SECRET : undefined),
    retentionDays: e.RETENTION_DAYS,
    auth: { allowedEmails: e.AUTH_ALLOWED_EMAILS, audiences: e.AUTH_AUDIENCES, certsUrl: e.AUTH_CERTS_URL },
    corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
    erasureAllowedEmails: e.ERASURE_ALLOWED_EMAILS,
    erasureUrl: e.ERASURE_URL,
    dialogflowLocation: e.DIALOGFLOW_LOCATION,
    knownConversationsCapacity: e.KNOWN_CONVERSATIONS_CAPACITY,
    reconcile: {
      parents: e.RECONCILE_PARENTS,
      concurrency: e.RECONCILE_CONCURRENCY,
      budgetMs: e.RECONCILE_BUDGET_SECONDS * 1000,
      qps: e.DIALOGFLOW_QPS,
      apiEndpoint: e.DIALOGFLOW_API_ENDPOINT,
    },
  };
}

/**
 * Settings that would serve with a check that cannot run: emails to check, or erasers to admit, without the
 * audiences their tokens must be for (the check would have to trust the request's Host).
 */
function failOpenSettings(e: z.infer<typeof EnvironmentSchema>): string[] {
  if (e.AUTH_AUDIENCES.length > 0) return [];
  const problems: string[] = [];
  if (e.AUTH_ALLOWED_EMAILS.length > 0) problems.push('AUTH_ALLOWED_EMAILS needs AUTH_AUDIENCES: the URLs (or client IDs) the callers\' tokens are minted for');
  if (e.ERASURE_ALLOWED_EMAILS.length > 0) problems.push('ERASURE_ALLOWED_EMAILS needs AUTH_AUDIENCES: erasers are admitted only with a verified token');
  return problems;
}

/** Outside an emulator every function verifies its callers' tokens: a deployment without audiences refuses to start. */
export function unverifiedOutsideEmulator(config: Config): string[] {
  if (config.emulatorHost !== undefined || config.auth.audiences.length > 0) return [];
  return ['AUTH_AUDIENCES must be set outside an emulator: every function verifies its callers\' Google ID tokens against the URLs they are minted for'];
}
