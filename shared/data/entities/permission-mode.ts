import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import { PERMISSION_MODES, type PermissionMode } from '../../domain/acl.js';
import type { Store } from '../context.js';
import { putItem, type TxStep } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';
import { staleOr } from './guards.js';

/*
 * The permission-management mode of an organization (SPEC 5.6) and the single-use tokens
 * that unlock its change (5.7). No mode item means `static`, version 0: organizations made
 * before modes existed keep exactly the role-only behaviour they had.
 *
 *   table  pk ORG#<org>    sk PERMISSION-MODE              the mode
 *   table  pk ORG#<org>    sk MODE-UNLOCK#<sha256(token)>  an unlock token (TTL attribute expiresAt)
 */
export const permissionModeSchema = z.object({
  organizationId: z.string(),
  mode: z.enum(PERMISSION_MODES),
  version: z.number(),
  changedBy: z.optional(z.string()),
  changedAt: z.optional(z.string()),
});
export type PermissionModeState = z.infer<typeof permissionModeSchema>;

export const permissionModeKey = (organizationId: string): Key => ({ pk: `ORG#${seg(organizationId)}`, sk: 'PERMISSION-MODE' });

export const permissionModeEntity = defineEntity({ type: 'permission-mode', schema: permissionModeSchema, key: (m) => permissionModeKey(m.organizationId) });

export const defaultMode = (organizationId: string): PermissionModeState => ({ organizationId, mode: 'static', version: 0 });

/** The mode written at `current.version + 1`, only if it is still at the version read. */
export const permissionModeStep = (store: Store, current: PermissionModeState, next: PermissionModeState): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: permissionModeEntity.item(next),
      ...(current.version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':v': current.version } }),
    },
  },
  onConditionFailed: staleOr('the permission mode', () => new Conflict('the permission mode changed since it was read')),
});

export const unlockTokenSchema = z.object({
  organizationId: z.string(),
  tokenHash: z.string(),
  targetMode: z.enum(PERMISSION_MODES),
  /** The mode the warning was computed against: the token is void once the mode moved. */
  fromVersion: z.number(),
  issuedTo: z.string(),
  /** Epoch seconds: DynamoDB's TTL removes it some time after; the condition below decides. */
  expiresAt: z.number(),
  expiresAtMs: z.number(),
});
export type UnlockToken = z.infer<typeof unlockTokenSchema>;

const unlockKey = (organizationId: string, tokenHash: string): Key => ({ pk: `ORG#${seg(organizationId)}`, sk: `MODE-UNLOCK#${tokenHash}` });

export const unlockTokenEntity = defineEntity({ type: 'mode-unlock', schema: unlockTokenSchema, key: (t) => unlockKey(t.organizationId, t.tokenHash) });

export const putUnlockToken = (store: Store, t: UnlockToken): Promise<void> =>
  putItem(store, unlockTokenEntity.item(t), { expression: 'attribute_not_exists(pk)' }, () => new Conflict('token collision; ask again'));

/**
 * Consumes an unlock token inside the mode change's transaction: it must exist (single use:
 * the delete is the use), be unexpired, be for this target mode and this mode version.
 */
export const consumeUnlockStep = (
  store: Store,
  q: { organizationId: string; tokenHash: string; targetMode: PermissionMode; fromVersion: number; nowMs: number },
): TxStep => ({
  item: {
    Delete: {
      TableName: store.table,
      Key: unlockKey(q.organizationId, q.tokenHash),
      ConditionExpression: 'attribute_exists(pk) AND targetMode = :m AND fromVersion = :fv AND expiresAtMs > :now',
      ExpressionAttributeValues: { ':m': q.targetMode, ':fv': q.fromVersion, ':now': q.nowMs },
    },
  },
  onConditionFailed: (current) =>
    new Conflict(
      current === undefined
        ? 'the mode is locked: unlock it first (POST permission-mode/unlock); the token is unknown or already used'
        : 'the mode is locked: this unlock token is expired, for another mode, or the mode changed since it was issued',
      { extensions: { reason: 'mode-locked' } },
    ),
});
