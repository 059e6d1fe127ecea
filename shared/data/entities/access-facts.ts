import * as z from 'zod/mini';
import { resolveAccess, type AccessFacts, type DenyReason, type MembershipFacts } from '../../authz/engine.js';
import { FEATURES, type Feature } from '../../authz/plans.js';
import type { AccountRef } from '../../domain/ids.js';
import { ServiceUnavailable } from '../../domain/errors.js';
import { batchGetOnce, type DynamoDb, type Stored } from '../dynamo.js';
import { CorruptItem, type Key } from '../entity.js';
import { accountKey, accountSchema } from './account.js';
import { grantKey } from './grant.js';
import { membershipKey, membershipSchema, type Actor, type ActorBasis } from './membership.js';
import { organizationKey, organizationSchema } from './organization.js';

/*
 * Access pattern "principal for (user, account)": the authorizer's one round trip. All keys
 * derive from the user id and the account id (whose organization is embedded in it), so the
 * facts resolveAccess needs are at most five exact keys. Their cost is fixed: it never grows
 * with the organization's sub-accounts, members or roles (custom roles are compiled onto the
 * organization item).
 *
 * Two consistencies, chosen by the caller:
 *   - 'strong': one strongly consistent BatchGetItem of all keys (3 RCU in a main account,
 *     5 in a sub-account). For changes (loadFreshAccess) and the webhook gate: a write
 *     decides on the state as it is now, the organization's and account's included.
 *   - 'revocation': the authorizer's. The items revocation lives on (the memberships, the
 *     grant) strongly consistent; the organization and account items (plan, features,
 *     compiled custom roles, archived) eventually consistent, at half the price. Two
 *     BatchGetItem requests sent together, so still one round trip of latency: 2 RCU in a
 *     main account (1 + 0.5 + 0.5), 4 in a sub-account (3 + 0.5 + 0.5). What may lag, and
 *     why that is acceptable, is in docs/authorization.md ("Consistency of the facts").
 */
export type FactsConsistency = 'strong' | 'revocation';

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
// The version comes along so that a change can be conditioned on the membership it was decided on.
const membershipFacts = z.pick(membershipSchema, { accountId: true, userId: true, role: true, version: true });

function read<S extends z.ZodMiniType>(schema: S, type: string, raw: Stored | undefined): z.infer<S> | undefined {
  if (raw === undefined) return undefined;
  const out = schema.safeParse(raw);
  if (!out.success || raw.type !== type) {
    throw new CorruptItem(type, raw, out.success ? `type ${String(raw.type)}` : out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return out.data;
}

/** The facts as read: each membership with the version it was read at. */
export type VersionedMembershipFacts = MembershipFacts & { version: number };
export interface LoadedAccessFacts extends AccessFacts {
  membership?: VersionedMembershipFacts | undefined;
  mainMembership?: VersionedMembershipFacts | undefined;
}

export async function loadAccessFacts(
  db: DynamoDb,
  table: string,
  userId: string,
  ref: AccountRef,
  consistency: FactsConsistency = 'strong',
): Promise<{ facts: LoadedAccessFacts; consumedCapacity: number }> {
  const state: Key[] = [organizationKey(ref.organizationId), accountKey(ref.accountId)];
  const access: Key[] = [membershipKey(ref.accountId, userId)];
  if (ref.isSubAccount) access.push(membershipKey(ref.mainAccountId, userId), grantKey(ref.mainAccountId, userId, ref.accountId));
  const store = { db, table, now: () => new Date() };
  const reads =
    consistency === 'strong'
      ? [batchGetOnce(store, [...state, ...access], true)]
      : // In parallel: the decision waits for the slower of two reads, not for both in turn.
        [batchGetOnce(store, access, true), batchGetOnce(store, state, false)];
  const answers = await Promise.all(reads);
  // A partial answer is not an answer: deciding on it could deny wrongly or, worse, miss a
  // fact. The caller turns this into a 503; the client retries.
  if (answers.some((a) => !a.complete)) throw new ServiceUnavailable('the access facts could not all be read');
  const items = answers.flatMap((a) => a.items);
  const find = (k: Key | undefined): Stored | undefined => k && items.find((i) => i.pk === k.pk && i.sk === k.sk);

  return {
    facts: {
      userId,
      accountId: ref.accountId,
      mainAccountId: ref.mainAccountId,
      organizationId: ref.organizationId,
      organization: read(organizationFacts, 'organization', find(state[0])),
      account: read(accountFacts, 'account', find(state[1])),
      membership: read(membershipFacts, 'membership', find(access[0])),
      mainMembership: ref.isSubAccount ? read(membershipFacts, 'membership', find(access[1])) : undefined,
      grant: ref.isSubAccount && find(access[2]) !== undefined,
    },
    consumedCapacity: answers.reduce((sum, a) => sum + a.consumedCapacity, 0),
  };
}

/**
 * The items a principal was resolved from: the membership that gave the role (the main
 * account's for an Owner, a Backoffice member or a granted member in a sub-account, else
 * the account's own) and, for a granted member, the grant. A change conditions on them, so
 * a demotion or removal committed after this read cancels it.
 */
export function basisOf(facts: LoadedAccessFacts, via: Actor['via']): ActorBasis | undefined {
  const isSub = facts.accountId !== facts.mainAccountId;
  const source = isSub && via !== 'member' ? facts.mainMembership : facts.membership;
  if (!source) return undefined;
  const membership = { accountId: source.accountId, userId: source.userId, role: source.role, version: source.version };
  return via === 'grant' && isSub ? { membership, grant: { mainAccountId: facts.mainAccountId, subAccountId: facts.accountId } } : { membership };
}

export type FreshAccess = { readonly allowed: true; readonly actor: Actor } | { readonly allowed: false; readonly reason: DenyReason };

/**
 * The caller's access as it is now: the authorizer's read, every item strongly consistent
 * (one BatchGetItem), and its decision, with the items it rests on. For changes, which must not
 * trust a cached authorization.
 */
export async function loadFreshAccess(db: DynamoDb, table: string, userId: string, ref: AccountRef): Promise<FreshAccess> {
  const { facts } = await loadAccessFacts(db, table, userId, ref);
  const access = resolveAccess(facts);
  if (!access.allowed) return access;
  const basis = basisOf(facts, access.principal.via);
  // resolveAccess allows only from a membership it read; without one, deny rather than act unguarded.
  if (!basis) return { allowed: false, reason: 'not-a-member' };
  return { allowed: true, actor: { ...access.principal, basis } };
}
