import type { AccessFacts } from '#shared/authz/engine.js';
import type { Plan } from '#shared/authz/plans.js';

/*
 * The benchmark's workload, generated deterministically (seeded PRNG) so that every run
 * and every engine sees the same organizations and the same checks: SPEC.md 1's matrix
 * (plus the bookkeeping actions of 4.2) over main accounts and sub-accounts, with grants,
 * archived sub-accounts, Backoffice on and off, and a share of checks aimed at accounts
 * of other organizations.
 */

export type BenchRole = 'owner' | 'manager' | 'employee' | 'accountant' | 'backoffice';

/** Actions of SPEC.md 1 and 4.2, as routes and handlers name them. Scoped ones split on own/others. */
export const BENCH_ACTIONS = [
  'users.invite',
  'users.change-roles',
  'documents.create',
  'documents.view',
  'documents.edit',
  'documents.delete',
  'settings.edit-business',
  'settings.edit-payment-methods',
  'settings.edit-other',
  'clients.view',
  'clients.create',
  'clients.edit',
  'clients.delete',
  'products.view',
  'products.create',
  'products.edit',
  'products.delete',
  'reports.view',
  'exports.export',
  'accounting.view',
  'accounting.edit',
  'payments.view',
  'payments.create',
  'payments.delete',
] as const;
export type BenchAction = (typeof BENCH_ACTIONS)[number];

export interface BenchAccount {
  accountId: string;
  organizationId: string;
  mainAccountId: string;
  kind: 'main' | 'sub';
  archived: boolean;
}

export interface BenchOrganization {
  organizationId: string;
  mainAccountId: string;
  plan: Plan;
  selfBookkeeping: boolean;
  accounts: BenchAccount[];
  users: BenchUser[];
}

export interface BenchUser {
  userId: string;
  organizationId: string;
  /** The one account the user is a member of, and the role there. */
  home: BenchAccount;
  role: BenchRole;
  /** For a main-account member: the sub-accounts granted (SPEC 3.3). */
  grants: string[];
}

export interface Check {
  user: BenchUser;
  account: BenchAccount;
  action: BenchAction;
  ownerId: string;
}

export interface Workload {
  organizations: BenchOrganization[];
  users: BenchUser[];
  checks: Check[];
}

/** mulberry32: small, fast, good enough to spread a workload. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A valid, deterministic ULID: a fixed time part and the number in base 32. */
export function ulidOf(tag: string, n: number): string {
  let s = '';
  let v = n;
  for (let i = 0; i < 10; i++) {
    s = CROCKFORD[v % 32] + s;
    v = Math.floor(v / 32);
  }
  return `01JB${tag}`.padEnd(16, '0') + s;
}

const PLANS: Plan[] = ['free', 'small', 'medium', 'large', 'unlimited'];

/*
 * Per organization: one Owner, one Backoffice user, and main-account managers, employees
 * and accountants, most with grants to some sub-accounts; the rest are sub-account members.
 */
const MAIN_ROLES: BenchRole[] = ['manager', 'manager', 'employee', 'employee', 'employee', 'employee', 'accountant'];
const SUB_ROLES: BenchRole[] = ['manager', 'employee', 'employee', 'accountant'];

export function generateWorkload(opts: { principals: number; checksPerPrincipal: number; seed?: number }): Workload {
  const rnd = prng(opts.seed ?? 20261123);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const USERS_PER_ORG = 25;
  const SUBS_PER_ORG = 6;
  const organizations: BenchOrganization[] = [];
  const users: BenchUser[] = [];

  for (let o = 0; users.length < opts.principals; o++) {
    const ulid = ulidOf('RG', o);
    const organizationId = `org_${ulid}`;
    const mainAccountId = `acc_${ulid}`;
    const main: BenchAccount = { accountId: mainAccountId, organizationId, mainAccountId, kind: 'main', archived: false };
    const accounts: BenchAccount[] = [main];
    for (let s = 0; s < SUBS_PER_ORG; s++) {
      accounts.push({
        accountId: `${mainAccountId}_${ulidOf('SB', s)}`,
        organizationId,
        mainAccountId,
        kind: 'sub',
        archived: s === SUBS_PER_ORG - 1 && rnd() < 0.5,
      });
    }
    const subs = accounts.slice(1);
    const org: BenchOrganization = {
      organizationId,
      mainAccountId,
      plan: pick(PLANS),
      selfBookkeeping: rnd() < 0.6,
      accounts,
      users: [],
    };
    for (let u = 0; u < USERS_PER_ORG && users.length < opts.principals; u++) {
      const userId = `user-${o}-${u}`;
      let user: BenchUser;
      if (u === 0) user = { userId, organizationId, home: main, role: 'owner', grants: [] };
      else if (u === 1) user = { userId, organizationId, home: main, role: 'backoffice', grants: [] };
      else if (u < 2 + MAIN_ROLES.length * 2) {
        const grants = subs.filter(() => rnd() < 0.35).map((a) => a.accountId);
        user = { userId, organizationId, home: main, role: pick(MAIN_ROLES), grants };
      } else {
        user = { userId, organizationId, home: pick(subs), role: pick(SUB_ROLES), grants: [] };
      }
      org.users.push(user);
      users.push(user);
    }
    organizations.push(org);
  }

  const checks: Check[] = [];
  for (const user of users) {
    const org = organizations[Number(user.userId.split('-')[1])]!;
    for (let k = 0; k < opts.checksPerPrincipal; k++) {
      // Mostly the user's own organization; one check in twenty aims at another one.
      const targetOrg = rnd() < 0.05 ? pick(organizations) : org;
      const account = rnd() < 0.5 ? user.home : pick(targetOrg.accounts);
      const ownerId = rnd() < 0.5 ? user.userId : pick(targetOrg.users).userId;
      checks.push({ user, account, action: pick(BENCH_ACTIONS), ownerId });
    }
  }
  return { organizations, users, checks };
}

const indexes = new WeakMap<Workload, Map<string, BenchOrganization>>();
function organizationOf(w: Workload, organizationId: string): BenchOrganization {
  let index = indexes.get(w);
  if (!index) indexes.set(w, (index = new Map(w.organizations.map((o) => [o.organizationId, o]))));
  return index.get(organizationId)!;
}

/** What the authorizer's one BatchGetItem would return for (user, account): Kontor's input. */
export function factsOf(w: Workload, user: BenchUser, account: BenchAccount): AccessFacts {
  const org = organizationOf(w, account.organizationId);
  const member = (accountId: string) =>
    user.home.accountId === accountId ? { accountId, userId: user.userId, role: user.role } : undefined;
  return {
    userId: user.userId,
    accountId: account.accountId,
    mainAccountId: account.mainAccountId,
    organizationId: account.organizationId,
    organization: {
      organizationId: org.organizationId,
      plan: org.plan,
      features: org.selfBookkeeping ? ['self-bookkeeping'] : [],
      customRoles: {},
    },
    account: {
      accountId: account.accountId,
      organizationId: account.organizationId,
      kind: account.kind,
      status: account.archived ? 'archived' : 'active',
    },
    membership: member(account.accountId),
    mainMembership: account.kind === 'sub' ? member(account.mainAccountId) : undefined,
    grant: account.kind === 'sub' && user.home.accountId === account.mainAccountId && user.grants.includes(account.accountId),
  };
}
