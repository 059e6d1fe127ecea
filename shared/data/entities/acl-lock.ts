import * as z from 'zod/mini';
import { randomUUID } from 'node:crypto';
import { OBJECT_TYPES } from '../../domain/acl.js';
import { AclBusy } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { deleteItem, getItem, putItem, updateItem, type TxStep } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';

/*
 * The ACL lock of an account: one item that serializes every change which re-derives
 * entries of the materialized index (an ACL replaced, a CRM object created, moved or
 * deleted, a member's entries built). An index entry depends on the object AND on every
 * ancestor's rows, so a version on the entry cannot tell that another request changed an
 * ancestor meanwhile; one lock per account can, and the changes it serializes are rare
 * next to the checks and lists it never touches.
 *
 *   table  pk ACCOUNT#<acc>#ACL#LOCK    sk LOCK
 *
 * The lock is a lease: taken with a conditional Put (absent, or expired and still held by
 * the holder read), released with a conditional Delete. A holder that crashed leaves a
 * lease that expires; whoever takes it over first repairs what the lock names (`roots`,
 * `builds`: the intent written before any object or index write). Every transaction of a
 * holder carries `fenceStep` (holder unchanged, lease renewed), so a holder that lost its
 * lease to a take-over cannot write anything after it: its transaction is cancelled.
 */
export const ACL_LOCK_LEASE_MS = 30_000;

const rootSchema = z.object({ id: z.string(), type: z.enum(OBJECT_TYPES) });

export const aclLockSchema = z.object({
  accountId: z.string(),
  /** A random token of this holder; the fence and the release are conditioned on it. */
  holder: z.string(),
  expiresAtMs: z.number(),
  acquiredAt: z.string(),
  /** The objects whose subtrees the holder re-derives (what a take-over repairs). */
  roots: z.array(rootSchema),
  /** The members whose entries the holder builds from scratch. */
  builds: z.array(z.string()),
});
export type AclLock = z.infer<typeof aclLockSchema>;
export type AclRoot = z.infer<typeof rootSchema>;

export const aclLockKey = (accountId: string): Key => ({ pk: `ACCOUNT#${seg(accountId)}#ACL#LOCK`, sk: 'LOCK' });

export const aclLockEntity = defineEntity({ type: 'acl-lock', schema: aclLockSchema, key: (l) => aclLockKey(l.accountId) });

const busy = () => new AclBusy('another change to the permissions of this account is being applied; retry shortly', { retryAfterSeconds: 1 });
const lost = () => new AclBusy('the permission change took too long and was taken over; retry it', { retryAfterSeconds: 1 });

// Pattern "the lock as it is": strongly consistent (a take-over decides on it).
export const readAclLock = async (store: Store, accountId: string): Promise<AclLock | undefined> => {
  const raw = await getItem(store, aclLockKey(accountId), true);
  return raw ? aclLockEntity.parse(raw) : undefined;
};

/**
 * Takes the lock for a new holder: a Put conditioned on the lock being absent, or on it
 * still being exactly the expired lease read (`stale`), so two take-overs of one stale
 * lease cannot both win. 409 acl-busy when someone else got there first.
 */
export async function takeAclLock(store: Store, accountId: string, intent: { roots: AclRoot[]; builds: string[] }, stale?: AclLock): Promise<AclLock> {
  const nowMs = store.now().getTime();
  const lock: AclLock = {
    accountId,
    holder: randomUUID(),
    expiresAtMs: nowMs + ACL_LOCK_LEASE_MS,
    acquiredAt: new Date(nowMs).toISOString(),
    roots: intent.roots,
    builds: intent.builds,
  };
  const condition = stale
    ? { expression: '#holder = :stale AND #exp < :now', names: { '#holder': 'holder', '#exp': 'expiresAtMs' }, values: { ':stale': stale.holder, ':now': nowMs } }
    : { expression: 'attribute_not_exists(pk)' };
  await putItem(store, aclLockEntity.item(lock), condition, busy);
  return lock;
}

/** Adds to what the holder will repair if it crashes (a member's build joined a change). */
export async function noteAclIntent(store: Store, lock: AclLock, add: { roots?: AclRoot[]; builds?: string[] }): Promise<AclLock> {
  const next = { ...lock, roots: [...lock.roots, ...(add.roots ?? [])], builds: [...lock.builds, ...(add.builds ?? [])] };
  next.expiresAtMs = store.now().getTime() + ACL_LOCK_LEASE_MS;
  await updateItem(
    store,
    aclLockKey(lock.accountId),
    { expression: 'SET #roots = :roots, #builds = :builds, #exp = :exp', names: { '#roots': 'roots', '#builds': 'builds', '#exp': 'expiresAtMs' }, values: { ':roots': next.roots, ':builds': next.builds, ':exp': next.expiresAtMs } },
    { expression: '#holder = :me', names: { '#holder': 'holder' }, values: { ':me': lock.holder } },
    lost,
  );
  return next;
}

/**
 * The fence in every transaction of a holder: the lock is still theirs (else the whole
 * transaction is cancelled, 409 acl-busy), and its lease runs again from now.
 */
export const aclFenceStep = (store: Store, lock: AclLock): TxStep => ({
  item: {
    Update: {
      TableName: store.table,
      Key: aclLockKey(lock.accountId),
      UpdateExpression: 'SET #exp = :exp',
      ConditionExpression: '#holder = :me',
      ExpressionAttributeNames: { '#exp': 'expiresAtMs', '#holder': 'holder' },
      ExpressionAttributeValues: { ':exp': store.now().getTime() + ACL_LOCK_LEASE_MS, ':me': lock.holder },
    },
  },
  onConditionFailed: lost,
});

/** Releases the lock if it is still this holder's (a taken-over lease is someone else's now). */
export async function releaseAclLock(store: Store, lock: AclLock): Promise<void> {
  await deleteItem(store, aclLockKey(lock.accountId), { expression: '#holder = :me', names: { '#holder': 'holder' }, values: { ':me': lock.holder } }, () => lost()).catch(
    (e: unknown) => {
      if (!(e instanceof AclBusy)) throw e;
    },
  );
}
