import { IllegalTransition, ValidationError } from '../errors.js';

/*
 * The document status machine.
 *
 *   draft ──issue──► issued ──payment──► partially-paid ──payment──► paid
 *     │                 │   ◄─payment deleted─┘  ◄──payment deleted──┘
 *     └──cancel──► cancelled ◄──cancel──┘
 *
 * A caller moves a document only along the manual edges (issue, cancel); `partially-paid`
 * and `paid` follow the payments recorded against an invoice and are never set directly.
 * Cancelling is possible only from draft or issued: once money has been received the
 * payments must be deleted first. Only invoices take payments.
 */
export const DOCUMENT_STATUSES = ['draft', 'issued', 'partially-paid', 'paid', 'cancelled'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

const MANUAL: Readonly<Record<DocumentStatus, readonly DocumentStatus[]>> = {
  draft: ['issued', 'cancelled'],
  issued: ['cancelled'],
  'partially-paid': [],
  paid: [],
  cancelled: [],
};

export const canMoveManually = (from: DocumentStatus, to: DocumentStatus): boolean => MANUAL[from].includes(to);

/** Throws 409 illegal-transition with the reason unless `from -> to` is a manual edge. */
export function assertManualTransition(from: DocumentStatus, to: DocumentStatus): void {
  if (from === to || canMoveManually(from, to)) return;
  const reason =
    to === 'paid' || to === 'partially-paid'
      ? `${to} follows the payments recorded against an invoice; it cannot be set directly`
      : to === 'cancelled'
        ? `a ${from} document cannot be cancelled; only draft or issued ones can`
        : to === 'draft'
          ? 'a document never returns to draft once it has left it'
          : `a ${from} document cannot become ${to}`;
  throw new IllegalTransition(reason, { extensions: { from, to } });
}

/** The status an issued invoice has once `paid` of `total` minor units have been received. */
export function statusAfterPayments(total: number, paid: number): DocumentStatus {
  if (paid <= 0) return 'issued';
  return paid >= total ? 'paid' : 'partially-paid';
}

/** Statuses against which a payment may be recorded. */
export const PAYABLE: readonly DocumentStatus[] = ['issued', 'partially-paid'];

/** A document's content (lines, dates, client, currency) changes only while it is a draft. */
export const isEditable = (status: DocumentStatus): boolean => status === 'draft';

/** Only drafts may be deleted: they carry no number, so deleting one never leaves a gap. */
export const isDeletable = (status: DocumentStatus): boolean => status === 'draft';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date as YYYY-MM-DD (rejects 2026-02-30). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** Due date on or after the issue date (ISO dates compare as strings). */
export function assertDatesInOrder(issueDate: string, dueDate: string | undefined, field = 'body.dueDate'): void {
  if (dueDate !== undefined && dueDate < issueDate) {
    throw new ValidationError('the due date is before the issue date', {
      errors: [{ field, message: `must be on or after the issue date ${issueDate}` }],
    });
  }
}
