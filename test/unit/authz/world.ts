import type { AccessFacts } from '#shared/authz/engine.js';
import type { Feature, Plan } from '#shared/authz/plans.js';
import { parseAccountId } from '#shared/domain/ids.js';

/*
 * An in-memory stand-in for what DynamoDB holds about organizations, and the one function
 * that picks from it exactly the items the authorizer's BatchGetItem reads
 * (shared/data/entities/access-facts.ts): the organization and account named by the account
 * id, the user's membership there, and for a sub-account the main-account membership and
 * the grant. Tests hand the engine these facts, never a hand-built principal.
 */
export interface WorldOrganization {
  organizationId: string;
  plan: Plan;
  features: Feature[];
  /** role id -> compiled permission set hex, as stored on the organization item. */
  customRoles: Record<string, string>;
}

export interface WorldAccount {
  accountId: string;
  organizationId: string;
  kind: 'main' | 'sub';
  status: 'active' | 'archived';
}

export interface World {
  organizations: WorldOrganization[];
  accounts: WorldAccount[];
  /** `${accountId}|${userId}` -> role */
  memberships: Map<string, string>;
  /** `${mainAccountId}|${userId}|${subAccountId}` */
  grants: Set<string>;
}

export const emptyWorld = (): World => ({ organizations: [], accounts: [], memberships: new Map(), grants: new Set() });

export function factsFor(world: World, userId: string, accountId: string): AccessFacts | undefined {
  const ref = parseAccountId(accountId);
  if (!ref) return undefined;
  const org = world.organizations.find((o) => o.organizationId === ref.organizationId);
  const account = world.accounts.find((a) => a.accountId === ref.accountId);
  const role = world.memberships.get(`${ref.accountId}|${userId}`);
  const mainRole = ref.isSubAccount ? world.memberships.get(`${ref.mainAccountId}|${userId}`) : undefined;
  return {
    userId,
    accountId: ref.accountId,
    mainAccountId: ref.mainAccountId,
    organizationId: ref.organizationId,
    organization: org && { ...org, features: [...org.features], customRoles: { ...org.customRoles } },
    account: account && { ...account },
    membership: role === undefined ? undefined : { accountId: ref.accountId, userId, role },
    mainMembership: mainRole === undefined ? undefined : { accountId: ref.mainAccountId, userId, role: mainRole },
    grant: ref.isSubAccount && world.grants.has(`${ref.mainAccountId}|${userId}|${ref.accountId}`),
  };
}

/** Fixed, valid ids: an organization, its main account and sub-accounts. */
export const ids = (ulidSeed: string) => {
  const base = ulidSeed.padEnd(26, '0');
  const organizationId = `org_${base}`;
  const mainAccountId = `acc_${base}`;
  const sub = (n: number) => `${mainAccountId}_${'01JSB'.padEnd(26 - String(n).length, '0')}${n}`;
  return { organizationId, mainAccountId, sub };
};

export interface SimpleOrgSpec {
  seed?: string;
  plan?: Plan;
  features?: readonly Feature[];
  customRoles?: Record<string, string>;
  subAccounts?: Array<'active' | 'archived'>;
  /** userId -> role on the main account */
  main?: Record<string, string>;
  /** per sub-account index: userId -> role on that sub-account */
  subs?: Record<number, Record<string, string>>;
  /** userId -> indexes of the sub-accounts granted */
  grants?: Record<string, number[] | undefined>;
}

/** One organization in a fresh world: ids, main account, sub-accounts, members and grants. */
export function simpleOrg(spec: SimpleOrgSpec) {
  const { organizationId, mainAccountId, sub } = ids(spec.seed ?? '01JTEST');
  const world = emptyWorld();
  world.organizations.push({
    organizationId,
    plan: spec.plan ?? 'free',
    features: [...(spec.features ?? [])],
    customRoles: spec.customRoles ?? {},
  });
  world.accounts.push({ accountId: mainAccountId, organizationId, kind: 'main', status: 'active' });
  const subAccountIds = (spec.subAccounts ?? ['active', 'active']).map((status, i) => {
    world.accounts.push({ accountId: sub(i + 1), organizationId, kind: 'sub', status });
    return sub(i + 1);
  });
  for (const [userId, role] of Object.entries(spec.main ?? {})) world.memberships.set(`${mainAccountId}|${userId}`, role);
  for (const [i, members] of Object.entries(spec.subs ?? {})) {
    for (const [userId, role] of Object.entries(members)) world.memberships.set(`${subAccountIds[Number(i)]}|${userId}`, role);
  }
  for (const [userId, subs] of Object.entries(spec.grants ?? {})) {
    for (const i of subs ?? []) world.grants.add(`${mainAccountId}|${userId}|${subAccountIds[i]}`);
  }
  return { world, organizationId, mainAccountId, subAccountIds };
}
