import { Logger } from '@aws-lambda-powertools/logger';
import { setLogSink } from '../http/log.js';

/*
 * The API functions' logger: Powertools Logger (JSON to stdout, CloudWatch in AWS), with
 * the request's keys (request id, correlation id, cold start, route, account, user)
 * appended by the API wrapper. Never a token or a body: the wrapper appends only ids.
 * Quiet in tests (KONTOR_SILENT=1): errors only, as shared/http/log.ts always did.
 */
const level = (): 'ERROR' | 'DEBUG' | 'INFO' =>
  process.env.KONTOR_SILENT === '1' ? 'ERROR' : process.env.LOG_LEVEL?.toLowerCase() === 'debug' ? 'DEBUG' : 'INFO';

export const logger = new Logger({ serviceName: 'kontor', logLevel: level() });

// Everything that logs through shared/http/log.ts in an API function goes through it.
setLogSink({
  debug: (m, f) => logger.debug(m, f ?? {}),
  info: (m, f) => logger.info(m, f ?? {}),
  warn: (m, f) => logger.warn(m, f ?? {}),
  error: (m, f) => logger.error(m, f ?? {}),
});
