import type { DynamoDb } from '../data/dynamo.js';
import type { Store } from '../data/context.js';
import { getDelivery, listDeliveries, packPayload, recordUnprocessed, unpackPayload, type Delivery } from '../data/entities/delivery.js';
import type { Integration, IntegrationKind } from '../data/entities/integration.js';
import type { Actor } from '../data/entities/membership.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { Conflict, DomainError, Forbidden, NotFound, Unauthenticated, ValidationError } from '../domain/errors.js';
import type { SecretBox } from '../integrations/secret-box.js';
import { ALLEGRO_DEFAULT_VAT_RATE, parseAllegroCheckoutForm, parseShopifyOrder, parseShopifyRefund, parseWooCommerceOrder } from '../integrations/shop-orders.js';
import { DELIVERY_ID_HEADER, isWooCommercePing, SIGNATURE_HEADER, TOPIC_HEADER, verifySignature } from '../integrations/signatures.js';
import { integrationGate } from './integration-gate.js';
import { get as getIntegration } from './integrations.js';
import { ingestNothing, ingestOrder, ingestRefund, type DeliveryInput, type Ingested } from './orders.js';

/*
 * Webhook deliveries (SPEC 6.3, 6.4) and the delivery log. In order:
 *   1. the integration gate again (the authorizer's answer may be cached for its TTL): 403;
 *   2. WooCommerce's unsigned creation ping (`webhook_id=<n>`): 200, nothing else;
 *   3. the provider's signature over the raw body, constant-time: 401, nothing processed
 *      and nothing logged (an unsigned body is nobody's delivery);
 *   4. the provider's delivery id (dedup key) and topic;
 *   5. the topic's processor. Something that is not an order is a 400, logged as a failed
 *      delivery (with its payload), as is any other failure, so it can be replayed.
 */
export interface WebhookRequest {
  integrationId: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type WebhookResult = { kind: 'ping' } | ({ kind: 'delivery' } & Ingested);

type Processor = (store: Store, integration: Integration, input: DeliveryInput, body: Buffer) => Promise<Ingested>;

const today = (store: Store) => store.now().toISOString().slice(0, 10);

function json(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ValidationError('the payload is not JSON', { errors: [{ field: 'body', message: 'invalid JSON' }] });
  }
}

/** What each provider's topics do. A topic not listed is logged as ignored (and answered 200: the provider must not retry it). */
const PROCESSORS: Partial<Record<IntegrationKind, (topic: string) => Processor | undefined>> = {
  woocommerce: (topic) =>
    ['order.created', 'order.updated', 'order.restored'].includes(topic)
      ? (store, i, input, body) => ingestOrder(store, i, input, parseWooCommerceOrder(json(body), today(store)))
      : topic === 'order.deleted'
        ? (store, i, input, body) => ingestOrder(store, i, input, { ...wooDeleted(json(body), today(store)) })
        : undefined,
  shopify: (topic) =>
    ['orders/create', 'orders/updated', 'orders/paid', 'orders/cancelled', 'orders/fulfilled', 'orders/partially_fulfilled'].includes(topic)
      ? (store, i, input, body) => ingestOrder(store, i, input, parseShopifyOrder(json(body), today(store)))
      : topic === 'refunds/create'
        ? (store, i, input, body) => ingestRefund(store, i, input, parseShopifyRefund(json(body)))
        : undefined,
  // Allegro's "deliveries" are the poller's: one per order event it acts on, the checkout
  // form it fetched as the payload (so a failed one replays like a webhook).
  allegro: (topic) =>
    ALLEGRO_ORDER_TOPICS.includes(topic) ? (store, i, input, body) => ingestOrder(store, i, input, parseAllegroCheckoutForm(json(body), today(store), allegroVatRate(i))) : undefined,
};

/** The log entry of one poll (its outcome, or its error and the backoff). */
export const ALLEGRO_POLL_TOPIC = 'allegro.poll';
/** The Allegro order events the poller turns into deliveries (`allegro.<event type>`). */
export const ALLEGRO_ORDER_TOPICS = ['allegro.READY_FOR_PROCESSING', 'allegro.BUYER_MODIFIED', 'allegro.BUYER_CANCELLED', 'allegro.AUTO_CANCELLED'];
/** The integration's `vatRate` setting: Allegro sends gross prices without a rate. */
const allegroVatRate = (i: Integration): number => {
  const r = i.config.vatRate;
  return typeof r === 'number' && r >= 0 && r <= 100 ? r : ALLEGRO_DEFAULT_VAT_RATE;
};

/** WooCommerce's order.deleted body is `{"id": n}` only: a cancellation of that order, if Kontor has it. */
function wooDeleted(payload: unknown, date: string) {
  const id = (payload as { id?: unknown } | null)?.id;
  if (typeof id !== 'number') throw new ValidationError('the payload is not an order', { errors: [{ field: 'body.id', message: 'must be the order id' }] });
  return {
    provider: 'woocommerce' as const,
    externalId: String(id),
    number: String(id),
    status: 'deleted',
    event: 'cancelled' as const,
    currency: 'XXX',
    orderDate: date,
    customer: { name: `WooCommerce order ${id}` },
    lines: [],
    totals: { gross: 0, tax: 0, shipping: 0, discount: 0 },
    refunded: 0,
    notes: [],
  };
}

/** Processes one delivery by its topic; a failure is logged (with the payload, for a replay) and rethrown. */
export async function processDelivery(store: Store, integration: Integration, input: DeliveryInput, body: Buffer): Promise<Ingested> {
  const processor = PROCESSORS[integration.kind]?.(input.topic);
  if (!processor) return ingestNothing(store, integration, input, `topic ${input.topic} is not acted on`);
  try {
    return await processor(store, integration, input, body);
  } catch (e) {
    // The failure is logged with the payload, for a replay; the provider gets the error.
    const error = e instanceof DomainError ? { status: e.status, type: e.slug, detail: e.message } : { status: 500, type: 'internal-error', detail: 'processing failed' };
    const now = store.now().toISOString();
    await recordUnprocessed(store, {
      integrationId: integration.integrationId,
      organizationId: integration.organizationId,
      accountId: integration.accountId,
      deliveryId: input.deliveryId,
      topic: input.topic,
      status: 'failed',
      error,
      attempts: input.previousAttempts + 1,
      payload: input.payload,
      receivedAt: input.receivedAt,
      updatedAt: now,
    });
    throw e;
  }
}

async function gated(db: DynamoDb, table: string, integrationId: string): Promise<Integration> {
  const gate = await integrationGate(db, table, integrationId);
  if (!gate.allowed) throw new Forbidden('this integration does not accept deliveries now', { extensions: { reason: gate.reason } });
  return gate.integration;
}

export async function receive(store: Store, box: SecretBox, req: WebhookRequest): Promise<WebhookResult> {
  const integration = await gated(store.db, store.table, req.integrationId);
  const signatureHeader = SIGNATURE_HEADER[integration.kind];
  if (!signatureHeader || !integration.secret) throw new NotFound(`a ${integration.kind} integration receives no signed webhooks`);
  const signature = req.headers[signatureHeader];
  if (integration.kind === 'woocommerce' && signature === undefined && isWooCommercePing(req.body, req.headers['content-type'])) {
    return { kind: 'ping' };
  }
  const secret = await box.open(integration.secret, integration.integrationId);
  if (!verifySignature(secret, req.body, signature)) {
    throw new Unauthenticated(signature === undefined ? `the ${signatureHeader} header is missing` : 'the signature does not match the body');
  }
  const deliveryId = req.headers[DELIVERY_ID_HEADER[integration.kind]!];
  if (!deliveryId || deliveryId.length > 200) {
    throw new ValidationError('the delivery has no id', { errors: [{ field: `header.${DELIVERY_ID_HEADER[integration.kind]}`, message: 'required (at most 200 characters)' }] });
  }
  const topic = (req.headers[TOPIC_HEADER[integration.kind]!] ?? '').slice(0, 100);
  const input: DeliveryInput = { deliveryId, topic, receivedAt: store.now().toISOString(), payload: packPayload(req.body), previousAttempts: 0 };
  return { kind: 'delivery', ...(await processDelivery(store, integration, input, req.body)) };
}

// --- the delivery log -------------------------------------------------------------------
export async function listLog(store: Store, actor: { accountId: string; organizationId: string; userId: string }, integrationId: string, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Delivery>> {
  await getIntegration(store, actor as Actor, integrationId);
  return listDeliveries(store, integrationId, { ...page, boundTo: actor.userId });
}

export async function getLogEntry(store: Store, actor: { accountId: string; organizationId: string; userId: string }, integrationId: string, deliveryId: string): Promise<Delivery> {
  await getIntegration(store, actor as Actor, integrationId);
  const d = await getDelivery(store, integrationId, deliveryId);
  if (!d) throw new NotFound('no such delivery of this integration');
  return d;
}

/**
 * Replays a failed delivery from its kept payload (its signature was verified when it
 * arrived: unsigned bodies are never logged). Idempotent: a delivery that is processed
 * (by this replay, an earlier one, or the provider's own retry) is answered as it is.
 * The replay still acts under the integration's gate.
 */
export async function replay(store: Store, actor: Actor, integrationId: string, deliveryId: string): Promise<Ingested> {
  await getIntegration(store, actor, integrationId);
  const d = await getDelivery(store, integrationId, deliveryId);
  if (!d) throw new NotFound('no such delivery of this integration');
  if (d.status !== 'failed') return { delivery: d, duplicate: true };
  if (d.topic === ALLEGRO_POLL_TOPIC) throw new Conflict('a failed poll is not replayed: the poller retries it itself, after its backoff');
  if (!d.payload) throw new Conflict('this delivery was too large to keep; ask the provider to send it again');
  const integration = await gated(store.db, store.table, integrationId);
  const input: DeliveryInput = { deliveryId, topic: d.topic, receivedAt: d.receivedAt, payload: d.payload, previousAttempts: d.attempts };
  return processDelivery(store, integration, input, unpackPayload(d.payload));
}
