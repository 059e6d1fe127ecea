import type * as z from 'zod';
import type { Principal } from '../authz/engine.js';
import type { createPriceListBody, updatePriceListBody } from '../contracts/pricing.js';
import type { Store } from '../data/context.js';
import { getItems } from '../data/entities/item.js';
import { priceLists, type PriceList } from '../data/entities/price-list.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { NotFound, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';

/*
 * Price lists (price-lists.*): named per-item prices per currency. Every item a list prices
 * must be an item of the account (400 naming each unknown one). Deleting a list leaves the
 * clients that named it pricing from the items themselves (see usecases/pricing.ts).
 */
export type CreatePriceListInput = z.infer<typeof createPriceListBody>;
export type UpdatePriceListInput = z.infer<typeof updatePriceListBody>;

async function requireItems(store: Store, accountId: string, prices: PriceList['prices']): Promise<void> {
  if (prices.length === 0) return;
  const items = await getItems(store, accountId, prices.map((p) => p.itemId));
  const unknown = prices.map((p, i) => ({ ...p, i })).filter((p) => !items.has(p.itemId));
  if (unknown.length) {
    throw new ValidationError(`unknown item ${[...new Set(unknown.map((u) => u.itemId))].join(', ')}`, {
      errors: unknown.map((u) => ({ field: `body.prices.${u.i}.itemId`, message: `unknown item ${u.itemId}` })),
    });
  }
}

const found = (l: PriceList | undefined): PriceList => {
  if (!l) throw new NotFound('the price list does not exist');
  return l;
};

export const list = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<PriceList>> =>
  priceLists.list(store, p.accountId, { ...page, boundTo: p.userId });

export const get = async (store: Store, p: Principal, id: string): Promise<PriceList> => found(await priceLists.get(store, p.accountId, id));

export async function create(store: Store, p: Principal, input: CreatePriceListInput): Promise<PriceList> {
  await requireItems(store, p.accountId, input.prices);
  const now = store.now().toISOString();
  return priceLists.create(store, {
    priceListId: ulid(),
    accountId: p.accountId,
    name: input.name,
    prices: input.prices,
    createdBy: p.userId,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
}

export async function update(store: Store, p: Principal, id: string, input: UpdatePriceListInput): Promise<PriceList> {
  const current = found(await priceLists.get(store, p.accountId, id, true));
  if (input.prices) await requireItems(store, p.accountId, input.prices);
  return priceLists.replace(
    store,
    { ...current, name: input.name ?? current.name, prices: input.prices ?? current.prices, updatedAt: store.now().toISOString() },
    input.version,
  );
}

export const remove = (store: Store, p: Principal, id: string): Promise<void> => priceLists.remove(store, p.accountId, id);
