import { ValidationError } from '../errors.js';

/* Accounting periods are calendar months, written `YYYY-MM`; a date belongs to the month it is in. */
export const PERIOD_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The period (month) a calendar date belongs to. */
export const periodOf = (isoDate: string): string => isoDate.slice(0, 7);

/** First and last calendar day of a period. */
export function periodBounds(period: string): { from: string; to: string } {
  if (!PERIOD_RE.test(period)) {
    throw new ValidationError('not a period', { errors: [{ field: 'path.period', message: 'must be a month YYYY-MM' }] });
  }
  const [y, m] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${period}-01`, to: `${period}-${String(last).padStart(2, '0')}` };
}

