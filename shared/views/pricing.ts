import type * as z from 'zod';
import type { priceListResponse, promoCodeResponse } from '../contracts/pricing.js';
import type { PriceList } from '../data/entities/price-list.js';
import type { PromoCode } from '../data/entities/promo-code.js';

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

export const promoCodeView = (c: PromoCode): z.output<typeof promoCodeResponse> => ({
  code: c.code,
  kind: c.kind,
  percent: c.percent ?? null,
  amounts: c.amounts ?? null,
  validFrom: c.validFrom,
  validTo: c.validTo,
  usageLimit: c.usageLimit ?? null,
  used: c.used,
  createdBy: c.createdBy,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  version: c.version,
});
