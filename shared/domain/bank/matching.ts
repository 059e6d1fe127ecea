import type { StatementTransaction } from './statement.js';

/*
 * Which open invoice a bank transaction pays. Only a booked incoming transfer (a credit,
 * not a reversal) can pay an invoice, and only one in the same currency. An invoice is a
 * candidate when its number appears in what the payer wrote (remittance, end-to-end id,
 * creditor reference) — separators may differ (`INV-000042`, `INV 000042`, `inv000042`) —
 * and it is paid automatically only when exactly one such invoice expects exactly this
 * amount. Everything else waits for a person:
 *   - `ambiguous`: several invoices fit (several numbers named, each expecting the amount;
 *     or no number named and several invoices expecting exactly this amount);
 *   - `unmatched`: none fits; `candidates` then names the invoices the text or the amount
 *     points at (a number with another amount, or the one invoice expecting this amount
 *     without its number being named), as suggestions, never paid on their own.
 * An amount alone never pays an invoice: two customers owing the same sum are common.
 */
export interface OpenInvoice {
  documentId: string;
  number: string;
  currency: string;
  /** Minor units still expected. */
  outstanding: number;
}

export type MatchOutcome =
  | { status: 'matched'; invoiceId: string }
  | { status: 'ambiguous'; candidates: string[] }
  | { status: 'unmatched'; candidates: string[] }
  | { status: 'outgoing' };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The number as a pattern: letters and digits in order, any separators between groups, not part of a longer number. */
export function numberPattern(number: string): RegExp {
  const groups = number.split(/[^A-Za-z0-9]+/).filter(Boolean).map(escape);
  return new RegExp(`(?<![A-Za-z0-9])${groups.join('[\\s\\-/._]*')}(?![0-9])`, 'i');
}

export const textOf = (t: Pick<StatementTransaction, 'remittance' | 'endToEndId' | 'creditorReference'>): string =>
  [t.remittance, t.endToEndId ?? '', t.creditorReference ?? ''].join(' ');

export function matchTransaction(t: StatementTransaction, invoices: readonly OpenInvoice[]): MatchOutcome {
  if (t.direction !== 'credit' || t.reversal) return { status: 'outgoing' };
  const open = invoices.filter((i) => i.currency === t.currency && i.outstanding > 0);
  const text = textOf(t);
  const named = open.filter((i) => numberPattern(i.number).test(text));
  const exact = named.filter((i) => i.outstanding === t.amount);
  if (exact.length === 1) return { status: 'matched', invoiceId: exact[0]!.documentId };
  if (exact.length > 1) return { status: 'ambiguous', candidates: exact.map((i) => i.documentId) };
  if (named.length > 0) return { status: 'unmatched', candidates: named.map((i) => i.documentId) };
  const byAmount = open.filter((i) => i.outstanding === t.amount);
  if (byAmount.length > 1) return { status: 'ambiguous', candidates: byAmount.map((i) => i.documentId) };
  return { status: 'unmatched', candidates: byAmount.map((i) => i.documentId) };
}
