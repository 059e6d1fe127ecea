import * as z from 'zod/mini';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessFacts } from '../../authz/engine.js';
import { FEATURES, type Feature } from '../../authz/plans.js';
import type { AccountRef } from '../../domain/ids.js';
import { ServiceUnavailable } from '../../domain/errors.js';
import { batchGetOnce, type Stored } from '../dynamo.js';
import { CorruptItem, type Key } from '../entity.js';
import { accountKey, accountSchema } from './account.js';
import { grantKey } from './grant.js';
import { membershipKey, membershipSchema } from './membership.js';
import { organizationKey, organizationSchema } from './organization.js';

/*
 * Access pattern "principal for (user, account)": the authorizer's one round trip. All keys
 * derive from the user id and the account id (whose organization is embedded in it), so a
 * single strongly consistent BatchGetItem of at most five items loads every fact
 * resolveAccess needs. Its cost is fixed: it never grows with the organization's
 * sub-accounts, members or roles (custom roles are compiled onto the organization item).
 */

/*
 * Each item is read through its entity's schema, narrowed to what the engine decides on.
 * Features and compiled roles are trusted only as far as the engine needs: a features
 * string set comes back from the DocumentClient as a Set, and anything malformed there
 * must deny (no feature, no such role), never throw.
 */
const features = z.pipe(
  z.unknown(),
  z.transform((value): Feature[] => {
    const list: unknown[] = value instanceof Set ? [...value] : Array.isArray(value) ? value : [];
    return list.filter((f): f is Feature => (FEATURES as readonly unknown[]).includes(f));
  }),
);
const customRoles = z.pipe(
  z.unknown(),
  z.transform((value): Record<string, string> => {
    const out: Record<string, string> = Object.create(null);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
    for (const [id, hex] of Object.entries(value)) if (typeof hex === 'string') out[id] = hex;
    return out;
  }),
);
const organizationFacts = z.extend(z.pick(organizationSchema, { organizationId: true, plan: true }), { features, customRoles });
const accountFacts = z.pick(accountSchema, { accountId: true, organizationId: true, kind: true, status: true });
const membershipFacts = z.pick(membershipSchema, { accountId: true, userId: true, role: true });

function read<S extends z.ZodMiniType>(schema: S, type: string, raw: Stored | undefined): z.infer<S> | undefined {
  if (raw === undefined) return undefined;
  const out = schema.safeParse(raw);
  if (!out.success || raw.type !== type) {
    throw new CorruptItem(type, raw, out.success ? `type ${String(raw.type)}` : out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return out.data;
}

export async function loadAccessFacts(
  db: DynamoDBDocumentClient,
  table: string,
  userId: string,
  ref: AccountRef,
): Promise<{ facts: AccessFacts; consumedCapacity: number }> {
  const wanted: Key[] = [organizationKey(ref.organizationId), accountKey(ref.accountId), membershipKey(ref.accountId, userId)];
  if (ref.isSubAccount) wanted.push(membershipKey(ref.mainAccountId, userId), grantKey(ref.mainAccountId, userId, ref.accountId));
  const { items, complete, consumedCapacity } = await batchGetOnce({ db, table, now: () => new Date() }, wanted, true);
  // A partial answer is not an answer: deciding on it could deny wrongly or, worse, miss a
  // fact. The caller turns this into a 503; the client retries.
  if (!complete) throw new ServiceUnavailable('the access facts could not all be read');
  const find = (k: Key | undefined): Stored | undefined => k && items.find((i) => i.pk === k.pk && i.sk === k.sk);

  return {
    facts: {
      userId,
      accountId: ref.accountId,
      mainAccountId: ref.mainAccountId,
      organizationId: ref.organizationId,
      organization: read(organizationFacts, 'organization', find(wanted[0])),
      account: read(accountFacts, 'account', find(wanted[1])),
      membership: read(membershipFacts, 'membership', find(wanted[2])),
      mainMembership: ref.isSubAccount ? read(membershipFacts, 'membership', find(wanted[3])) : undefined,
      grant: ref.isSubAccount && find(wanted[4]) !== undefined,
    },
    consumedCapacity,
  };
}
