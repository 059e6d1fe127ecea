import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALL_ACTIONS, ALL_PERMISSIONS } from '#shared/authz/catalogue.js';
import { decide, resolveAccess } from '#shared/authz/engine.js';
import { compile, fromHex, isSubset, toHex, toNames } from '#shared/authz/permission-set.js';
import { factsFor, type World } from './world.js';

/*
 * Property-based tests: random organizations, and a deliberately naive reference evaluator
 * written from the text of SPEC.md with plain sets of permission names and if/else. It
 * shares nothing with the engine but the catalogue's list of names: no roles.ts, no
 * bitsets, no resolveAccess. On every generated check the two must agree.
 */

// ---------------------------------------------------------------- the naive reference

const ALL = new Set<string>(ALL_PERMISSIONS);
const isView = (p: string) => /\.view(\.own|\.all)?$/.test(p);

/** SPEC.md 1, 1.1-1.4 and 4.2 written out as sets of names. */
const NAIVE_ROLES: Record<string, Set<string>> = {
  // 1.1: full control.
  owner: new Set(ALL),
  // 1.2: everything but members, roles, sub-account administration, plan, billing, audit, Backoffice seats
  // and the self-bookkeeping switch (4.1: the accountant turns it on, the Owner off).
  manager: new Set(
    [...ALL].filter(
      (p) =>
        !p.startsWith('organization.') &&
        !['users.invite', 'users.change-roles', 'users.remove'].includes(p) &&
        !['sub-accounts.create', 'sub-accounts.edit', 'sub-accounts.archive', 'sub-accounts.manage-access'].includes(p) &&
        p !== 'accounting.activate-self-bookkeeping' &&
        p !== 'accounting.deactivate-self-bookkeeping',
    ),
  ),
  // 1.3: own documents; full client and item lists; reports of own data.
  employee: new Set([
    'documents.view.own', 'documents.create', 'documents.edit.own', 'documents.delete.own',
    'payments.view.own', 'payments.create',
    'clients.view', 'clients.create', 'clients.edit',
    'products.view', 'products.create', 'products.edit',
    'price-lists.view', 'promo-codes.view', 'settings.view', 'reports.view.own',
    // 5 (static mode): works CRM objects like clients, without deleting or changing permissions.
    'crm.view', 'crm.create', 'crm.edit', 'crm.special',
  ]),
  // 1.4: read everything, export; 4.1: may switch self-bookkeeping on.
  accountant: new Set([...[...ALL].filter(isView), 'exports.export', 'accounting.activate-self-bookkeeping']),
  // 4.2: bookkeeping.
  backoffice: new Set([
    'documents.view.all', 'documents.view.own', 'documents.create', 'documents.edit.all', 'documents.edit.own',
    'payments.view.all', 'payments.view.own', 'payments.create', 'payments.delete',
    'accounting.view', 'accounting.edit', 'upo.view', 'upo.submit',
    'reports.view.all', 'reports.view.own', 'exports.export',
    'clients.view', 'products.view', 'settings.view',
  ]),
};

interface NaiveOrg {
  id: string;
  main: string;
  plan: string;
  selfBookkeeping: boolean;
  /** custom role id -> its names, or 'broken' when the stored form is unreadable */
  customRoles: Map<string, Set<string> | 'broken'>;
}

interface Model {
  world: World;
  orgs: NaiveOrg[];
}

function naiveRolePermissions(org: NaiveOrg, role: string): Set<string> | undefined {
  if (role === 'backoffice') {
    // 4.1 + 4.3
    const ok = ['small', 'medium', 'large', 'unlimited'].includes(org.plan) && org.selfBookkeeping;
    return ok ? NAIVE_ROLES.backoffice : undefined;
  }
  if (role === 'owner' || role === 'manager' || role === 'employee' || role === 'accountant') return NAIVE_ROLES[role];
  if (role.startsWith('custom:')) {
    const r = org.customRoles.get(role.slice('custom:'.length));
    return r === undefined || r === 'broken' ? undefined : r;
  }
  return undefined;
}

/** The permission names a user has in an account, or undefined: no access at all. */
function naivePermissions(m: Model, userId: string, accountId: string): Set<string> | undefined {
  const account = m.world.accounts.find((a) => a.accountId === accountId);
  if (!account) return undefined;
  const org = m.orgs.find((o) => o.id === account.organizationId);
  if (!org) return undefined;
  const roleIn = (acc: string) => m.world.memberships.get(`${acc}|${userId}`);

  if (account.kind === 'main') {
    const role = roleIn(accountId);
    return role === undefined ? undefined : naiveRolePermissions(org, role);
  }

  const mainRole = roleIn(org.main);
  // 3.2 / 3.5: the main account's owner is owner everywhere, always.
  if (mainRole === 'owner') return NAIVE_ROLES.owner;
  // Archived: nobody else.
  if (account.status === 'archived') return undefined;
  // 4.2: Backoffice, everywhere, whatever the grants.
  if (mainRole === 'backoffice' && naiveRolePermissions(org, 'backoffice')) return NAIVE_ROLES.backoffice;
  // 3.3 + 3.7: a granted main-account user, with the main-account role.
  const granted = m.world.grants.has(`${org.main}|${userId}|${accountId}`);
  if (mainRole !== undefined && mainRole !== 'backoffice' && granted) {
    const perms = naiveRolePermissions(org, mainRole);
    if (perms) return perms;
  }
  // 3.4: the sub-account's own members; an owner or Backoffice role there means nothing.
  const ownRole = roleIn(accountId);
  if (ownRole === undefined || ownRole === 'owner' || ownRole === 'backoffice') return undefined;
  return naiveRolePermissions(org, ownRole);
}

const SCOPED = ['documents.view', 'documents.edit', 'documents.delete', 'payments.view', 'reports.view'];

function naiveDecide(
  m: Model,
  check: { userId: string; accountId: string; action: string; resourceAccountId: string; ownerId: string | undefined },
): boolean {
  // A principal acts in one account only; the object must live there.
  if (check.resourceAccountId !== check.accountId) return false;
  const perms = naivePermissions(m, check.userId, check.accountId);
  if (!perms) return false;
  if (SCOPED.includes(check.action)) {
    return perms.has(`${check.action}.all`) || (perms.has(`${check.action}.own`) && check.ownerId === check.userId);
  }
  return ALL.has(check.action) && !SCOPED.some((s) => check.action.startsWith(`${s}.`)) && perms.has(check.action);
}

// ---------------------------------------------------------------- generators

const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const ROLE_NAMES = ['owner', 'manager', 'employee', 'accountant', 'backoffice', 'custom:r0', 'custom:r1', 'custom:r2'];
const BAD_ROLE_NAMES = ['custom:gone', 'admin', '', 'custom:', 'Owner'];
// Mostly real roles, so that most generated checks exercise a permission, not a refusal.
const roleArb = fc.oneof({ arbitrary: fc.constantFrom(...ROLE_NAMES), weight: 6 }, { arbitrary: fc.constantFrom(...BAD_ROLE_NAMES), weight: 1 });
const PLAN_NAMES = ['free', 'small', 'medium', 'large', 'unlimited'] as const;

/** ULIDs from a tiny alphabet, so that ids of different organizations look alike. */
const ulidish = fc.tuple(fc.constantFrom('0', '1', 'Z'), fc.constantFrom('0', '1', 'Z')).map(([a, b]) => `01JPRQP0000000000000000${a}${b}`.slice(0, 26).padEnd(26, '0'));

const orgArb = fc.record({
  ulid: ulidish,
  plan: fc.constantFrom(...PLAN_NAMES),
  selfBookkeeping: fc.boolean(),
  customRoles: fc.array(fc.oneof(fc.subarray([...ALL_PERMISSIONS]), fc.constant('broken' as const)), { maxLength: 3 }),
  subs: fc.uniqueArray(fc.record({ ulid: ulidish, archived: fc.nat(3).map((n) => n === 0) }), { maxLength: 4, selector: (s) => s.ulid }),
  mainMembers: fc.dictionary(fc.constantFrom(...USERS), roleArb, { minKeys: 1, maxKeys: 6 }),
  subMembers: fc.array(fc.tuple(fc.nat(3), fc.constantFrom(...USERS), roleArb), { maxLength: 8 }),
  grants: fc.array(fc.tuple(fc.constantFrom(...USERS), fc.nat(3)), { maxLength: 12 }),
});

const modelArb = fc.uniqueArray(orgArb, { minLength: 1, maxLength: 3, selector: (o) => o.ulid }).map((orgs): Model => {
  const world: World = { organizations: [], accounts: [], memberships: new Map(), grants: new Set() };
  const naive: NaiveOrg[] = [];
  for (const o of orgs) {
    const id = `org_${o.ulid}`;
    const main = `acc_${o.ulid}`;
    const customHex: Record<string, string> = {};
    const customNames = new Map<string, Set<string> | 'broken'>();
    o.customRoles.forEach((r, i) => {
      // A broken role: a stored value of the wrong length, as a corrupted item would hold.
      customHex[`r${i}`] = r === 'broken' ? 'ffff' : toHex(compile(r));
      customNames.set(`r${i}`, r === 'broken' ? 'broken' : new Set(r));
    });
    const features = o.selfBookkeeping ? (['self-bookkeeping'] as const) : [];
    world.organizations.push({ organizationId: id, plan: o.plan, features: [...features], customRoles: customHex });
    naive.push({ id, main, plan: o.plan, selfBookkeeping: o.selfBookkeeping, customRoles: customNames });
    world.accounts.push({ accountId: main, organizationId: id, kind: 'main', status: 'active' });
    const subIds = o.subs.map((s) => `${main}_${s.ulid}`);
    o.subs.forEach((s, i) => world.accounts.push({ accountId: subIds[i]!, organizationId: id, kind: 'sub', status: s.archived ? 'archived' : 'active' }));
    for (const [u, role] of Object.entries(o.mainMembers)) world.memberships.set(`${main}|${u}`, role);
    for (const [i, u, role] of o.subMembers) if (subIds[i]) world.memberships.set(`${subIds[i]}|${u}`, role);
    for (const [u, i] of o.grants) if (subIds[i]) world.grants.add(`${main}|${u}|${subIds[i]}`);
  }
  return { world, orgs: naive };
});

const ACTIONS = [...ALL_ACTIONS, 'documents.view.all', 'documents.fly', 'payments', ''];

/** Checks against a model: real accounts, plus ids that look like accounts of these organizations but are not. */
const checksArb = (m: Model) => {
  const real = m.world.accounts.map((a) => a.accountId);
  const fake = m.orgs.flatMap((o) => [`${o.main}_01JPRQP00000000000000000QQ`, `${o.main}_`, `${o.main}x`]);
  // Mostly real accounts; the look-alikes keep the unknown-account paths exercised.
  const accountArb = fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 6 }, { arbitrary: fc.constantFrom(...fake), weight: 1 });
  return fc.array(
    fc.record({
      userId: fc.constantFrom(...USERS),
      accountId: accountArb,
      action: fc.constantFrom(...ACTIONS),
      sameAccount: fc.nat(9).map((n) => n > 0),
      otherAccountId: accountArb,
      ownerId: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 80 },
  );
};

const worldAndChecks = modelArb.chain((m) => checksArb(m).map((checks) => ({ m, checks })));

function engineDecide(m: Model, c: { userId: string; accountId: string; action: string; resourceAccountId: string; ownerId: string | undefined }): boolean {
  const facts = factsFor(m.world, c.userId, c.accountId);
  if (!facts) return false;
  const access = resolveAccess(facts);
  if (!access.allowed) return false;
  const resourceOrg = m.world.accounts.find((a) => a.accountId === c.resourceAccountId)?.organizationId ?? 'org_unknown';
  return decide(access.principal, c.action as never, {
    organizationId: resourceOrg,
    accountId: c.resourceAccountId,
    ownerId: c.ownerId,
  }).allowed;
}

// ---------------------------------------------------------------- properties

describe('the engine against a naive reading of SPEC.md', () => {
  it('agrees with the naive evaluator on every generated check of random organizations', () => {
    fc.assert(
      fc.property(worldAndChecks, ({ m, checks }) => {
        for (const c of checks) {
          const check = { ...c, resourceAccountId: c.sameAccount ? c.accountId : c.otherAccountId };
          const want = naiveDecide(m, check);
          const got = engineDecide(m, check);
          if (want !== got) throw new Error(`disagree on ${JSON.stringify(check)}: naive ${want}, engine ${got}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reaches every path of the model: the generators are not all-deny', () => {
    // Without this, a broken generator could make the agreement above hold vacuously.
    let allowed = 0;
    let total = 0;
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(worldAndChecks, ({ m, checks }) => {
        for (const c of checks) {
          total++;
          if (engineDecide(m, { ...c, resourceAccountId: c.accountId })) allowed++;
          const facts = factsFor(m.world, c.userId, c.accountId);
          const access = facts && resolveAccess(facts);
          if (access) outcomes.add(access.allowed ? `via ${access.principal.via}` : access.reason);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(allowed / total).toBeGreaterThan(0.08);
    expect([...outcomes].sort()).toEqual(
      ['account-archived', 'backoffice-unavailable', 'not-a-member', 'unknown-account', 'unknown-role', 'via backoffice', 'via grant', 'via member', 'via owner'].sort(),
    );
  });

  it('never lets a member of one organization act in any account of another, whatever ids', () => {
    fc.assert(
      fc.property(worldAndChecks, ({ m, checks }) => {
        for (const c of checks) {
          const home = m.world.accounts.find((a) => a.accountId === c.accountId)?.organizationId;
          for (const other of m.orgs) {
            if (other.id === home) continue;
            // Is this user a member of anything in `other`? Then it is not a leak.
            const belongs = [...m.world.memberships.keys()].some((k) => {
              const [acc, u] = k.split('|');
              return u === c.userId && m.world.accounts.find((a) => a.accountId === acc)?.organizationId === other.id;
            });
            if (belongs) continue;
            for (const target of m.world.accounts.filter((a) => a.organizationId === other.id)) {
              const facts = factsFor(m.world, c.userId, target.accountId)!;
              if (resolveAccess(facts).allowed) throw new Error(`${c.userId} reached ${target.accountId}`);
            }
          }
          // A principal of this organization never decides an object of another one.
          const facts = factsFor(m.world, c.userId, c.accountId);
          const access = facts && resolveAccess(facts);
          if (access?.allowed) {
            for (const other of m.orgs) {
              if (other.id === access.principal.organizationId) continue;
              for (const target of m.world.accounts.filter((a) => a.organizationId === other.id)) {
                const d = decide(access.principal, c.action as never, { organizationId: other.id, accountId: target.accountId, ownerId: c.userId });
                if (d.allowed) throw new Error('cross-organization allow');
                // Even a resource that lies about its organization stays in its account.
                const lie = decide(access.principal, c.action as never, { organizationId: access.principal.organizationId, accountId: target.accountId, ownerId: c.userId });
                if (lie.allowed) throw new Error('cross-account allow');
              }
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('denies when the organization or account item is missing, and no missing membership or grant ever opens access', () => {
    fc.assert(
      fc.property(worldAndChecks, ({ m, checks }) => {
        for (const c of checks) {
          const facts = factsFor(m.world, c.userId, c.accountId);
          if (!facts) continue;
          if (resolveAccess({ ...facts, organization: undefined }).allowed) throw new Error('allowed without organization');
          if (resolveAccess({ ...facts, account: undefined }).allowed) throw new Error('allowed without account');
          if (resolveAccess(facts).allowed) continue;
          for (const drop of ['membership', 'mainMembership', 'grant'] as const) {
            if (resolveAccess({ ...facts, [drop]: undefined }).allowed) throw new Error(`dropping ${drop} opened access`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('denies every role name that is not a built-in or an existing custom role', () => {
    fc.assert(
      fc.property(fc.string(), (role) => {
        fc.pre(!['owner', 'manager', 'employee', 'accountant', 'backoffice', 'custom:r0'].includes(role));
        const world: World = {
          organizations: [{ organizationId: 'org_01JPRQP00000000000000000AA', plan: 'unlimited', features: ['self-bookkeeping'], customRoles: { r0: toHex(compile(['clients.view'])) } }],
          accounts: [{ accountId: 'acc_01JPRQP00000000000000000AA', organizationId: 'org_01JPRQP00000000000000000AA', kind: 'main', status: 'active' }],
          memberships: new Map([[`acc_01JPRQP00000000000000000AA|u`, role]]),
          grants: new Set(),
        };
        return resolveAccess(factsFor(world, 'u', 'acc_01JPRQP00000000000000000AA')!).allowed === false;
      }),
    );
  });
});

describe('compiled permission sets', () => {
  it('round-trips any set of permissions through hex', () => {
    fc.assert(
      fc.property(fc.subarray([...ALL_PERMISSIONS]), (names) => {
        const set = fromHex(toHex(compile(names)));
        expect(set && toNames(set)).toEqual(names);
      }),
    );
  });

  it('parses any string without throwing, accepting only what toHex writes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-fA-F]{0,24}$/)), (s) => {
        const set = fromHex(s);
        if (set !== undefined) expect(toHex(set)).toBe(s);
      }),
    );
  });

  it('agrees with plain set inclusion for isSubset', () => {
    fc.assert(
      fc.property(fc.subarray([...ALL_PERMISSIONS]), fc.subarray([...ALL_PERMISSIONS]), (a, b) => {
        const plain = a.every((p) => b.includes(p));
        return isSubset(compile(a), compile(b)) === plain;
      }),
    );
  });
});
