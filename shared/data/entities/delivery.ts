import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { Conflict, type DomainError } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, putItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';
import { integrationPartition } from './integration.js';

/*
 * The delivery log of an integration (issue: delivery log): every webhook delivery or poll
 * with its outcome. A delivery is keyed by the provider's delivery id, so the log entry is
 * also the deduplication guard: a delivery is processed in the transaction that writes its
 * entry as `processed`, conditioned on it not being processed yet; a retry of the same
 * delivery (Shopify resends with the same X-Shopify-Webhook-Id) finds it and does nothing.
 * A failed delivery keeps its payload (gzipped) so that it can be replayed.
 *
 *   table  pk INTEGRATION#<integration>              sk DELIVERY#<delivery id>
 *   gsi1   INTEGRATION#<integration>#DELIVERIES      <receivedAt>#<delivery id>   newest first
 */
export const DELIVERY_STATUSES = ['processed', 'failed', 'ignored'] as const;

export const deliverySchema = z.object({
  integrationId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  deliveryId: z.string(),
  /** The provider's topic (`order.created`, `orders/create`, `allegro.poll`). */
  topic: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  /** What it did: the order and invoice it wrote or changed, or why it was ignored. */
  outcome: z.optional(z.string()),
  orderId: z.optional(z.string()),
  invoiceId: z.optional(z.string()),
  error: z.optional(z.object({ status: z.number(), type: z.string(), detail: z.string() })),
  /** Processing attempts: the first, then each replay. */
  attempts: z.number(),
  /** The raw body, gzipped and base64-encoded; absent when it was too large to keep. */
  payload: z.optional(z.string()),
  receivedAt: z.string(),
  updatedAt: z.string(),
  /** TTL (epoch seconds): a poll that found nothing is kept a week, not for ever. */
  expiresAt: z.optional(z.number()),
});
export type Delivery = z.infer<typeof deliverySchema>;

const deliveryKey = (integrationId: string, deliveryId: string) => ({ pk: integrationPartition(integrationId), sk: `DELIVERY#${seg(deliveryId)}` });
const log = (integrationId: string) => `${integrationPartition(integrationId)}#DELIVERIES`;

export const deliveryEntity = defineEntity({
  type: 'delivery',
  schema: deliverySchema,
  key: (d) => deliveryKey(d.integrationId, d.deliveryId),
  indexes: (d) => ({ gsi1pk: log(d.integrationId), gsi1sk: `${d.receivedAt}#${seg(d.deliveryId)}` }),
});

/** Payloads above this (gzipped) are not kept: an item holds at most 400 KB. */
const MAX_KEPT_PAYLOAD = 300 * 1024;
export function packPayload(body: Buffer): string | undefined {
  const packed = gzipSync(body).toString('base64');
  return packed.length <= MAX_KEPT_PAYLOAD ? packed : undefined;
}
export const unpackPayload = (packed: string): Buffer => gunzipSync(Buffer.from(packed, 'base64'));

// Pattern "one delivery": GetItem, strongly consistent (the dedup decision rests on it).
export const getDelivery = async (store: Store, integrationId: string, deliveryId: string): Promise<Delivery | undefined> =>
  parseOptional(deliveryEntity, await getItem(store, deliveryKey(integrationId, deliveryId), true));

// Pattern "delivery log of an integration": gsi1, newest first.
export const listDeliveries = (store: Store, integrationId: string, page: PageRequest): Promise<Page<Delivery>> =>
  queryPage(store, { index: 'gsi1', partition: log(integrationId), newestFirst: true }, deliveryEntity.parse, page);

// Only a failed delivery is done again (a replay); a processed or ignored one is final.
const notProcessed = {
  ConditionExpression: 'attribute_not_exists(pk) OR #status = :failed',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':failed': 'failed' },
};

/**
 * The delivery as processed (or ignored), as a step of the transaction that does its work:
 * refused when it was final already (the caller answers with that one: `onDuplicate`).
 */
export const deliveryProcessedStep = (store: Store, d: Delivery, onDuplicate: (current: Delivery) => DomainError): TxStep => ({
  item: { Put: { TableName: store.table, Item: deliveryEntity.item(d), ...notProcessed } },
  onConditionFailed: (current) => onDuplicate(deliveryEntity.parse(current ?? {})),
});

/** Records one poll of a polled integration (Allegro): its own new entry, never a provider's delivery. */
export const recordPoll = (store: Store, d: Delivery): Promise<void> =>
  putItem(store, deliveryEntity.item(d), { expression: 'attribute_not_exists(pk)' });

/** Records a delivery that failed or was ignored; never overwrites a final one (false then). */
export async function recordUnprocessed(store: Store, d: Delivery): Promise<boolean> {
  try {
    await putItem(
      store,
      deliveryEntity.item(d),
      { expression: notProcessed.ConditionExpression, names: notProcessed.ExpressionAttributeNames, values: notProcessed.ExpressionAttributeValues },
      () => new AlreadyProcessed(),
    );
    return true;
  } catch (e) {
    if (e instanceof AlreadyProcessed) return false;
    throw e;
  }
}

class AlreadyProcessed extends Conflict {
  constructor() {
    super('the delivery was processed already');
  }
}
