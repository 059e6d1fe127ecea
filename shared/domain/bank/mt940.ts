import { isCurrency } from '../invoicing/currency.js';
import { isoDate, parseAmount, reference, statementError, type BankStatement, type StatementTransaction } from './statement.js';

/*
 * SWIFT MT940 (customer statement), as banks actually send it. One file may hold several
 * statements, each from :20: to the next :20: or a `-` line. Read per field:
 *   :20:  statement reference           :25:  account (IBAN, BIC/account, or a bank's own number)
 *   :28C: (or :28:) statement number    :60F:/:60M: opening balance   :62F:/:62M: closing balance
 *   :61:  a transaction (and its supplementary second line)
 *   :86:  information to the :61: before it (free text, `?NN` subfields, or `/KEY/` codes)
 * Everything else (:64:, :65:, a statement-level :86:, unknown tags) is read past. Outside a
 * statement, lines are envelope (a `{1:...}` block, `ABNANL2A`/`940`, `0000 01INGB...`,
 * `:940:`, SOH/ETX control bytes) and are skipped. Line endings: LF, CRLF or CR.
 */

interface Field {
  tag: string;
  line: number;
  lines: string[];
}

const TAG = /^:(\d{2}[A-Z]?):(.*)$/;
/** Tags whose value may run over several lines. */
const MULTILINE = new Set(['61', '86']);

function fieldsOf(text: string): Field[][] {
  const statements: Field[][] = [];
  let current: Field[] | undefined;
  let last: Field | undefined;
  // SOH (0x01) and ETX (0x03) frame some banks' files (mBank): they are transport, not content.
  const lines = text.replaceAll(String.fromCharCode(1), '').replaceAll(String.fromCharCode(3), '').split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/\s+$/, '');
    const tag = TAG.exec(line);
    if (tag) {
      if (tag[1] === '20') {
        current = [];
        statements.push(current);
      }
      if (!current) {
        last = undefined;
        return; // a tagged line before any :20: belongs to no statement (e.g. `:940:` is not a field tag)
      }
      last = { tag: tag[1]!, line: lineNo, lines: [tag[2]!] };
      current.push(last);
      return;
    }
    if (line.trim() === '-' ) {
      current = undefined;
      last = undefined;
      return;
    }
    if (line.trim() === '') return;
    if (current && last && MULTILINE.has(last.tag)) last.lines.push(raw.replace(/[\r\n]+$/, ''));
    // Other untagged lines are envelope or trailers (`XXX`), outside any field that takes them.
  });
  return statements;
}

const BALANCE = /^([CD])(\d{2})(\d{2})(\d{2})([A-Z]{3})(\d{1,15},\d*)$/;

function balanceOf(f: Field): { amount: number; date: string; currency: string } {
  const m = BALANCE.exec(f.lines[0]!.trim());
  if (!m) throw statementError(f.line, `:${f.tag}:`, 'expected D/C mark, YYMMDD date, currency and amount (e.g. C230101EUR100,00)');
  const date = yymmdd(m[2]!, m[3]!, m[4]!);
  if (!date) throw statementError(f.line, `:${f.tag}:`, `"${m[2]}${m[3]}${m[4]}" is not a date`);
  if (!isCurrency(m[5]!)) throw statementError(f.line, `:${f.tag}:`, `unknown currency ${m[5]}`);
  const amount = parseAmount(m[6]!, m[5]!, ',');
  if (typeof amount === 'string') throw statementError(f.line, `:${f.tag}:`, amount);
  return { amount: m[1] === 'D' ? -amount : amount, date, currency: m[5]! };
}

/** SWIFT years are two digits: 80..99 are 19xx, the rest 20xx (the convention of MT parsers). */
export function yymmdd(yy: string, mm: string, dd: string): string | undefined {
  const y = Number(yy);
  return isoDate(y >= 80 ? 1900 + y : 2000 + y, Number(mm), Number(dd));
}

/**
 * The :61: line: value date YYMMDD, optional entry date MMDD, mark (C, D, RC, RD; EC/ED for
 * expected), an optional funds-code letter, the amount with a decimal comma, the
 * transaction type (N/F/S + 3), the customer reference, optionally `//` bank reference.
 */
const STATEMENT_LINE = /^(\d{2})(\d{2})(\d{2})(\d{4})?(RC|RD|EC|ED|C|D)([A-Z])?(\d{1,15},\d{0,4})([NSF][A-Z0-9]{3})([^/]*?)(?:\/\/(.*))?$/;

function transactionOf(f: Field, currency: string): StatementTransaction {
  const first = f.lines[0]!.trim();
  const m = STATEMENT_LINE.exec(first);
  if (!m) {
    throw statementError(
      f.line,
      ':61:',
      'expected value date YYMMDD, optional entry date MMDD, C/D/RC/RD, amount with a decimal comma, type code and reference',
    );
  }
  const valueDate = yymmdd(m[1]!, m[2]!, m[3]!);
  if (!valueDate) throw statementError(f.line, ':61:', `value date "${m[1]}${m[2]}${m[3]}" is not a date`);
  let bookingDate = valueDate;
  if (m[4]) {
    const month = Number(m[4].slice(0, 2));
    const valueMonth = Number(m[2]);
    let year = Number(valueDate.slice(0, 4));
    // The entry date has no year: it is the value date's, except across a new year.
    if (valueMonth === 12 && month === 1) year += 1;
    else if (valueMonth === 1 && month === 12) year -= 1;
    const d = isoDate(year, month, Number(m[4].slice(2)));
    if (!d) throw statementError(f.line, ':61:', `entry date "${m[4]}" is not a date`);
    bookingDate = d;
  }
  const amount = parseAmount(m[7]!, currency, ',');
  if (typeof amount === 'string') throw statementError(f.line, ':61:', amount);
  const mark = m[5]!;
  const supplementary = f.lines.slice(1).join(' ').trim();
  return {
    bookingDate,
    valueDate,
    direction: mark === 'C' || mark === 'RD' || mark === 'EC' ? 'credit' : 'debit',
    reversal: mark === 'RC' || mark === 'RD',
    amount,
    currency,
    bankReference: reference(m[10]),
    endToEndId: reference(m[9]),
    remittance: supplementary,
    line: f.line,
  };
}

/** The `?NN` subfields of a structured :86: (German banks' GVC layout). */
function subfields(text: string): Map<string, string> | undefined {
  if (!/^(\d{3})?\?\d{2}/.test(text)) return undefined;
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\?(\d{2})([^?]*)/g)) out.set(m[1]!, (out.get(m[1]!) ?? '') + m[2]!);
  return out;
}

/** The `/KEY/value` codes of a structured :86: (Dutch banks, ING, Rabobank). */
const SLASH_KEYS =
  /\/(EREF|PREF|MARF|CSID|BENM|ORDP|NAME|ID|ADDR|REMI|ISDT|RTRN|IBAN|BIC|CNTP|ULTB|ULTD|PURP|TRCD|BUSP|CDTRREF|CDTRREFTP|CD|ISSR|SWOC|EXCH|CHGS|OCMT|ACCW|FX)\//g;

function slashCodes(text: string): Map<string, string> | undefined {
  if (!text.startsWith('/')) return undefined;
  const hits = [...text.matchAll(SLASH_KEYS)];
  if (hits.length === 0 || hits[0]!.index !== 0) return undefined;
  const out = new Map<string, string>();
  hits.forEach((h, i) => {
    const start = h.index! + h[0].length;
    const end = i + 1 < hits.length ? hits[i + 1]!.index! : text.length;
    const value = text.slice(start, end).replace(/\/$/, '');
    if (!out.has(h[1]!)) out.set(h[1]!, value);
  });
  return out;
}

/** SEPA keywords inside a remittance (`EREF+...SVWZ+...`). */
function sepaKeys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const hits = [...text.matchAll(/(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+/g)];
  hits.forEach((h, i) => {
    const end = i + 1 < hits.length ? hits[i + 1]!.index! : text.length;
    out.set(h[1]!, text.slice(h.index! + h[0].length, end).trim());
  });
  return out;
}

function applyInformation(t: StatementTransaction, info: Field): void {
  const joined = info.lines.join('');
  const sub = subfields(joined);
  if (sub) {
    const remittance = [...Array(10).keys()].map((i) => sub.get(`2${i}`) ?? '').join('') + ['60', '61', '62', '63'].map((k) => sub.get(k) ?? '').join('');
    const sepa = sepaKeys(remittance);
    t.remittance = (sepa.get('SVWZ') ?? remittance).trim();
    t.endToEndId = reference(sepa.get('EREF')) ?? t.endToEndId;
    t.counterpartyName = ((sub.get('32') ?? '') + (sub.get('33') ?? '')).trim() || undefined;
    t.counterpartyAccount = sub.get('31')?.trim() || undefined;
    return;
  }
  const codes = slashCodes(joined);
  if (codes) {
    t.remittance = (codes.get('REMI') ?? '').trim() || joined;
    t.endToEndId = reference(codes.get('EREF')) ?? t.endToEndId;
    t.counterpartyName = codes.get('NAME')?.trim() || undefined;
    t.counterpartyAccount = codes.get('IBAN')?.trim() || undefined;
    return;
  }
  t.remittance = info.lines.map((l) => l.trim()).join(' ').replace(/\s+/g, ' ').trim();
}

export function parseMt940(text: string): BankStatement[] {
  const groups = fieldsOf(text);
  if (groups.length === 0) throw statementError(1, ':20:', 'no statement found (an MT940 statement starts with :20:)');
  return groups.map((fields) => {
    const start = fields[0]!;
    const one = (...tags: string[]) => fields.find((f) => tags.includes(f.tag));
    const statementId = start.lines[0]!.trim();
    if (!statementId) throw statementError(start.line, ':20:', 'the statement reference is empty');
    const accountField = one('25');
    if (!accountField || !accountField.lines[0]!.trim()) throw statementError(start.line, ':25:', 'the statement names no account');
    const openingField = one('60F', '60M');
    if (!openingField) throw statementError(start.line, ':60F:', 'the statement has no opening balance');
    const opening = balanceOf(openingField);
    const closingField = one('62F', '62M');
    if (!closingField) throw statementError(start.line, ':62F:', 'the statement has no closing balance');
    const closing = balanceOf(closingField);
    if (closing.currency !== opening.currency) {
      throw statementError(closingField.line, `:${closingField.tag}:`, `currency ${closing.currency} differs from the opening balance's ${opening.currency}`);
    }
    const transactions: StatementTransaction[] = [];
    let previous: Field | undefined;
    for (const f of fields) {
      if (f.tag === '61') {
        if (f.line < openingField.line) throw statementError(f.line, ':61:', 'a transaction before the opening balance');
        transactions.push(transactionOf(f, opening.currency));
      } else if (f.tag === '86' && previous?.tag === '61') {
        applyInformation(transactions[transactions.length - 1]!, f);
      }
      previous = f;
    }
    return {
      format: 'mt940' as const,
      statementId,
      sequence: one('28C', '28')?.lines[0]!.trim() || undefined,
      account: accountField.lines[0]!.trim(),
      currency: opening.currency,
      openingBalance: { amount: opening.amount, date: opening.date },
      closingBalance: { amount: closing.amount, date: closing.date },
      transactions,
    };
  });
}
