import { formatMinor } from './currency.js';
import type { DocumentStatus } from './status.js';

/*
 * The four document kinds of SPEC.md section 1 ("documents" = invoices, estimates, expenses
 * and time-tracking entries). They share one shape, one status machine and one numbering
 * scheme: a gapless sequence per account and kind, assigned when the document is issued.
 * This list is the only one: routes, contracts, keys, exports and handlers derive from it.
 */
export const DOCUMENT_KINDS = ['invoice', 'estimate', 'expense', 'time-entry'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * What each kind is called outside the domain: its URL segment (`/accounts/{id}/<segment>`,
 * also its export dataset), the singular and plural of its route names (`getInvoice`,
 * `listInvoices`) and the prefix of its printed numbers.
 */
export const DOCUMENT_KIND_NAMES = {
  invoice: { segment: 'invoices', one: 'Invoice', many: 'Invoices', numberPrefix: 'INV' },
  estimate: { segment: 'estimates', one: 'Estimate', many: 'Estimates', numberPrefix: 'EST' },
  expense: { segment: 'expenses', one: 'Expense', many: 'Expenses', numberPrefix: 'EXP' },
  'time-entry': { segment: 'time-entries', one: 'TimeEntry', many: 'TimeEntries', numberPrefix: 'TIME' },
} as const satisfies Record<DocumentKind, { segment: string; one: string; many: string; numberPrefix: string }>;

/** The URL segments of the kinds, in the order of DOCUMENT_KINDS. */
export const DOCUMENT_SEGMENTS = DOCUMENT_KINDS.map((k) => DOCUMENT_KIND_NAMES[k].segment);

/** The kind a URL segment (or export dataset) names; undefined for anything else. */
export const kindOfSegment = (segment: string): DocumentKind | undefined =>
  DOCUMENT_KINDS.find((k) => DOCUMENT_KIND_NAMES[k].segment === segment);

/** The printed number of the n-th document of a kind: INV-000042. */
export const formatDocumentNumber = (kind: DocumentKind, sequence: number): string =>
  `${DOCUMENT_KIND_NAMES[kind].numberPrefix}-${String(sequence).padStart(6, '0')}`;

/** The amounts a document still expects: gross minus what was paid, never negative. */
export const outstandingOf = (d: { gross: number; paid: number; status: DocumentStatus }): number =>
  d.status === 'draft' || d.status === 'cancelled' ? 0 : Math.max(0, d.gross - d.paid);

export { formatMinor };
