import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { Store } from '../context.js';
import type { TxStep } from '../dynamo.js';
import { defineEntity, seg } from '../entity.js';
import { putNewStep } from './guards.js';

/*
 * The guard that makes a sub-account's external identifier unique within its
 * organization: written with the sub-account, in the same transaction, only if absent.
 *
 *   table  pk ORG#<org>   sk EXTID#<externalId>
 */
export const externalIdSchema = z.object({
  organizationId: z.string(),
  externalId: z.string(),
  accountId: z.string(),
});
export type ExternalId = z.infer<typeof externalIdSchema>;

export const externalIdEntity = defineEntity({
  type: 'external-id',
  schema: externalIdSchema,
  key: (e) => ({ pk: `ORG#${seg(e.organizationId)}`, sk: `EXTID#${seg(e.externalId)}` }),
});

/** Claims the external id; taken, it is a 409 naming the field. */
export const externalIdClaimStep = (store: Store, e: ExternalId): TxStep =>
  putNewStep(store, externalIdEntity.item(e), () =>
    new Conflict(`the external identifier ${e.externalId} is already used in this organization`, {
      extensions: { reason: 'external-id-taken', externalId: e.externalId },
      errors: [{ field: 'body.externalId', message: 'already used in this organization' }],
    }),
  );

/**
 * Releases the external id the account held: deleted only while it still names that
 * account, so a release never frees an identifier another sub-account claimed meanwhile.
 * A marker that is already gone is nothing to release (accounts seeded without one).
 */
export const externalIdReleaseStep = (store: Store, e: ExternalId): TxStep => ({
  item: {
    Delete: {
      TableName: store.table,
      Key: externalIdEntity.key(e),
      ConditionExpression: 'attribute_not_exists(pk) OR accountId = :acc',
      ExpressionAttributeValues: { ':acc': e.accountId },
    },
  },
  onConditionFailed: () =>
    new Conflict(`the external identifier ${e.externalId} is no longer held by this account`, {
      extensions: { reason: 'external-id-moved', externalId: e.externalId },
    }),
});
