import * as z from 'zod';
import { INTEGRATION_KINDS } from '../data/entities/integration.js';
import { DELIVERY_STATUSES } from '../data/entities/delivery.js';
import { ULID_RE } from '../domain/ids.js';
import { accountId, accountPath, pageOf, pageQuery } from './admin-common.js';
import type { RouteContract } from './types.js';
import { singleLine, versionOf } from './text.js';

/*
 * Contracts of the integration routes. Secrets appear in exactly two answers: activation
 * and a rotation (`rotateSecret`), once; no read ever returns one.
 */
export const integrationIdParam = z.string().regex(ULID_RE, 'must be an integration id (26-character ULID)').meta({ id: 'IntegrationId' });
export const integrationPath = z.object({ accountId, integrationId: integrationIdParam });
export const deliveryPath = z.object({ accountId, integrationId: integrationIdParam, deliveryId: z.string().min(1).max(200) });
export const webhookPath = z.object({ integrationId: integrationIdParam });

/** Settings only, never secrets: a few small values (shop URL, Allegro environment, ...). */
const config = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'a setting name'), z.union([z.string().max(500), z.number(), z.boolean()]))
  .refine((c) => Object.keys(c).length <= 20, 'at most 20 settings')
  .describe('Kind-specific settings (e.g. `shopUrl`); never secrets');
const secret = z.string().min(16).max(200).describe("The provider's own signing secret, when it chose one (Shopify shows it in its admin)");

/** An OAuth credential: printable ASCII without spaces (hex ids, secrets, JWT refresh tokens), never free text. */
const credential = (max: number) => z.string().min(1).max(max).regex(/^[\x21-\x7E]+$/, 'printable ASCII characters without spaces');

const allegroCredentials = z
  .object({
    clientId: credential(200),
    clientSecret: credential(500),
    refreshToken: credential(4000),
  })
  .strict()
  .describe("Allegro only: the app's client id and secret and the seller's refresh token (authorization code flow). Stored sealed; never answered (the client id is also shown in `config`)")
  .meta({ id: 'AllegroCredentials' });

export const activateIntegrationBody = z
  .object({
    kind: z.enum(INTEGRATION_KINDS),
    name: singleLine(100).optional(),
    config: config.optional(),
    secret: secret.optional(),
    allegro: allegroCredentials.optional(),
  })
  .strict()
  .describe('Send an Idempotency-Key header: a retry then answers the first activation (with its secret) instead of activating a second integration.')
  .meta({ id: 'ActivateIntegration' });

const version = versionOf().describe('the version the change is based on (optimistic locking)');
export const configureIntegrationBody = z
  .object({ version, name: singleLine(100).optional(), config: config.optional(), rotateSecret: z.boolean().optional(), secret: secret.optional(), allegro: allegroCredentials.optional() })
  .strict()
  .refine((b) => !(b.rotateSecret && b.secret), { path: ['secret'], message: 'either rotateSecret or secret' })
  .meta({ id: 'ConfigureIntegration' });
export const integrationVersionBody = z.object({ version }).strict().meta({ id: 'IntegrationVersion' });

export const integrationResponse = z
  .object({
    id: z.string(),
    accountId: z.string(),
    kind: z.enum(INTEGRATION_KINDS),
    name: z.string(),
    status: z.enum(['active', 'inactive']),
    activatedBy: z.string().describe('the member whose integrations.manage the integration acts under (SPEC 6.3)'),
    activatedAt: z.string(),
    deactivatedAt: z.string().nullable(),
    config: z.record(z.string(), z.unknown()),
    hasSecret: z.boolean(),
    webhookUrl: z.string().nullable().describe('where the provider delivers; null for kinds without webhooks'),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Integration' });

export const integrationWithSecretResponse = integrationResponse
  .extend({ secret: z.string().nullable().describe('the signing secret, shown ONLY in this answer; null when none was generated') })
  .meta({ id: 'IntegrationWithSecret' });

export const deliveryResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    topic: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    outcome: z.string().nullable(),
    orderId: z.string().nullable(),
    invoiceId: z.string().nullable(),
    error: z.object({ status: z.number().int(), type: z.string(), detail: z.string() }).nullable(),
    attempts: z.number().int(),
    replayable: z.boolean(),
    receivedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Delivery' });

export const webhookResponse = z
  .object({
    received: z.boolean(),
    duplicate: z.boolean(),
    delivery: deliveryResponse.nullable().describe('null for a ping'),
  })
  .meta({ id: 'WebhookReceipt' });

export const orderResponse = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    provider: z.string(),
    externalId: z.string(),
    number: z.string(),
    status: z.string(),
    cancelled: z.boolean(),
    currency: z.string(),
    gross: z.number().int(),
    tax: z.number().int(),
    shipping: z.number().int(),
    discount: z.number().int(),
    refunded: z.number().int(),
    clientId: z.string().nullable(),
    invoiceId: z.string().nullable(),
    receivedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ShopOrder' });

export const integrationsContracts: Record<string, RouteContract> = {
  listIntegrations: { path: accountPath, query: pageQuery, response: pageOf(integrationResponse) },
  activateIntegration: { path: accountPath, body: activateIntegrationBody, response: integrationWithSecretResponse, status: 201 },
  getIntegration: { path: integrationPath, response: integrationResponse },
  configureIntegration: { path: integrationPath, body: configureIntegrationBody, response: integrationWithSecretResponse },
  deactivateIntegration: { path: integrationPath, body: integrationVersionBody, response: integrationResponse },
  reactivateIntegration: { path: integrationPath, body: integrationVersionBody, response: integrationResponse },
  listDeliveries: { path: integrationPath, query: pageQuery, response: pageOf(deliveryResponse) },
  getDelivery: { path: deliveryPath, response: deliveryResponse },
  replayDelivery: { path: deliveryPath, response: deliveryResponse },
  listOrders: { path: accountPath, query: pageQuery, response: pageOf(orderResponse) },
  receiveWebhook: { path: webhookPath, response: webhookResponse },
};
