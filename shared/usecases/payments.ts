import type * as z from 'zod';
import type { Principal } from '../authz/engine.js';
import type { createPaymentBody } from '../contracts/invoicing.js';
import type { Store } from '../data/context.js';
import { retryLostRaces, TransientConflict } from '../data/dynamo.js';
import { getDocument, type Document } from '../data/entities/document.js';
import * as payments from '../data/entities/payment.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { Conflict, IllegalTransition, StaleVersion, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { listScope, requireAllowed, requireVisible } from '../domain/invoicing/access.js';
import { outstandingOf } from '../domain/invoicing/documents.js';
import { addAmounts } from '../domain/invoicing/money.js';
import { PAYABLE, statusAfterPayments } from '../domain/invoicing/status.js';

/*
 * Payments against invoices (SPEC.md 1). A payment belongs, for payments.view.own, to the
 * creator of its invoice: an Employee sees payments on her own invoices only, and records
 * payments only against invoices she can see (another member's invoice is "not found").
 *
 * Recording is read - decide - write: the invoice is read strongly consistent, the rules
 * below decide on it, and the payment is written in one transaction with the invoice's new
 * paid amount, conditioned on the version read. When a concurrent payment moved the
 * invoice in between, the whole decision is made again on the fresh invoice.
 */
const MAX_ATTEMPTS = 8;
const moved = () => new TransientConflict('the invoice changed while the payment was being written');
const ownedBy = <T extends { organizationId: string; accountId: string }>(o: T | undefined, ownerId: (o: T) => string) =>
  o && { ...o, ownerId: ownerId(o) };

async function visibleInvoice(store: Store, p: Principal, invoiceId: string): Promise<Document> {
  const invoice = await getDocument(store, p.accountId, 'invoice', invoiceId, true);
  return requireVisible(p, 'documents.view', ownedBy(invoice, (d) => d.createdBy), 'invoice');
}

/** Retries `attempt` while it loses races on the invoice; the decision is remade every time. */
const onFreshInvoice = <T>(attempt: () => Promise<T>): Promise<T> =>
  retryLostRaces(MAX_ATTEMPTS, () => new StaleVersion('the invoice kept changing; retry the payment'), attempt);

export const list = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<payments.Payment>> =>
  payments.listPayments(store, { accountId: p.accountId, scope: listScope(p, 'payments.view'), userId: p.userId }, { ...page, boundTo: p.userId });

export async function get(store: Store, p: Principal, paymentId: string): Promise<payments.Payment> {
  const payment = await payments.getPayment(store, p.accountId, paymentId);
  return requireVisible(p, 'payments.view', ownedBy(payment, (x) => x.invoiceCreatedBy), 'payment');
}

export type RecordPaymentInput = z.infer<typeof createPaymentBody>;

/** Records a payment and returns it with the invoice as it is after it. */
export async function record(store: Store, p: Principal, input: RecordPaymentInput): Promise<{ payment: payments.Payment; invoice: Document }> {
  const paymentId = ulid();
  return onFreshInvoice(async () => {
    const invoice = await visibleInvoice(store, p, input.invoiceId);
    if (input.currency !== undefined && input.currency !== invoice.currency) {
      throw new ValidationError('currency mismatch', { errors: [{ field: 'body.currency', message: `the invoice is in ${invoice.currency}` }] });
    }
    if (!PAYABLE.includes(invoice.status)) {
      throw new IllegalTransition(`a ${invoice.status} invoice takes no payments; it must be issued`, {
        extensions: { from: invoice.status, to: 'paid' },
      });
    }
    const outstanding = outstandingOf(invoice);
    if (input.amount > outstanding) {
      throw new Conflict(`the payment of ${input.amount} exceeds the outstanding ${outstanding}`, { extensions: { outstanding } });
    }
    const paid = addAmounts(invoice.paid, input.amount, 'body.amount');
    const status = statusAfterPayments(invoice.gross, paid);
    const payment: payments.Payment = {
      paymentId,
      organizationId: p.organizationId,
      accountId: p.accountId,
      invoiceId: invoice.documentId,
      invoiceNumber: invoice.number,
      invoiceCreatedBy: invoice.createdBy,
      amount: input.amount,
      currency: invoice.currency,
      paidAt: input.paidAt,
      method: input.method,
      reference: input.reference,
      createdBy: p.userId,
      createdAt: store.now().toISOString(),
    };
    await payments.recordPayment(store, payment, invoice, { paid, status }, moved);
    return { payment, invoice: { ...invoice, paid, status, version: invoice.version + 1 } };
  });
}

/** Deletes a payment and gives its amount back to its invoice. */
export async function remove(store: Store, p: Principal, paymentId: string): Promise<void> {
  const found = await payments.getPayment(store, p.accountId, paymentId);
  const payment = requireAllowed(p, 'payments.view', 'payments.delete', ownedBy(found, (x) => x.invoiceCreatedBy), 'payment');
  await onFreshInvoice(async () => {
    const invoice = await getDocument(store, p.accountId, 'invoice', payment.invoiceId, true);
    if (!invoice) throw new Conflict('the invoice of this payment no longer exists');
    const paid = Math.max(0, invoice.paid - payment.amount);
    const at = store.now().toISOString();
    await payments.deletePayment(store, payment, invoice, { paid, status: statusAfterPayments(invoice.gross, paid) }, p.userId, at, moved);
  });
}
