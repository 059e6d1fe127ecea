import type * as z from 'zod';
import type { deliveryResponse, integrationResponse, integrationWithSecretResponse, orderResponse, webhookResponse } from '../contracts/integrations.js';
import type { Delivery } from '../data/entities/delivery.js';
import { WEBHOOK_KINDS, SIGNED_KINDS, type Integration } from '../data/entities/integration.js';
import type { Order } from '../data/entities/order.js';
import type { WebhookResult } from '../usecases/webhooks.js';

/* Integrations as the API shows them: never the sealed secret, only whether there is one. */

/**
 * Where the provider delivers. `base` is the API's public base URL as the caller reached it
 * (scheme, host and, on API Gateway's own domain, the stage).
 */
export const webhookUrlOf = (i: Integration, base: string): string | null =>
  WEBHOOK_KINDS.includes(i.kind) ? `${base.replace(/\/+$/, '')}/webhooks/${i.integrationId}` : null;

export const integrationView = (i: Integration, base: string): z.output<typeof integrationResponse> => ({
  id: i.integrationId,
  accountId: i.accountId,
  kind: i.kind,
  name: i.name,
  status: i.status,
  activatedBy: i.activatedBy,
  activatedAt: i.activatedAt,
  deactivatedAt: i.deactivatedAt ?? null,
  config: i.config,
  hasSecret: i.secret !== undefined,
  webhookUrl: webhookUrlOf(i, base),
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
  version: i.version,
});

export const integrationWithSecretView = (r: { integration: Integration; secret?: string | undefined }, base: string): z.output<typeof integrationWithSecretResponse> => ({
  ...integrationView(r.integration, base),
  secret: SIGNED_KINDS.includes(r.integration.kind) ? (r.secret ?? null) : null,
});

export const deliveryView = (d: Delivery): z.output<typeof deliveryResponse> => ({
  id: d.deliveryId,
  integrationId: d.integrationId,
  topic: d.topic,
  status: d.status,
  outcome: d.outcome ?? null,
  orderId: d.orderId ?? null,
  invoiceId: d.invoiceId ?? null,
  error: d.error ?? null,
  attempts: d.attempts,
  replayable: d.status === 'failed' && d.payload !== undefined,
  receivedAt: d.receivedAt,
  updatedAt: d.updatedAt,
});

export const webhookView = (r: WebhookResult): z.output<typeof webhookResponse> =>
  r.kind === 'ping' ? { received: true, duplicate: false, delivery: null } : { received: true, duplicate: r.duplicate, delivery: deliveryView(r.delivery) };

export const orderView = (o: Order): z.output<typeof orderResponse> => ({
  id: o.orderId,
  integrationId: o.integrationId,
  provider: o.provider,
  externalId: o.externalId,
  number: o.number,
  status: o.status,
  cancelled: o.cancelled,
  currency: o.currency,
  gross: o.gross,
  tax: o.tax,
  shipping: o.shipping,
  discount: o.discount,
  refunded: o.refunded,
  clientId: o.clientId ?? null,
  invoiceId: o.invoiceId ?? null,
  receivedAt: o.receivedAt,
  updatedAt: o.updatedAt,
});
