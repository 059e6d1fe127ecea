import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFound, StaleVersion } from '../domain/errors.js';
import { invoicingKeys } from './keys.js';
import { paymentItem, type DocumentItem, type PaymentItem } from './items.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';
import { cancellationCodes, isTransientConflict } from './conditions.js';

/*
 * Payments against invoices. Recording or deleting a payment and moving the invoice's paid
 * amount and status are one TransactWriteItems, the invoice conditioned on the version it
 * was read at: the status can never disagree with the payments, and two concurrent
 * payments can never both count against the same outstanding amount.
 */
export interface PaymentStore {
  db: DynamoDBDocumentClient;
  table: string;
}

export type NewPayment = Omit<PaymentItem, 'pk' | 'sk' | 'gsi2pk' | 'gsi2sk' | 'type'>;

/** Thrown when the invoice moved between read and write; the caller re-reads and retries. */
export class InvoiceMoved extends StaleVersion {}

function invoiceUpdate(table: string, invoice: DocumentItem, paid: number, status: string, by: string, at: string) {
  return {
    Update: {
      TableName: table,
      Key: invoicingKeys.document(invoice.accountId, 'invoice', invoice.documentId),
      UpdateExpression: 'SET #paid = :paid, #status = :status, #version = :next, updatedAt = :at, updatedBy = :by',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#paid': 'paid', '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: {
        ':paid': paid,
        ':status': status,
        ':next': invoice.version + 1,
        ':version': invoice.version,
        ':at': at,
        ':by': by,
      },
    },
  };
}

function rethrow(e: unknown, what: string): never {
  const codes = cancellationCodes(e);
  if (!codes) throw e;
  const [paymentCode, invoiceCode] = codes;
  if (invoiceCode === 'ConditionalCheckFailed' || isTransientConflict(invoiceCode) || isTransientConflict(paymentCode)) {
    throw new InvoiceMoved('the invoice changed while the payment was being written');
  }
  if (paymentCode === 'ConditionalCheckFailed') throw new NotFound(what);
  throw e;
}

/** Writes the payment and sets the invoice's paid amount and status, atomically. */
export async function recordPayment(
  { db, table }: PaymentStore,
  invoice: DocumentItem,
  input: NewPayment,
  invoiceAfter: { paid: number; status: string },
): Promise<PaymentItem> {
  const item = paymentItem(input);
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          invoiceUpdate(table, invoice, invoiceAfter.paid, invoiceAfter.status, input.createdBy, input.createdAt),
        ],
      }),
    );
  } catch (e) {
    rethrow(e, 'the payment already exists');
  }
  return item;
}

/** Deletes the payment and gives its amount back to the invoice, atomically. */
export async function deletePayment(
  { db, table }: PaymentStore,
  payment: PaymentItem,
  invoice: DocumentItem,
  invoiceAfter: { paid: number; status: string },
  by: string,
  at: string,
): Promise<void> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table,
              Key: invoicingKeys.payment(payment.accountId, payment.paymentId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          invoiceUpdate(table, invoice, invoiceAfter.paid, invoiceAfter.status, by, at),
        ],
      }),
    );
  } catch (e) {
    rethrow(e, 'the payment does not exist');
  }
}

// Pattern "one payment": GetItem.
export async function getPayment({ db, table }: PaymentStore, accountId: string, paymentId: string): Promise<PaymentItem | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: invoicingKeys.payment(accountId, paymentId) }));
  return out.Item as PaymentItem | undefined;
}

// Pattern "payments of an account" (table, scope all) or "payments on one creator's invoices" (gsi2, scope own).
export async function listPayments(
  { db, table }: PaymentStore,
  q: { accountId: string; scope: 'all' | 'own'; userId: string },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PaymentItem>> {
  const own = q.scope === 'own';
  const partition = own
    ? { attribute: 'gsi2pk', value: invoicingKeys.paymentsOfCreator(q.accountId, q.userId).gsi2pk }
    : { attribute: 'pk', value: invoicingKeys.payments(q.accountId).pk };
  const out = await db.send(
    new QueryCommand({
      TableName: table,
      ...(own ? { IndexName: 'gsi2' } : {}),
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partition.attribute },
      ExpressionAttributeValues: { ':pk': partition.value },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, partition),
    }),
  );
  return { items: (out.Items ?? []) as PaymentItem[], nextCursor: encodeCursor(out.LastEvaluatedKey) };
}
