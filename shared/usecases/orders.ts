import type { Store } from '../data/context.js';
import { retryLostRaces, transact, type TxStep } from '../data/dynamo.js';
import type { Client } from '../data/entities/client.js';
import { deliveryProcessedStep, getDelivery, type Delivery } from '../data/entities/delivery.js';
import { getDocument, type Document } from '../data/entities/document.js';
import { integrationActiveStep, type Integration } from '../data/entities/integration.js';
import * as orders from '../data/entities/order.js';
import { Conflict, ServiceUnavailable } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { formatMinor } from '../domain/invoicing/currency.js';
import { priceLines } from '../domain/invoicing/money.js';
import type { ShopOrder, ShopRefund } from '../integrations/shop-orders.js';

/*
 * Orders to invoices (SPEC 6.1). A delivery that carries an order is processed in ONE
 * transaction: the delivery's log entry as `processed` (its dedup guard), the order, the
 * draft invoice, the client when the buyer is new (with its buyer links), and a check that
 * the integration is still active. So a delivery either did all of it or none of it, and
 *   - the same delivery again (a provider retry, a replay, ten at once) finds its entry
 *     processed and does nothing: one invoice;
 *   - two different deliveries of one order (created + updated racing) cannot both create
 *     it: the order item is written only if absent; the loser reads it and updates it;
 *   - two new orders of one new buyer cannot create two clients: the buyer link is written
 *     only if absent; the loser retries and finds the client.
 * Every such lost race is a TransientConflict, and the whole decision is made again on what
 * is there now (retryLostRaces).
 *
 * What later deliveries do to the invoice (decided here, documented in docs/integrations.md):
 *   - an updated order: while the invoice is a draft, its lines, client and totals follow
 *     the order; once a person issued it, it is left alone (issued invoices do not change);
 *   - a cancelled (or fully refunded / voided / failed) order: its draft invoice is
 *     cancelled, with the reason in its notes; an issued one is left as it is and the
 *     delivery's outcome says a correction is needed;
 *   - a refund: the order records the refunded amount; a draft invoice gets a note.
 * Invoices are created by, and belong to, the member who activated the integration.
 */
const MAX_ATTEMPTS = 8;

export interface DeliveryInput {
  deliveryId: string;
  topic: string;
  receivedAt: string;
  /** The raw body, packed (kept for replays). */
  payload?: string | undefined;
  /** Attempts before this one (a replay). */
  previousAttempts: number;
}

export interface Ingested {
  delivery: Delivery;
  duplicate: boolean;
}

class Duplicate extends Conflict {
  constructor(readonly current: Delivery) {
    super('the delivery was processed already');
  }
}

const exhausted = () => new ServiceUnavailable('the order kept changing while this delivery was processed; retry', { retryAfterSeconds: 1 });

const noteOf = (order: ShopOrder, computedGross: number): string => {
  const parts = [`${order.provider === 'woocommerce' ? 'WooCommerce' : order.provider === 'shopify' ? 'Shopify' : 'Allegro'} order ${order.number} (${order.status}).`, ...order.notes];
  if (computedGross !== order.totals.gross) {
    parts.push(`The shop's total is ${formatMinor(order.totals.gross, order.currency)} ${order.currency}; the invoice's is ${formatMinor(computedGross, order.currency)} — check before issuing.`);
  }
  return parts.join(' ').slice(0, 2000);
};

function invoiceContent(order: ShopOrder) {
  const priced = priceLines(order.lines, 'body.lines');
  return { ...priced, currency: order.currency, notes: noteOf(order, priced.gross) };
}

/** The client the buyer is: a linked one, one with their e-mail or tax id, or a new one. */
async function buyerOf(store: Store, integration: Integration, order: ShopOrder, now: string): Promise<{ client: Pick<Client, 'clientId' | 'name'>; steps: TxStep[] }> {
  const c = order.customer;
  const matches = [c.taxId && orders.buyerMatch('taxid', c.taxId), c.email && orders.buyerMatch('email', c.email)].filter((m): m is string => !!m);
  for (const m of matches) {
    const linked = await orders.getBuyerLink(store, integration.accountId, m);
    if (linked) return { client: { clientId: linked, name: c.name }, steps: [] };
  }
  const existing = await orders.findClient(store, integration.accountId, { email: c.email, taxId: c.taxId });
  if (existing) return { client: existing, steps: [] };
  const client: Client = {
    clientId: ulid(),
    accountId: integration.accountId,
    name: c.name.slice(0, 200),
    email: c.email,
    taxId: c.taxId,
    phone: c.phone,
    address: c.address,
    notes: `Created from ${order.provider} order ${order.number}.`,
    createdBy: integration.activatedBy,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return { client, steps: orders.newBuyerSteps(store, client, matches) };
}

async function run(store: Store, integration: Integration, input: DeliveryInput, attempt: (now: string, delivery: Delivery) => Promise<{ steps: TxStep[]; delivery: Delivery }>): Promise<Ingested> {
  try {
    return await retryLostRaces(MAX_ATTEMPTS, exhausted, async () => {
      const seen = await getDelivery(store, integration.integrationId, input.deliveryId);
      if (seen && seen.status !== 'failed') return { delivery: seen, duplicate: true };
      const now = store.now().toISOString();
      const base: Delivery = {
        integrationId: integration.integrationId,
        organizationId: integration.organizationId,
        accountId: integration.accountId,
        deliveryId: input.deliveryId,
        topic: input.topic,
        status: 'processed',
        attempts: input.previousAttempts + 1,
        payload: input.payload,
        receivedAt: seen?.receivedAt ?? input.receivedAt,
        updatedAt: now,
      };
      const { steps, delivery } = await attempt(now, base);
      await transact(store, [
        deliveryProcessedStep(store, delivery, (current) => new Duplicate(current)),
        ...steps,
        integrationActiveStep(store, integration),
      ]);
      return { delivery, duplicate: false };
    });
  } catch (e) {
    if (e instanceof Duplicate) return { delivery: e.current, duplicate: true };
    throw e;
  }
}

/** Processes one delivery of an order: creates its order and draft invoice, or updates them. */
export function ingestOrder(store: Store, integration: Integration, input: DeliveryInput, order: ShopOrder): Promise<Ingested> {
  return run(store, integration, input, async (now, delivery) => {
    const existing = await orders.getOrder(store, integration.integrationId, order.externalId);
    if (!existing) return createFrom(store, integration, order, now, delivery);
    return updateFrom(store, integration, existing, order, now, delivery);
  });
}

async function createFrom(store: Store, integration: Integration, order: ShopOrder, now: string, delivery: Delivery) {
  const orderId = ulid();
  const cancelled = order.event === 'cancelled';
  const record: orders.Order = {
    orderId,
    integrationId: integration.integrationId,
    organizationId: integration.organizationId,
    accountId: integration.accountId,
    provider: order.provider,
    externalId: order.externalId,
    number: order.number,
    status: order.status,
    cancelled,
    currency: order.currency,
    ...order.totals,
    refunded: order.refunded,
    lastDeliveryId: delivery.deliveryId,
    receivedAt: now,
    updatedAt: now,
    version: 1,
  };
  // An order first seen cancelled is recorded, and no invoice is written for it.
  if (cancelled) {
    return { steps: [orders.orderPutStep(store, record)], delivery: { ...delivery, orderId, outcome: 'order recorded as cancelled; no invoice' } };
  }
  const { client, steps: buyerSteps } = await buyerOf(store, integration, order, now);
  const content = invoiceContent(order);
  const invoice: Document = {
    documentId: ulid(),
    kind: 'invoice',
    organizationId: integration.organizationId,
    accountId: integration.accountId,
    status: 'draft',
    clientId: client.clientId,
    clientName: client.name,
    issueDate: order.orderDate,
    ...content,
    notes: order.refunded > 0 ? `${content.notes} Refunded so far: ${formatMinor(order.refunded, order.currency)} ${order.currency}.`.slice(0, 2000) : content.notes,
    paid: 0,
    createdBy: integration.activatedBy,
    createdAt: now,
    updatedBy: integration.activatedBy,
    updatedAt: now,
    version: 1,
  };
  return {
    steps: [orders.orderPutStep(store, { ...record, clientId: client.clientId, invoiceId: invoice.documentId }), orders.draftInvoicePutStep(store, invoice), ...buyerSteps],
    delivery: { ...delivery, orderId, invoiceId: invoice.documentId, outcome: `draft invoice created${buyerSteps.length ? ' with a new client' : ''}` },
  };
}

async function updateFrom(store: Store, integration: Integration, existing: orders.Order, order: ShopOrder, now: string, delivery: Delivery) {
  const invoice = existing.invoiceId ? await getDocument(store, integration.accountId, 'invoice', existing.invoiceId, true) : undefined;
  const cancelled = existing.cancelled || order.event === 'cancelled';
  // A bare cancellation (WooCommerce order.deleted) carries no amounts: the order keeps its own.
  const after: orders.Order = { ...existing, status: order.status, cancelled, ...(order.lines.length ? order.totals : {}), refunded: Math.max(existing.refunded, order.refunded), lastDeliveryId: delivery.deliveryId, updatedAt: now };
  const steps: TxStep[] = [orders.orderReplaceStep(store, existing, after)];
  const ids = { orderId: existing.orderId, invoiceId: existing.invoiceId };
  if (!invoice) return { steps, delivery: { ...delivery, ...ids, outcome: 'order updated; it has no invoice' } };
  if (invoice.status !== 'draft') {
    const needsCorrection = order.event !== 'order' || after.refunded > existing.refunded;
    return {
      steps,
      delivery: { ...delivery, ...ids, outcome: needsCorrection ? `order ${order.event}; invoice ${invoice.number ?? invoice.documentId} is ${invoice.status} and was left as it is: correct it by hand` : 'order updated; the invoice is no longer a draft and was left as it is' },
    };
  }
  let next: Document;
  let outcome: string;
  if (cancelled) {
    next = { ...invoice, status: 'cancelled', notes: `${invoice.notes ?? ''} Cancelled: the shop order is ${order.status}.`.trim().slice(0, 2000) };
    outcome = 'order cancelled; draft invoice cancelled';
  } else {
    const content = invoiceContent(order);
    const refundNote = after.refunded > 0 ? ` Refunded so far: ${formatMinor(after.refunded, order.currency)} ${order.currency}.` : '';
    next = { ...invoice, ...content, issueDate: order.orderDate, notes: `${content.notes}${refundNote}`.slice(0, 2000) };
    outcome = after.refunded > existing.refunded ? 'refund recorded; draft invoice annotated' : 'order updated; draft invoice follows it';
  }
  steps.push(orders.invoiceReplaceStep(store, invoice, { ...next, updatedBy: integration.activatedBy, updatedAt: now }));
  return { steps, delivery: { ...delivery, ...ids, outcome } };
}

/** A refund delivered on its own (Shopify refunds/create): the order's refunded amount moves; a draft is annotated. */
export function ingestRefund(store: Store, integration: Integration, input: DeliveryInput, refund: ShopRefund): Promise<Ingested> {
  return run(store, integration, input, async (now, delivery) => {
    const existing = await orders.getOrder(store, integration.integrationId, refund.externalOrderId);
    if (!existing) return { steps: [], delivery: { ...delivery, outcome: `refund of unknown order ${refund.externalOrderId}; nothing changed` } };
    const refunded = existing.refunded + refund.amount;
    const after = { ...existing, refunded, lastDeliveryId: delivery.deliveryId, updatedAt: now };
    const steps: TxStep[] = [orders.orderReplaceStep(store, existing, after)];
    const invoice = existing.invoiceId ? await getDocument(store, integration.accountId, 'invoice', existing.invoiceId, true) : undefined;
    const ids = { orderId: existing.orderId, invoiceId: existing.invoiceId };
    if (invoice?.status === 'draft') {
      const note = `Refund ${refund.refundId}: ${formatMinor(refund.amount, existing.currency)} ${existing.currency}.`;
      steps.push(orders.invoiceReplaceStep(store, invoice, { ...invoice, notes: `${invoice.notes ?? ''} ${note}`.trim().slice(0, 2000), updatedBy: integration.activatedBy, updatedAt: now }));
      return { steps, delivery: { ...delivery, ...ids, outcome: 'refund recorded; draft invoice annotated' } };
    }
    return { steps, delivery: { ...delivery, ...ids, outcome: invoice ? `refund recorded; invoice ${invoice.number ?? ''} is ${invoice.status}: correct it by hand` : 'refund recorded' } };
  });
}

/** A delivery with nothing to do (a topic Kontor does not act on): logged as processed, so a retry is a duplicate. */
export function ingestNothing(store: Store, integration: Integration, input: DeliveryInput, outcome: string): Promise<Ingested> {
  return run(store, integration, input, async (_now, delivery) => ({ steps: [], delivery: { ...delivery, status: 'ignored', outcome } }));
}

