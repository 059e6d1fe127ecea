import { UNSAFE_IN_CSV } from '../text.js';

/*
 * CSV per RFC 4180, safe to open in a spreadsheet (OWASP "CSV injection"). A text cell that
 * a spreadsheet would run as a formula (= + - @, or TAB / CR) gets an apostrophe before the
 * formula start, so a client named `=HYPERLINK(...)` is shown, never evaluated. Not only at
 * the start of the cell: a spreadsheet in a semicolon locale (or one told to split on
 * commas) splits `Acme;=cmd|...` into two cells and would run the second, so every formula
 * start after a `;` or `,` (and any spaces) is defused too. A cell is quoted when it holds a
 * comma, a semicolon, a quote, CR, LF or TAB (quotes doubled). Other control characters,
 * unpaired surrogates and bidi controls become U+FFFD. Numbers we produce ourselves are
 * written as they are.
 */
export type Cell = string | number | boolean | null | undefined;

/** Where a cell, or a piece a spreadsheet may split it into, starts a formula. */
const FORMULA_STARTS = /(^|[;,]) *(?=[=+\-@\t\r])/g;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Values stored before the contracts refused control characters may still hold them:
  // replaced first (visibly, never dropped), so none reaches a spreadsheet or hides a formula.
  const safe = value.replace(UNSAFE_IN_CSV, '\ufffd').replace(FORMULA_STARTS, "$&'");
  return /[",;\r\n\t]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvRow = (cells: readonly Cell[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, Cell>>, withHeader: boolean): string {
  return (withHeader ? csvRow(columns) : '') + rows.map((r) => csvRow(columns.map((c) => r[c]))).join('');
}
