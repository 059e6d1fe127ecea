import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { Store } from '../context.js';
import type { TxStep } from '../dynamo.js';
import { defineEntity, seg } from '../entity.js';
import { queryAll, queryEach } from '../paginator.js';

/*
 * Stock of items per warehouse, in two items written by the same transaction as the
 * warehouse document that moves them (warehouse-document.ts):
 *
 *   - the level: how much of an item a warehouse holds now. A movement is an `ADD` of a
 *     signed delta, conditioned, for an outgoing movement out of a warehouse that does not
 *     allow negative stock, on the level covering it (`quantity >= :out`), so two
 *     concurrent issues can never both take the last unit: the condition is evaluated
 *     against the committed value, without a read first.
 *   - the day's movement: the sum of deltas of an item in a warehouse on one date, also an
 *     `ADD`. The stock as of a date is the sum of the movements up to that date: one Query
 *     of the warehouse's movement partition up to `<date>~`, never a scan.
 *
 * Quantities are integer thousandths (documents allow 3 decimals), so sums are exact.
 *
 *   table  pk ACCOUNT#<acc>#STOCK#<warehouse>       sk ITEM#<item>             level now
 *   table  pk ACCOUNT#<acc>#MOVES#<warehouse>       sk <date>#ITEM#<item>      movement of a day
 */
export const stockLevelSchema = z.object({
  accountId: z.string(),
  warehouseId: z.string(),
  itemId: z.string(),
  /** Thousandths of the item's unit; negative only in a warehouse that allows it. */
  quantity: z.number(),
  updatedAt: z.string(),
});
export type StockLevel = z.infer<typeof stockLevelSchema>;

export const stockMovementSchema = z.object({
  accountId: z.string(),
  warehouseId: z.string(),
  itemId: z.string(),
  date: z.string(),
  /** The day's net movement in thousandths. */
  quantity: z.number(),
});
export type StockMovement = z.infer<typeof stockMovementSchema>;

const levels = (accountId: string, warehouseId: string) => `ACCOUNT#${seg(accountId)}#STOCK#${seg(warehouseId)}`;
const moves = (accountId: string, warehouseId: string) => `ACCOUNT#${seg(accountId)}#MOVES#${seg(warehouseId)}`;

const levelKey = (s: { accountId: string; warehouseId: string; itemId: string }) => ({ pk: levels(s.accountId, s.warehouseId), sk: `ITEM#${seg(s.itemId)}` });

export const stockLevelEntity = defineEntity({ type: 'stock-level', schema: stockLevelSchema, key: levelKey });

export const stockMovementEntity = defineEntity({
  type: 'stock-movement',
  schema: stockMovementSchema,
  key: (m) => ({ pk: moves(m.accountId, m.warehouseId), sk: `${m.date}#ITEM#${seg(m.itemId)}` }),
});

/** One item's movement in one warehouse on one date; `quantity` is signed thousandths. */
export interface Movement {
  accountId: string;
  warehouseId: string;
  itemId: string;
  date: string;
  quantity: number;
}

/** The refusal of an outgoing movement that the stock does not cover: 409 naming item and warehouse. */
export class InsufficientStock extends Conflict {}

/**
 * The two steps of one movement: the level (conditioned when it must stay covered) and the
 * day's movement. `guard` false: the warehouse allows negative stock.
 */
export function movementSteps(store: Store, m: Movement, guard: boolean, at: string, names: { item: string; warehouse: string }): TxStep[] {
  const attrs = { '#type': 'type', '#q': 'quantity', '#acc': 'accountId', '#wh': 'warehouseId', '#item': 'itemId' };
  const outgoing = m.quantity < 0;
  const level: TxStep = {
    item: {
      Update: {
        TableName: store.table,
        Key: levelKey(m),
        UpdateExpression: 'ADD #q :delta SET #type = :type, #acc = :acc, #wh = :wh, #item = :item, updatedAt = :at',
        ...(outgoing && guard ? { ConditionExpression: '#q >= :out' } : {}),
        ExpressionAttributeNames: attrs,
        ExpressionAttributeValues: {
          ':delta': m.quantity,
          ':type': stockLevelEntity.type,
          ':acc': m.accountId,
          ':wh': m.warehouseId,
          ':item': m.itemId,
          ':at': at,
          ...(outgoing && guard ? { ':out': -m.quantity } : {}),
        },
      },
    },
    onConditionFailed: (now) => {
      const have = typeof now?.quantity === 'number' ? now.quantity : 0;
      return new InsufficientStock(
        `the stock of item ${names.item} in warehouse ${names.warehouse} is ${have / 1000}, less than the ${-m.quantity / 1000} this needs`,
        { extensions: { itemId: m.itemId, warehouseId: m.warehouseId, available: have / 1000, requested: -m.quantity / 1000 } },
      );
    },
  };
  const day: TxStep = {
    item: {
      Update: {
        TableName: store.table,
        Key: stockMovementEntity.key(m),
        UpdateExpression: 'ADD #q :delta SET #type = :type, #acc = :acc, #wh = :wh, #item = :item, #date = :date',
        ExpressionAttributeNames: { ...attrs, '#date': 'date' },
        ExpressionAttributeValues: {
          ':delta': m.quantity,
          ':type': stockMovementEntity.type,
          ':acc': m.accountId,
          ':wh': m.warehouseId,
          ':item': m.itemId,
          ':date': m.date,
        },
      },
    },
  };
  return [level, day];
}

// Pattern "stock of a warehouse now": Query its level partition (one item per item ever moved).
export const stockLevels = (store: Store, accountId: string, warehouseId: string): Promise<StockLevel[]> =>
  queryAll(store, { partition: levels(accountId, warehouseId), consistent: true }, stockLevelEntity.parse, { max: Infinity });

/**
 * Pattern "stock of a warehouse as of a date": Query its movement partition up to the end
 * of that date and sum per item. Reads one item per (item, day with a movement).
 */
export async function stockAsOf(store: Store, accountId: string, warehouseId: string, date: string): Promise<{ levels: Map<string, number>; itemsRead: number }> {
  const sums = new Map<string, number>();
  const { itemsRead } = await queryEach(store, { partition: moves(accountId, warehouseId), sort: { between: ['0', `${date}#~`] } }, (raw) => {
    const m = stockMovementEntity.parse(raw);
    sums.set(m.itemId, (sums.get(m.itemId) ?? 0) + m.quantity);
  });
  return { levels: sums, itemsRead };
}
