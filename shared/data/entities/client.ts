import * as z from 'zod/mini';
import { NotFound } from '../../domain/errors.js';
import type { Store } from '../context.js';
import type { TxStep } from '../dynamo.js';
import { defineEntity } from '../entity.js';
import { queryAll } from '../paginator.js';
import { catalogAccess, catalogKeys } from './catalog-entry.js';
import { aclSchema } from './crm-object.js';
import { staleOr } from './guards.js';

/*
 * A client of an account (SPEC 1): the party documents are written to. Documents copy its
 * name when they are written, so changing or deleting a client never changes a document.
 * A client is also the "contractor" of SPEC 5.2: it carries its instance ACL (rows and
 * exclusions, shared/domain/acl.ts); clients written before ACLs existed have none.
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
  acl: z.optional(aclSchema),
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

/** Every client of an account: the contractors of the ACL world a change is evaluated against. */
export const allClients = (store: Store, accountId: string): Promise<Client[]> =>
  queryAll(store, { partition: clientKeys.partition(accountId), sort: { prefix: clientKeys.sortPrefix }, consistent: true }, clientEntity.parse, {
    max: Infinity,
  });

/** Pattern "replace a client" as a transaction step (an ACL change audited with it), guarded by the version read. */
export const clientReplaceStep = (store: Store, next: Client, expectedVersion: number): TxStep => ({
  item: {
    Put: {
      TableName: store.table,
      Item: clientEntity.item(next),
      ConditionExpression: '#version = :v',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':v': expectedVersion },
    },
  },
  onConditionFailed: staleOr('the client', () => new NotFound('the client does not exist')),
});
