import type { z } from 'zod';
import type { priceListResponse } from '../contracts/pricing.js';
import type { PriceList } from '../data/entities/price-list.js';

/* Price lists and promo codes as the API shows them: typed by the contract. */
export const priceListView = (l: PriceList): z.output<typeof priceListResponse> => ({
  id: l.priceListId,
  name: l.name,
  prices: l.prices,
  createdBy: l.createdBy,
  createdAt: l.createdAt,
  updatedAt: l.updatedAt,
  version: l.version,
});
