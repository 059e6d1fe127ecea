import { formatMinor } from './currency.js';
import type { DocumentStatus } from './status.js';

/*
 * The four document kinds of SPEC.md section 1 ("documents" = invoices, estimates, expenses
 * and time-tracking entries). They share one shape, one status machine and one numbering
 * scheme: a gapless sequence per account and kind, assigned when the document is issued.
 */
export const DOCUMENT_KINDS = ['invoice', 'estimate', 'expense', 'time-entry'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** The URL segment of each kind (routes are `/accounts/{id}/<segment>`). */
export const KIND_SEGMENT: Readonly<Record<DocumentKind, string>> = {
  invoice: 'invoices',
  estimate: 'estimates',
  expense: 'expenses',
  'time-entry': 'time-entries',
};

const PREFIX: Readonly<Record<DocumentKind, string>> = {
  invoice: 'INV',
  estimate: 'EST',
  expense: 'EXP',
  'time-entry': 'TIME',
};

/** The printed number of the n-th document of a kind: INV-000042. */
export const formatDocumentNumber = (kind: DocumentKind, sequence: number): string =>
  `${PREFIX[kind]}-${String(sequence).padStart(6, '0')}`;

/** The amounts a document still expects: gross minus what was paid, never negative. */
export const outstandingOf = (d: { gross: number; paid: number; status: DocumentStatus }): number =>
  d.status === 'draft' || d.status === 'cancelled' ? 0 : Math.max(0, d.gross - d.paid);

export { formatMinor };
