/*
 * Structured JSON logs to stdout (CloudWatch in AWS, the terminal locally): a level, a
 * message, and fields; callers never pass tokens or keys.
 *
 * The API functions replace the sink with Powertools Logger (shared/observability/logger.ts,
 * installed by the API wrapper), which adds the request's keys. The authorizer keeps this
 * tiny writer: its cold start is budgeted, and it logs only on refusals and faults.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, unknown>;
export type LogSink = Record<Level, (message: string, fields?: Fields) => void>;

function write(level: Level, message: string, fields?: Fields): void {
  if (level === 'debug' && process.env.LOG_LEVEL !== 'debug') return;
  if (process.env.KONTOR_SILENT === '1' && level !== 'error') return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

const plain: LogSink = {
  debug: (m, f) => write('debug', m, f),
  info: (m, f) => write('info', m, f),
  warn: (m, f) => write('warn', m, f),
  error: (m, f) => write('error', m, f),
};
let sink: LogSink = plain;

/** Where `log` writes from now on (undefined: back to the plain writer). */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? plain;
}

export const log = {
  debug: (m: string, f?: Fields) => sink.debug(m, f),
  info: (m: string, f?: Fields) => sink.info(m, f),
  warn: (m: string, f?: Fields) => sink.warn(m, f),
  error: (m: string, f?: Fields) => sink.error(m, f),
};

/** An error as loggable fields, without anything a caller sent. */
export const errorFields = (e: unknown): Record<string, unknown> =>
  e instanceof Error ? { error: e.name, errorMessage: e.message } : { error: String(e) };
