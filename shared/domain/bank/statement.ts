import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { minorDigitsOf } from '../invoicing/currency.js';

/*
 * A bank statement as Kontor reads it, whatever format it came in (MT940 or CAMT.053):
 * statements of one bank account, each with its booked transactions. Amounts are integer
 * minor units of their currency, always positive; `direction` says which way the money
 * went. Dates are ISO dates (YYYY-MM-DD).
 */
export type StatementFormat = 'mt940' | 'camt053';

export interface StatementTransaction {
  bookingDate: string;
  valueDate: string;
  direction: 'credit' | 'debit';
  /** A reversal (MT940 RC/RD, CAMT RvslInd): never an invoice payment. */
  reversal: boolean;
  amount: number;
  currency: string;
  /** The bank's own reference (MT940 `//` part of :61:, CAMT AcctSvcrRef). */
  bankReference?: string | undefined;
  /** The payer's reference (MT940 :61: customer reference or /EREF/, CAMT EndToEndId). */
  endToEndId?: string | undefined;
  /** A structured creditor reference (CAMT Strd/CdtrRefInf/Ref). */
  creditorReference?: string | undefined;
  /** Remittance information: what the payer wrote (CAMT Ustrd, MT940 ?20..?29, /REMI/, or the :86: text). */
  remittance: string;
  counterpartyName?: string | undefined;
  counterpartyAccount?: string | undefined;
  /** Where the transaction starts in the file (MT940 line of its :61:, CAMT line of its <Ntry>). */
  line: number;
}

export interface BankStatement {
  format: StatementFormat;
  /** MT940 :20:, CAMT Stmt/Id. */
  statementId: string;
  /** MT940 :28C:, CAMT ElctrncSeqNb/LglSeqNb. */
  sequence?: string | undefined;
  /** The bank account: IBAN or the bank's own account number. */
  account: string;
  currency: string;
  /** Signed minor units (debit balances negative). */
  openingBalance?: { amount: number; date: string } | undefined;
  closingBalance?: { amount: number; date: string } | undefined;
  transactions: StatementTransaction[];
}

/** A statement that does not parse: 400 naming the line and the field (e.g. `:61:` or `Ntry/Amt`). */
export function statementError(line: number, field: string, message: string): ValidationError {
  return new ValidationError(`the statement does not parse: line ${line}, ${field}: ${message}`, {
    errors: [{ field: `body.line.${line}.${field}`, message }],
    extensions: { line, field },
  });
}

/**
 * A decimal amount as written in a statement (`1000,00`, `9,`, `0.08`, `000000001000,00`)
 * to integer minor units of `currency`, exactly (string arithmetic, no floats). More
 * decimals than the currency has is refused (EUR `1,234` is not an amount); fewer are padded.
 */
export function parseAmount(text: string, currency: string, separator: ',' | '.'): number | string {
  const digits = minorDigitsOf(currency);
  if (digits === undefined) return `unknown currency ${currency}`;
  const re = separator === ',' ? /^(\d+)(?:,(\d*))?$/ : /^(\d+)(?:\.(\d*))?$/;
  const m = re.exec(text);
  if (!m) return `"${text}" is not an amount`;
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return `"${text}" has more than ${digits} decimals for ${currency}`;
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return `"${text}" is too large`;
  return Number(minor);
}

/** A real calendar date, or undefined. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The identity of a transaction: the same booked transaction has the same id in every
 * statement that lists it (a re-upload, an overlapping period, a daily and a monthly
 * statement), and two different transactions have different ids, even when they look alike.
 *
 * It hashes what a bank never changes about a booked transaction: the bank account, both
 * dates, direction, amount, currency and the two references when they exist. Descriptions
 * are left out (banks re-wrap and re-encode them between formats and exports). Two genuinely
 * identical transactions (same day, amount and references, e.g. two equal card payments)
 * are told apart by `occurrence`: the how-many-th such tuple this is in the upload, counted
 * in file order; an overlapping statement lists the same day completely, so it counts them
 * the same way. The id is 128 bits of SHA-256: collisions are not a concern.
 */
export function transactionIdentity(account: string, t: StatementTransaction, occurrence: number): string {
  const parts = [
    account.replace(/\s+/g, '').toUpperCase(),
    t.bookingDate,
    t.valueDate,
    t.direction,
    t.reversal ? 'R' : '',
    String(t.amount),
    t.currency,
    t.bankReference ?? '',
    t.endToEndId ?? '',
    String(occurrence),
  ];
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32);
}

/** Every transaction of the statements with its identity, occurrences counted across the upload. */
export function identify(statements: readonly BankStatement[]): { statement: BankStatement; transaction: StatementTransaction; id: string }[] {
  const seen = new Map<string, number>();
  return statements.flatMap((statement) =>
    statement.transactions.map((transaction) => {
      const tuple = transactionIdentity(statement.account, transaction, 0);
      const occurrence = seen.get(tuple) ?? 0;
      seen.set(tuple, occurrence + 1);
      return { statement, transaction, id: transactionIdentity(statement.account, transaction, occurrence) };
    }),
  );
}

/** Treats the placeholder references banks write when there is none as absent. */
export const reference = (value: string | undefined): string | undefined => {
  const v = value?.trim();
  return v === undefined || v === '' || v.toUpperCase() === 'NONREF' || v.toUpperCase() === 'NOTPROVIDED' ? undefined : v;
};
