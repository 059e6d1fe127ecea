import * as z from 'zod/mini';
import { defineEntity } from '../entity.js';
import { catalogAccess, catalogKeys } from './catalog-entry.js';

/*
 * A client of an account (SPEC 1): the party documents are written to. Documents copy its
 * name when they are written, so changing or deleting a client never changes a document.
 *
 *   table  pk ACCOUNT#<acc>#CLIENTS    sk CLIENT#<id>
 */
export const clientSchema = z.object({
  clientId: z.string(),
  accountId: z.string(),
  name: z.string(),
  email: z.optional(z.string()),
  taxId: z.optional(z.string()),
  phone: z.optional(z.string()),
  address: z.optional(
    z.object({
      line1: z.string(),
      line2: z.optional(z.string()),
      postalCode: z.optional(z.string()),
      city: z.optional(z.string()),
      country: z.optional(z.string()),
    }),
  ),
  notes: z.optional(z.string()),
  /** The price list a line for this client takes item prices from (usecases/pricing.ts). */
  priceListId: z.optional(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Client = z.infer<typeof clientSchema>;

export const clientKeys = catalogKeys('CLIENTS', 'CLIENT');

export const clientEntity = defineEntity({
  type: 'client',
  schema: clientSchema,
  key: (c) => clientKeys.entry(c.accountId, c.clientId),
});

/** get / list / create / replace / remove, each guarded as catalog-entry.ts describes. */
export const clients = catalogAccess(clientEntity, clientKeys, 'client');
