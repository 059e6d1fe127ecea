/*
 * CSV per RFC 4180, safe to open in a spreadsheet. A cell is quoted when it holds a comma,
 * a quote, CR or LF (quotes doubled). Text cells that a spreadsheet would run as a formula
 * (starting with = + - @, or TAB / CR, OWASP "CSV injection") get a leading apostrophe, so
 * a client named `=HYPERLINK(...)` is shown, never evaluated. Numbers we produce ourselves
 * are written as they are.
 */
export type Cell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvRow = (cells: readonly Cell[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, Cell>>, withHeader: boolean): string {
  return (withHeader ? csvRow(columns) : '') + rows.map((r) => csvRow(columns.map((c) => r[c]))).join('');
}
