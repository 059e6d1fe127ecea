import * as z from 'zod';
import { BUILT_IN_ROLES } from '../authz/roles.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../data/paginator.js';
import { ULID_PATTERN as ULID } from '../domain/ids.js';
import { safeText, versionOf } from './text.js';
import type { RouteContract } from './types.js';

/* Schemas shared by the organization and members contracts; ids use the one ULID grammar of domain/ids.ts. */

export const accountId = z
  .string()
  .regex(new RegExp(`^acc_${ULID}(?:_${ULID})?$`), 'not an account id')
  .meta({ id: 'AccountId', description: 'A main account (`acc_<ULID>`) or a sub-account (`acc_<ULID>_<ULID>`)' });
export const subAccountId = z
  .string()
  .regex(new RegExp(`^acc_${ULID}_${ULID}$`), 'not a sub-account id')
  .meta({ id: 'SubAccountId' });
/** Role ids are opaque to clients (`rol_<ULID>` when the API makes them). */
export const roleId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a role id').meta({ id: 'RoleId' });
export const invitationId = z
  .string()
  .regex(new RegExp(`^inv_${ULID}(?:_${ULID})?_${ULID}$`), 'not an invitation id')
  .meta({ id: 'InvitationId' });
/** Identity-provider subjects are opaque: their size is bounded, and they are one line of text. */
export const userId = safeText(z.string().min(1).max(256), 'single').meta({ id: 'UserId', description: "The identity provider's subject" });
export const version = versionOf();

/** A role reference: a built-in role or `custom:<roleId>`. */
export const roleRef = z
  .string()
  .refine(
    (r) => (BUILT_IN_ROLES as readonly string[]).includes(r) || /^custom:[A-Za-z0-9_-]{1,64}$/.test(r),
    `a built-in role (${BUILT_IN_ROLES.join(', ')}) or custom:<roleId>`,
  )
  .meta({ id: 'RoleRef', description: `A built-in role (${BUILT_IN_ROLES.join(', ')}) or \`custom:<roleId>\`` });

export const accountPath = z.object({ accountId });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(2048).optional(),
});

/*
 * One page of a list. A named item type gets one named page type (`Member` → `MemberPage`),
 * made once per item schema: the OpenAPI document then has one Page schema per item type,
 * and two schemas may not carry the same id.
 */
const pages = new WeakMap<z.ZodType, z.ZodType>();
export const pageOf = <T extends z.ZodType>(item: T) => {
  const made = pages.get(item) as ReturnType<typeof makePage<T>> | undefined;
  if (made) return made;
  const page = makePage(item);
  pages.set(item, page);
  return page;
};
const makePage = <T extends z.ZodType>(item: T) => {
  const page = z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('null on the last page; otherwise pass it back as `cursor` for the next one'),
  });
  const id = z.globalRegistry.get(item)?.id;
  return id ? page.meta({ id: `${id}Page` }) : page;
};

/*
 * The five contracts of a resource kept under an account (list, create, get, update,
 * delete), named `list<Many>`, `create<One>`, `get<One>`, `update<One>`, `delete<One>` as
 * its route ids are. Documents, clients, items, price lists, promo codes, warehouses and
 * warehouse documents all have this shape; a resource that departs from it spells its
 * contracts out.
 */
export const crudContracts = (
  one: string,
  many: string,
  c: { itemPath: z.ZodType; listQuery: z.ZodType; create: z.ZodType; update: z.ZodType; response: z.ZodType },
): Record<string, RouteContract> => ({
  [`list${many}`]: { path: accountPath, query: c.listQuery, response: pageOf(c.response) },
  [`create${one}`]: { path: accountPath, body: c.create, response: c.response, status: 201 },
  [`get${one}`]: { path: c.itemPath, response: c.response },
  [`update${one}`]: { path: c.itemPath, body: c.update, response: c.response },
  [`delete${one}`]: { path: c.itemPath, status: 204 },
});
