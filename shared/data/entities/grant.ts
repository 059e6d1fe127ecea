import * as z from 'zod/mini';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryAll } from '../paginator.js';
import { ConflictWithCurrent, putNewStep } from './guards.js';

/*
 * A main-account member's access to one sub-account (SPEC 3.3). It is stored beside the
 * membership and extends its sort key, so one Query under `MEMBER#<user>#` returns a
 * member with their grants and nobody else's.
 *
 *   table  pk ACCOUNT#<main>   sk MEMBER#<user>#GRANT#<sub>
 */
export const grantSchema = z.object({
  organizationId: z.string(),
  mainAccountId: z.string(),
  subAccountId: z.string(),
  userId: z.string(),
  grantedBy: z.string(),
  grantedAt: z.string(),
});
export type Grant = z.infer<typeof grantSchema>;

export const grantKey = (mainAccountId: string, userId: string, subAccountId: string) => ({
  pk: `ACCOUNT#${seg(mainAccountId)}`,
  sk: `MEMBER#${seg(userId)}#GRANT#${seg(subAccountId)}`,
});

export const grantEntity = defineEntity({
  type: 'grant',
  schema: grantSchema,
  key: (g) => grantKey(g.mainAccountId, g.userId, g.subAccountId),
});

/** A member holds at most one grant per sub-account of the organization: every one is read, none left out. */
const EVERY_GRANT = Number.POSITIVE_INFINITY;

// Pattern "one grant": GetItem, strongly consistent.
export const getGrant = async (store: Store, mainAccountId: string, userId: string, subAccountId: string): Promise<Grant | undefined> =>
  parseOptional(grantEntity, await getItem(store, grantKey(mainAccountId, userId, subAccountId), true));

// Pattern "grants of a main-account member": the member's prefix narrowed to `GRANT#`.
export const listGrantsOfMember = (store: Store, mainAccountId: string, userId: string): Promise<Grant[]> =>
  queryAll(
    store,
    { partition: `ACCOUNT#${seg(mainAccountId)}`, sort: { prefix: `MEMBER#${seg(userId)}#GRANT#` } },
    grantEntity.parse,
    { max: EVERY_GRANT },
  );

/** A new grant; one that is already there (a concurrent identical grant) fails with it. */
export const grantPutStep = (store: Store, g: Grant): TxStep =>
  putNewStep(store, grantEntity.item(g), (current) =>
    current === undefined ? new Conflict('the member already has that access') : new ConflictWithCurrent('the member already has that access', grantEntity, current),
  );

/** Revokes a grant that must still be there. */
export const grantDeleteStep = (store: Store, g: Pick<Grant, 'mainAccountId' | 'userId' | 'subAccountId'>): TxStep => ({
  item: {
    Delete: { TableName: store.table, Key: grantKey(g.mainAccountId, g.userId, g.subAccountId), ConditionExpression: 'attribute_exists(pk)' },
  },
  onConditionFailed: () => new NotFound('the member has no access to that sub-account'),
});

/** A grant that goes with its membership, whatever state it is in. */
export const grantRemoveStep = (store: Store, g: Grant): TxStep => ({
  item: { Delete: { TableName: store.table, Key: grantEntity.key(g) } },
});
