import type * as z from 'zod';
import type { clientResponse, itemResponse } from '../contracts/invoicing.js';
import type { Client } from '../data/entities/client.js';
import type { Item } from '../data/entities/item.js';

/* Clients and items as the API shows them: typed by the contract, so the views cannot drift from it. */
export const clientView = (c: Client): z.output<typeof clientResponse> => ({
  id: c.clientId,
  name: c.name,
  email: c.email ?? null,
  taxId: c.taxId ?? null,
  phone: c.phone ?? null,
  address: c.address ?? null,
  notes: c.notes ?? null,
  priceListId: c.priceListId ?? null,
  createdBy: c.createdBy,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  version: c.version,
});

export const itemView = (i: Item): z.output<typeof itemResponse> => ({
  id: i.itemId,
  name: i.name,
  sku: i.sku ?? null,
  unit: i.unit ?? null,
  unitPrice: i.unitPrice,
  currency: i.currency,
  vatRate: i.vatRate,
  description: i.description ?? null,
  createdBy: i.createdBy,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
  version: i.version,
});
