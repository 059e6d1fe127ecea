import * as z from 'zod/mini';
import { Conflict, NotFound, ValidationError } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { deleteItem, getItem, putItem, updateItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';
import { staleOr } from './guards.js';

/*
 * A promo code of an account: a percentage, or a fixed net amount per currency, off a
 * document, valid between two dates (inclusive, UTC) and at most `usageLimit` times.
 * The code is the key (upper case), so it is unique per account by construction.
 *
 * The usage limit holds under concurrency because the count is never decided on a read:
 * using a code is an `ADD used 1` conditioned on `used < usageLimit` (and on the window),
 * in the same transaction that writes the discounted document, so of 50 concurrent uses
 * of a code with 20 left exactly 20 commit. Edits never touch `used`: they update only
 * the fields they change, on the version read.
 *
 *   table  pk ACCOUNT#<acc>#PROMOCODES    sk CODE#<code>
 */
export const promoCodeSchema = z.object({
  code: z.string(),
  accountId: z.string(),
  kind: z.enum(['percent', 'fixed']),
  /** percent: the share off, 0 < percent <= 100, at most 2 decimals. */
  percent: z.optional(z.number()),
  /** fixed: the net amount off per currency, in minor units. */
  amounts: z.optional(z.array(z.object({ currency: z.string(), amount: z.number() }))),
  validFrom: z.string(),
  validTo: z.string(),
  usageLimit: z.optional(z.number()),
  used: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type PromoCode = z.infer<typeof promoCodeSchema>;

const partition = (accountId: string) => `ACCOUNT#${seg(accountId)}#PROMOCODES`;
const keyOf = (accountId: string, code: string) => ({ pk: partition(accountId), sk: `CODE#${seg(code)}` });

export const promoCodeEntity = defineEntity({ type: 'promo-code', schema: promoCodeSchema, key: (c) => keyOf(c.accountId, c.code) });

const gone = (code: string) => () => new NotFound(`promo code ${code} does not exist`);

// Pattern "one code": GetItem on its key.
export const getPromoCode = async (store: Store, accountId: string, code: string, consistent = false): Promise<PromoCode | undefined> =>
  parseOptional(promoCodeEntity, await getItem(store, keyOf(accountId, code), consistent));

// Pattern "codes of an account": Query the partition, in code order.
export const listPromoCodes = (store: Store, accountId: string, page: PageRequest): Promise<Page<PromoCode>> =>
  queryPage(store, { partition: partition(accountId), sort: { prefix: 'CODE#' } }, promoCodeEntity.parse, page);

// Pattern "create a code": Put guarded by attribute_not_exists(pk): a code exists once per account.
export async function createPromoCode(store: Store, c: PromoCode): Promise<PromoCode> {
  await putItem(store, promoCodeEntity.item(c), { expression: 'attribute_not_exists(pk)' }, () => new Conflict(`promo code ${c.code} already exists`));
  return c;
}

// Pattern "change a code": UpdateItem of the given fields on the version read; `used` is never written here.
export async function changePromoCode(
  store: Store,
  current: PromoCode,
  expectedVersion: number,
  change: { validFrom?: string | undefined; validTo?: string | undefined; usageLimit?: number | null | undefined },
  at: string,
): Promise<PromoCode> {
  const sets = ['#version = :next', 'updatedAt = :at'];
  const values: Record<string, unknown> = { ':next': expectedVersion + 1, ':at': at, ':version': expectedVersion };
  const set = (attr: string, placeholder: string, value: unknown) => {
    sets.push(`${attr} = ${placeholder}`);
    values[placeholder] = value;
  };
  if (change.validFrom !== undefined) set('validFrom', ':from', change.validFrom);
  if (change.validTo !== undefined) set('validTo', ':to', change.validTo);
  if (typeof change.usageLimit === 'number') set('usageLimit', ':limit', change.usageLimit);
  const remove = change.usageLimit === null ? ' REMOVE usageLimit' : '';
  const raw = await updateItem(
    store,
    promoCodeEntity.key(current),
    { expression: `SET ${sets.join(', ')}${remove}`, names: { '#version': 'version' }, values },
    { expression: '#version = :version' },
    staleOr(`promo code ${current.code}`, gone(current.code)),
  );
  return promoCodeEntity.parse(raw);
}

// Pattern "delete a code": DeleteItem guarded by attribute_exists(pk).
export const deletePromoCode = (store: Store, accountId: string, code: string): Promise<void> =>
  deleteItem(store, keyOf(accountId, code), { expression: 'attribute_exists(pk)' }, gone(code));

/** Why a code cannot be used on `today`, or undefined when it can. */
export function unusableBecause(c: PromoCode, today: string): string | undefined {
  if (today < c.validFrom) return `promo code ${c.code} is valid from ${c.validFrom}`;
  if (today > c.validTo) return `promo code ${c.code} expired on ${c.validTo}`;
  if (c.usageLimit !== undefined && c.used >= c.usageLimit) return `promo code ${c.code} is exhausted: used ${c.used} of ${c.usageLimit} times`;
  return undefined;
}

/**
 * The transaction step of one use: `used + 1`, only while the code exists, is inside its
 * window on `today` and has uses left. Its refusal names what failed, read from the code
 * as it is now: deleted meanwhile is the 400 of an unknown code, the rest a 409.
 */
export function useStep(store: Store, c: PromoCode, today: string): TxStep {
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: promoCodeEntity.key(c),
        UpdateExpression: 'ADD #used :one',
        ConditionExpression: 'attribute_exists(pk) AND #from <= :today AND #to >= :today AND (attribute_not_exists(#limit) OR #used < #limit)',
        ExpressionAttributeNames: { '#used': 'used', '#from': 'validFrom', '#to': 'validTo', '#limit': 'usageLimit' },
        ExpressionAttributeValues: { ':one': 1, ':today': today },
      },
    },
    onConditionFailed: (now) => {
      if (!now) return new ValidationError(`unknown promo code ${c.code}`, { errors: [{ field: 'body.code', message: `unknown promo code ${c.code}` }] });
      const current = promoCodeEntity.parse(now);
      return new Conflict(unusableBecause(current, today) ?? `promo code ${c.code} cannot be used now`, {
        extensions: { code: c.code, used: current.used, usageLimit: current.usageLimit ?? null, validFrom: current.validFrom, validTo: current.validTo },
      });
    },
  };
}
