import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, TransientConflict, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryAll, queryPage, type Page, type PageRequest } from '../paginator.js';
import { clientEntity, clientKeys, type Client } from './client.js';
import { documentEntity, type Document } from './document.js';
import { integrationPartition } from './integration.js';
import { putNewStep } from './guards.js';

/*
 * A shop order (SPEC 6.1): what a WooCommerce, Shopify or Allegro order said, and the draft
 * invoice it became. One order item per provider order per integration, so however many
 * deliveries speak of an order (created, updated, retried, racing), it becomes ONE invoice:
 * the order item is written with `attribute_not_exists`, in the transaction that writes the
 * invoice, and whoever loses that race reads the order and updates it instead.
 *
 *   table  pk INTEGRATION#<integration>          sk ORDER#<provider order id>
 *   gsi1   ACCOUNT#<acc>#ORDERS                  <receivedAt>#<orderId>     orders of an account
 *   table  pk ACCOUNT#<acc>#CLIENTS              sk SHOPBUYER#<email|taxid>  which client a shop buyer became
 */
export const orderSchema = z.object({
  orderId: z.string(),
  integrationId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  provider: z.enum(['woocommerce', 'shopify', 'allegro']),
  externalId: z.string(),
  number: z.string(),
  /** The provider's status word, as last delivered. */
  status: z.string(),
  cancelled: z.boolean(),
  currency: z.string(),
  /** The provider's own totals, minor units. */
  gross: z.number(),
  tax: z.number(),
  shipping: z.number(),
  discount: z.number(),
  refunded: z.number(),
  clientId: z.optional(z.string()),
  invoiceId: z.optional(z.string()),
  /** The delivery that last changed the order. */
  lastDeliveryId: z.string(),
  receivedAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Order = z.infer<typeof orderSchema>;

const orderKey = (integrationId: string, externalId: string) => ({ pk: integrationPartition(integrationId), sk: `ORDER#${seg(externalId)}` });
const ofAccount = (accountId: string) => `ACCOUNT#${seg(accountId)}#ORDERS`;

export const orderEntity = defineEntity({
  type: 'order',
  schema: orderSchema,
  key: (o) => orderKey(o.integrationId, o.externalId),
  indexes: (o) => ({ gsi1pk: ofAccount(o.accountId), gsi1sk: `${o.receivedAt}#${seg(o.orderId)}` }),
});

/** A shop buyer's link to the client they became: found again by e-mail or tax id. */
export const buyerLinkSchema = z.object({ accountId: z.string(), match: z.string(), clientId: z.string() });
export const buyerLinkEntity = defineEntity({
  type: 'shop-buyer',
  schema: buyerLinkSchema,
  key: (l) => ({ pk: clientKeys.partition(l.accountId), sk: `SHOPBUYER#${seg(l.match)}` }),
});
export const buyerMatch = (kind: 'email' | 'taxid', value: string) => `${kind}:${value.trim().toLowerCase().replace(/\s+/g, '')}`;

// Pattern "order by provider id": GetItem, strongly consistent (the write decides on it).
export const getOrder = async (store: Store, integrationId: string, externalId: string): Promise<Order | undefined> =>
  parseOptional(orderEntity, await getItem(store, orderKey(integrationId, externalId), true));

// Pattern "orders of an account": gsi1, newest first.
export const listOrders = (store: Store, accountId: string, page: PageRequest): Promise<Page<Order>> =>
  queryPage(store, { index: 'gsi1', partition: ofAccount(accountId), newestFirst: true }, orderEntity.parse, page);

// Pattern "the client a buyer became": GetItem on the link, strongly consistent.
export const getBuyerLink = async (store: Store, accountId: string, match: string): Promise<string | undefined> =>
  parseOptional(buyerLinkEntity, await getItem(store, { pk: clientKeys.partition(accountId), sk: `SHOPBUYER#${seg(match)}` }, true))?.clientId;

/**
 * Pattern "a client of the account by e-mail or tax id", for clients people entered: the
 * account's client partition filtered. It reads the whole client list (one Query per MB);
 * the buyer links above make it a one-time cost per buyer.
 */
export async function findClient(store: Store, accountId: string, by: { email?: string | undefined; taxId?: string | undefined }): Promise<Client | undefined> {
  const terms: string[] = [];
  const values: Record<string, unknown> = {};
  if (by.email) {
    terms.push('#email = :email');
    values[':email'] = by.email;
  }
  if (by.taxId) {
    terms.push('#taxId = :taxId');
    values[':taxId'] = by.taxId;
  }
  if (!terms.length) return undefined;
  const found = await queryAll(
    store,
    {
      partition: clientKeys.partition(accountId),
      sort: { prefix: clientKeys.sortPrefix },
      filter: { expression: terms.join(' OR '), names: { ...(by.email ? { '#email': 'email' } : {}), ...(by.taxId ? { '#taxId': 'taxId' } : {}) }, values },
    },
    clientEntity.parse,
    { max: Infinity },
  );
  return found.find((c) => by.taxId && c.taxId === by.taxId) ?? found[0];
}

const raced = () => new TransientConflict('another delivery wrote this order, buyer or invoice first');

/** A new order: lost to a concurrent delivery of the same order, the caller reads it and updates instead. */
export const orderPutStep = (store: Store, o: Order): TxStep => putNewStep(store, orderEntity.item(o), raced);

/** The order as changed, on the version read. */
export const orderReplaceStep = (store: Store, before: Order, after: Order): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: orderEntity.item({ ...after, version: before.version + 1 }),
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':v': before.version },
    },
  },
  onConditionFailed: raced,
});

/** A new client and its buyer links, each a race the loser retries (then finding the link). */
export const newBuyerSteps = (store: Store, client: Client, matches: readonly string[]): TxStep[] => [
  putNewStep(store, clientEntity.item(client), raced),
  ...matches.map((match) => putNewStep(store, buyerLinkEntity.item({ accountId: client.accountId, match, clientId: client.clientId }), raced)),
];

/** A new draft invoice (drafts take no number, so no counter is involved). */
export const draftInvoicePutStep = (store: Store, d: Document): TxStep => {
  if (d.status !== 'draft' || d.kind !== 'invoice') throw new Conflict('only draft invoices are written from orders');
  return putNewStep(store, documentEntity.item(d), raced);
};

/** The draft invoice as changed by a later delivery, on the version and status read. */
export const invoiceReplaceStep = (store: Store, before: Document, after: Document): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: documentEntity.item({ ...after, version: before.version + 1 }),
      ConditionExpression: '#version = :v AND #status = :s',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':v': before.version, ':s': before.status },
    },
  },
  onConditionFailed: raced,
});
