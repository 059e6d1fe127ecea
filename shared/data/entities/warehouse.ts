import * as z from 'zod/mini';
import type { Store } from '../context.js';
import { batchGetItems, type OnConditionFailed, type TxStep } from '../dynamo.js';
import { defineEntity } from '../entity.js';
import { catalogAccess, catalogKeys } from './catalog-entry.js';

/*
 * A warehouse of an account: where stock is counted. `allowNegative` lets its stock of an
 * item go below zero (goods issued before their receipt is booked); every other warehouse
 * refuses such a movement. Warehouses are catalogue entries (see catalog-entry.ts).
 *
 *   table  pk ACCOUNT#<acc>#WAREHOUSES    sk WAREHOUSE#<id>
 */
export const warehouseSchema = z.object({
  warehouseId: z.string(),
  accountId: z.string(),
  name: z.string(),
  code: z.optional(z.string()),
  allowNegative: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Warehouse = z.infer<typeof warehouseSchema>;

export const warehouseKeys = catalogKeys('WAREHOUSES', 'WAREHOUSE');

export const warehouseEntity = defineEntity({
  type: 'warehouse',
  schema: warehouseSchema,
  key: (w) => warehouseKeys.entry(w.accountId, w.warehouseId),
});

/** get / list / create / replace / remove, each guarded as catalog-entry.ts describes. */
export const warehouses = catalogAccess(warehouseEntity, warehouseKeys, 'warehouse');

// Pattern "several warehouses by id": one BatchGetItem, strongly consistent (a movement decides on allowNegative).
export const getWarehouses = async (store: Store, accountId: string, ids: readonly string[]): Promise<Map<string, Warehouse>> => {
  const raw = await batchGetItems(store, [...new Set(ids)].map((id) => warehouseKeys.entry(accountId, id)), true);
  return new Map(raw.map((r) => warehouseEntity.parse(r)).map((w) => [w.warehouseId, w]));
};

/**
 * A transaction step that holds a movement to the warehouse as it was read: it still
 * exists at the same version (so `allowNegative` is what the movement was decided on).
 * A warehouse changed or deleted meanwhile fails the step with `onMoved`.
 */
export const warehouseUnchangedStep = (store: Store, w: Warehouse, onMoved: OnConditionFailed): TxStep => ({
  item: {
    ConditionCheck: {
      TableName: store.table,
      Key: warehouseEntity.key(w),
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':version': w.version },
    },
  },
  onConditionFailed: onMoved,
});
