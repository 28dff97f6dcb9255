import { ConfigError, loadConfig, unverifiedOutsideEmulator, type Config } from '../platform/config';
import { createRequestAuthenticator, type Authenticate } from '../http/authenticateRequest';
import { createIdTokenVerifier } from '../platform/idTokens';
import { authenticateOncePerRequest } from '../http/guardBeforeParsing';
import { createLogger, type Logger } from '../platform/logger';

/**
 * Loads the configuration for a function at start-up. A bad configuration
 * is logged as one structured CRITICAL line naming every bad variable, then
 * thrown so the instance fails to start instead of serving wrongly.
 */
export function startFunction(
  functionName: string,
  env: Record<string, string | undefined>,
  /** Further checks this function needs, as sentences; any makes start-up fail. */
  requirements: (config: Config) => string[] = () => [],
): { config: Config; logger: Logger } {
  let config: Config;
  try {
    config = loadConfig(env);
    const missing = [...unverifiedOutsideEmulator(config), ...requirements(config)];
    if (missing.length > 0) throw new ConfigError(`Invalid configuration for ${functionName}: ${missing.join('; ')}`);
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger({ level: 'DEBUG', projectId: undefined }).log('CRITICAL', 'config.invalid', error.message, { function: functionName });
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, projectId: config.projectId });
  return { config, logger };
}

/**
 * The ID-token check when AUTH_AUDIENCES is set (always, outside an emulator: loadConfig refuses otherwise);
 * nothing (authentication off, locally) otherwise. Once per request: the request guard checks a request with a
 * body before reading it, and the handler's check reuses that result.
 */
export function authenticatorFor(config: Config): { authenticate?: Authenticate } {
  if (config.auth.audiences.length === 0) return {};
  const verify = createIdTokenVerifier({ allowedEmails: config.auth.allowedEmails, audiences: config.auth.audiences, certsUrl: config.auth.certsUrl });
  return { authenticate: authenticateOncePerRequest(createRequestAuthenticator(verify)) };
}
