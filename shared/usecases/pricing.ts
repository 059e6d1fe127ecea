import type { Store } from '../data/context.js';
import { clients } from '../data/entities/client.js';
import { getItems } from '../data/entities/item.js';
import { listPrice, priceLists, type PriceList } from '../data/entities/price-list.js';
import { ValidationError, type FieldError } from '../domain/errors.js';
import type { LineRequest } from '../domain/invoicing/money.js';

/*
 * Line price resolution (issue: price lists). A document line that names an item and no
 * unit price takes, in this order:
 *   1. the price of that item in the document's currency on the client's price list;
 *   2. the item's own price, when the item is priced in the document's currency;
 *   3. otherwise nothing: 400 on that line's unitPrice naming item and currency. Kontor
 *      converts no currencies, so a price in another currency is never used.
 * A line that names no VAT rate takes the item's. A line that gives its price keeps it:
 * the catalogue is a starting point, never a constraint. A client whose list was deleted
 * meanwhile prices like a client without one (the list is gone, the item prices remain);
 * naming an unknown list on the client itself is a 400 (catalog use case).
 *
 * Cost: one GetItem of the client, one of its list, one BatchGetItem of the named items;
 * none when every line carries its price.
 */
export interface LineDraft {
  description: string;
  itemId?: string | undefined;
  quantity: number;
  unit?: string | undefined;
  unitPrice?: number | undefined;
  vatRate?: number | undefined;
}

export async function resolveLinePrices(
  store: Store,
  accountId: string,
  doc: { clientId: string | undefined; currency: string },
  lines: readonly LineDraft[],
  field = 'body.lines',
): Promise<LineRequest[]> {
  const open = lines.filter((l) => l.itemId !== undefined && (l.unitPrice === undefined || l.vatRate === undefined));
  if (open.length === 0) return lines as LineRequest[];
  const [items, list] = await Promise.all([getItems(store, accountId, open.map((l) => l.itemId!)), clientPriceList(store, accountId, doc.clientId)]);
  const errors: FieldError[] = [];
  const out = lines.map((l, i): LineRequest => {
    if (l.unitPrice !== undefined && l.vatRate !== undefined) return l as LineRequest;
    const item = items.get(l.itemId!);
    if (!item) {
      errors.push({ field: `${field}.${i}.itemId`, message: `unknown item ${l.itemId}` });
      return { ...l, unitPrice: 0, vatRate: 0 };
    }
    let unitPrice = l.unitPrice ?? (list && listPrice(list, item.itemId, doc.currency));
    if (unitPrice === undefined && item.currency === doc.currency) unitPrice = item.unitPrice;
    if (unitPrice === undefined) {
      errors.push({
        field: `${field}.${i}.unitPrice`,
        message: `item ${item.name} (${item.itemId}) has no price in ${doc.currency}${list ? ` on price list ${list.name} or of its own` : ''}; give unitPrice`,
      });
    }
    return { ...l, unitPrice: unitPrice ?? 0, vatRate: l.vatRate ?? item.vatRate };
  });
  if (errors.length) {
    const unknown = errors.filter((e) => e.message.startsWith('unknown item')).map((e) => e.message.slice('unknown item '.length));
    throw new ValidationError(unknown.length ? `unknown item ${unknown.join(', ')}` : 'a line has no price in the document currency', { errors });
  }
  return out;
}

/** The client's price list, if the client names one that still exists. */
async function clientPriceList(store: Store, accountId: string, clientId: string | undefined): Promise<PriceList | undefined> {
  if (clientId === undefined) return undefined;
  const client = await clients.get(store, accountId, clientId);
  return client?.priceListId === undefined ? undefined : priceLists.get(store, accountId, client.priceListId);
}

/** 400 naming the list unless `priceListId` (when given) is a price list of the account. */
export async function requirePriceList(store: Store, accountId: string, priceListId: string | null | undefined, field: string): Promise<void> {
  if (priceListId === undefined || priceListId === null) return;
  if (!(await priceLists.get(store, accountId, priceListId))) {
    throw new ValidationError(`unknown price list ${priceListId}`, { errors: [{ field, message: `unknown price list ${priceListId}` }] });
  }
}
