/*
 * Structured JSON logs to stdout (CloudWatch in AWS, the terminal locally). Deliberately
 * tiny: a level, a message, and fields; callers never pass tokens or keys.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if (level === 'debug' && process.env.LOG_LEVEL !== 'debug') return;
  if (process.env.KONTOR_SILENT === '1' && level !== 'error') return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => write('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('error', m, f),
};

/** An error as loggable fields, without anything a caller sent. */
export const errorFields = (e: unknown): Record<string, unknown> =>
  e instanceof Error ? { error: e.name, errorMessage: e.message } : { error: String(e) };
