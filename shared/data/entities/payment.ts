import * as z from 'zod/mini';
import { NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, transact, type OnConditionFailed, type TxStep } from '../dynamo.js';
import { periodOf } from '../../domain/accounting/period.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryEach, queryPage, type Page, type PageRequest } from '../paginator.js';
import { invoicePaidStep, type Document } from './document.js';
import { periodOpenStep } from './period-lock.js';

/*
 * A payment against an invoice. Payment ids are ULIDs, so a partition lists payments in
 * the order they were recorded. A payment belongs, for payments.view.own, to the creator
 * of its invoice, so gsi2 indexes payments by that member.
 *
 *   table  pk ACCOUNT#<acc>#PAYMENTS                         sk PAYMENT#<id>
 *   gsi2   ACCOUNT#<acc>#CREATOR#<invoice creator>#PAYMENTS   PAYMENT#<id>   payments on one member's invoices
 *   gsi1   ACCOUNT#<acc>#PAYMENTS                         <paidAt>#<id>  payments of an account by payment date (the books of a period)
 *
 * Recording or deleting a payment dated in a closed accounting period is refused (409
 * period-closed) by a ConditionCheck on the period's lock in the same transaction.
 */
export const paymentSchema = z.object({
  paymentId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  invoiceId: z.string(),
  invoiceNumber: z.optional(z.string()),
  /** The invoice's creator: payments.view.own shows payments on one's own invoices. */
  invoiceCreatedBy: z.string(),
  amount: z.number(),
  currency: z.string(),
  paidAt: z.string(),
  method: z.optional(z.string()),
  reference: z.optional(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type Payment = z.infer<typeof paymentSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#PAYMENTS`;
const ofCreator = (accountId: string, invoiceCreatorId: string) => `ACCOUNT#${seg(accountId)}#CREATOR#${seg(invoiceCreatorId)}#PAYMENTS`;

export const paymentEntity = defineEntity({
  type: 'payment',
  schema: paymentSchema,
  key: (p) => ({ pk: partition(p.accountId), sk: `PAYMENT#${seg(p.paymentId)}` }),
  indexes: (p) => ({
    gsi1pk: partition(p.accountId),
    gsi1sk: `${p.paidAt}#${seg(p.paymentId)}`,
    gsi2pk: ofCreator(p.accountId, p.invoiceCreatedBy),
    gsi2sk: `PAYMENT#${seg(p.paymentId)}`,
  }),
});

// Pattern "one payment": GetItem.
export const getPayment = async (store: Store, accountId: string, paymentId: string): Promise<Payment | undefined> =>
  parseOptional(paymentEntity, await getItem(store, { pk: partition(accountId), sk: `PAYMENT#${seg(paymentId)}` }));

// Pattern "payments of an account" (table, scope all) or "payments on one member's invoices" (gsi2, scope own); newest first.
export const listPayments = (
  store: Store,
  q: { accountId: string; scope: 'all' | 'own'; userId: string },
  page: PageRequest,
): Promise<Page<Payment>> =>
  queryPage(
    store,
    q.scope === 'own'
      ? { index: 'gsi2', partition: ofCreator(q.accountId, q.userId), newestFirst: true }
      : { partition: partition(q.accountId), newestFirst: true },
    paymentEntity.parse,
    page,
  );

/**
 * Pattern "payments of an account dated in a period" (gsi1, a key range on the payment
 * date), every page, each handed to `visit` and none kept. Reads exactly those payments.
 */
export const forEachPaymentInPeriod = (
  store: Store,
  q: { accountId: string; from: string; to: string },
  visit: (p: Payment) => void,
): Promise<{ itemsRead: number; capacityUnits: number }> =>
  queryEach(store, { index: 'gsi1', partition: partition(q.accountId), sort: { between: [`${q.from}#`, `${q.to}#~`] } }, (raw) =>
    visit(paymentEntity.parse(raw)),
  );

/**
 * Writes the payment and moves the invoice's paid amount and status in one transaction,
 * the invoice conditioned on the version it was read at (`onInvoiceMoved` when it moved).
 */
export async function recordPayment(
  store: Store,
  payment: Payment,
  invoice: Document,
  invoiceAfter: { paid: number; status: Document['status'] },
  onInvoiceMoved: OnConditionFailed,
): Promise<void> {
  await transact(store, paymentSteps(store, payment, invoice, invoiceAfter, onInvoiceMoved));
}

/**
 * The steps of recording a payment (its month still open, the payment, the invoice's paid
 * amount and status on the version read), for this module and for a transaction that does
 * more (a bank transaction it settles).
 */
export const paymentSteps = (
  store: Store,
  payment: Payment,
  invoice: Document,
  invoiceAfter: { paid: number; status: Document['status'] },
  onInvoiceMoved: OnConditionFailed,
): TxStep[] => [
  periodOpenStep(store, payment.accountId, periodOf(payment.paidAt), payment.paymentId, 'a payment'),
  {
    item: { Put: { TableName: store.table, Item: paymentEntity.item(payment), ConditionExpression: 'attribute_not_exists(pk)' } },
    onConditionFailed: () => new NotFound('the payment already exists'),
  },
  invoicePaidStep(store, invoice, invoiceAfter, payment.createdBy, payment.createdAt, onInvoiceMoved),
];

/** Deletes the payment and gives its amount back to the invoice, in one transaction. */
export async function deletePayment(
  store: Store,
  payment: Payment,
  invoice: Document,
  invoiceAfter: { paid: number; status: Document['status'] },
  by: string,
  at: string,
  onInvoiceMoved: OnConditionFailed,
): Promise<void> {
  await transact(store, [
    periodOpenStep(store, payment.accountId, periodOf(payment.paidAt), payment.paymentId, 'a payment'),
    {
      item: { Delete: { TableName: store.table, Key: paymentEntity.key(payment), ConditionExpression: 'attribute_exists(pk)' } },
      onConditionFailed: () => new NotFound('the payment does not exist'),
    },
    invoicePaidStep(store, invoice, invoiceAfter, by, at, onInvoiceMoved),
  ]);
}
