import * as z from 'zod/mini';
import { Forbidden, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryAll, queryPage, type Page, type PageRequest } from '../paginator.js';
import { onVersion, putNewStep, staleOr } from './guards.js';

/*
 * An integration of an account (SPEC 2.3, 6): a shop, a marketplace, a bank import, an
 * accounting export or e-receipts, activated by a member who holds integrations.manage in
 * that (sub-)account. Everything it does later (a webhook delivery, a poll, an import)
 * acts only while it is active, its account is active and `activatedBy` still holds that
 * permission there (SPEC 6.3).
 *
 * The item is keyed by the integration id alone: a webhook delivery names nothing but
 * that id (`/webhooks/{integrationId}`), and the webhook authorizer must find the account
 * and the activator from it in one GetItem. The account's catalogue is gsi1.
 *
 *   table  pk INTEGRATION#<id>                  sk INTEGRATION
 *   gsi1   ACCOUNT#<acc>#INTEGRATIONS           INTEGRATION#<id>    integrations of an account
 *   gsi2   POLLED#<kind>                        INTEGRATION#<id>    active polled integrations (sparse)
 *
 * The gsi2 entry exists only while a POLLED kind (Allegro) is active: the scheduled poller
 * finds what to poll with one Query, never a Scan, and a deactivation (which rewrites the
 * item) takes the integration out of it in the same write.
 *
 * Items that belong to one integration (delivery log, dedup guards, poll cursor) live in
 * its partition under their own sort-key prefixes.
 */
export const INTEGRATION_KINDS = ['woocommerce', 'shopify', 'allegro', 'bank-import', 'accounting-export', 'e-receipts'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** Kinds whose provider signs webhook bodies with a shared secret (HMAC-SHA256). */
export const SIGNED_KINDS: readonly IntegrationKind[] = ['woocommerce', 'shopify'];
/** Kinds that receive deliveries over `/webhooks/{integrationId}`. */
export const WEBHOOK_KINDS: readonly IntegrationKind[] = ['woocommerce', 'shopify', 'bank-import'];

/** Kinds Kontor polls on a schedule (they have no webhooks). */
export const POLLED_KINDS: readonly IntegrationKind[] = ['allegro'];

export const integrationSchema = z.object({
  integrationId: z.string(),
  organizationId: z.string(),
  /** The (sub-)account the integration acts in: where its orders, invoices and payments go. */
  accountId: z.string(),
  kind: z.enum(INTEGRATION_KINDS),
  name: z.string(),
  status: z.enum(['active', 'inactive']),
  /** The member whose integrations.manage the integration acts under (SPEC 6.3). */
  activatedBy: z.string(),
  activatedAt: z.string(),
  deactivatedAt: z.optional(z.string()),
  /**
   * The shared secret, sealed by the secret box (KMS in AWS, AES-256-GCM locally) with the
   * integration id as its context. Stored encrypted, not hashed: HMAC verification needs it.
   */
  secret: z.optional(z.string()),
  /** Kind-specific settings (shop URL, Allegro client id, export format, ...); never secrets. */
  config: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Integration = z.infer<typeof integrationSchema>;

export const integrationPartition = (integrationId: string) => `INTEGRATION#${seg(integrationId)}`;
const ofAccount = (accountId: string) => `ACCOUNT#${seg(accountId)}#INTEGRATIONS`;
const polled = (kind: IntegrationKind) => `POLLED#${kind}`;
export const integrationKey = (integrationId: string) => ({ pk: integrationPartition(integrationId), sk: 'INTEGRATION' });

export const integrationEntity = defineEntity({
  type: 'integration',
  schema: integrationSchema,
  key: (i) => integrationKey(i.integrationId),
  indexes: (i) => ({
    gsi1pk: ofAccount(i.accountId),
    gsi1sk: `INTEGRATION#${seg(i.integrationId)}`,
    ...(i.status === 'active' && POLLED_KINDS.includes(i.kind) ? { gsi2pk: polled(i.kind), gsi2sk: `INTEGRATION#${seg(i.integrationId)}` } : {}),
  }),
});

const gone = () => new NotFound('no such integration in this account');

// Pattern "integration by id": GetItem (strongly consistent where a decision rests on it).
export const getIntegration = async (store: Store, integrationId: string, consistent = true): Promise<Integration | undefined> =>
  parseOptional(integrationEntity, await getItem(store, integrationKey(integrationId), consistent));

// Pattern "integrations of an account": gsi1, oldest first.
export const listIntegrations = (store: Store, accountId: string, page: PageRequest): Promise<Page<Integration>> =>
  queryPage(store, { index: 'gsi1', partition: ofAccount(accountId), sort: { prefix: 'INTEGRATION#' } }, integrationEntity.parse, page);

// Pattern "active integrations of a polled kind": gsi2 (sparse), every page, in id order
// (eventually consistent: the poller runs the gate on a strongly consistent read anyway).
export const listPolledIntegrations = (store: Store, kind: IntegrationKind): Promise<Integration[]> =>
  queryAll(store, { index: 'gsi2', partition: polled(kind), sort: { prefix: 'INTEGRATION#' } }, integrationEntity.parse, { max: Infinity });

/** A new integration. */
export const integrationPutStep = (store: Store, i: Integration): TxStep => putNewStep(store, integrationEntity.item(i));

/** The integration as changed (status, name, config, secret), on the version read. */
export const integrationReplaceStep = (store: Store, before: Integration, after: Integration): TxStep => ({
  item: { Put: { TableName: store.table, Item: integrationEntity.item({ ...after, version: before.version + 1 }), ...onVersion(before.version) } },
  onConditionFailed: staleOr('the integration', gone),
});

/** A ConditionCheck that the integration is still active at the version read (a delivery's transaction). */
export const integrationActiveStep = (store: Store, i: Integration): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: integrationKey(i.integrationId),
      ConditionExpression: '#status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':active': 'active' },
    },
  },
  onConditionFailed: () => new Forbidden('the integration is no longer active', { extensions: { reason: 'integration-inactive' } }),
});
