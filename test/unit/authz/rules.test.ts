import { describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, expandPermissionNames } from '#shared/authz/catalogue.js';
import { decide, mayUse, resolveAccess, scopeOf, type Access, type AccessFacts } from '#shared/authz/engine.js';
import { compile, toHex, toNames } from '#shared/authz/permission-set.js';
import { BACKOFFICE_PLANS, PLANS, backofficeAvailable, backofficeSeatCharge } from '#shared/authz/plans.js';
import { BUILT_IN_PERMISSIONS, compileCustomRole } from '#shared/authz/roles.js';
import { factsFor, simpleOrg, type SimpleOrgSpec } from './world.js';

/* Every rule of SPEC.md sections 3 and 4, each as its own test, through resolveAccess on facts. */

const access = (spec: SimpleOrgSpec, userId: string, where: 'main' | number): Access => {
  const o = simpleOrg(spec);
  const accountId = where === 'main' ? o.mainAccountId : o.subAccountIds[where]!;
  return resolveAccess(factsFor(o.world, userId, accountId)!);
};
const allowed = (a: Access) => a.allowed;
const reason = (a: Access) => (a.allowed ? 'allowed' : a.reason);
const roleOf = (a: Access) => (a.allowed ? a.principal.role : undefined);

const BACKOFFICE_ORG = { plan: 'small', features: ['self-bookkeeping'] } as const;

describe('SPEC.md 3: sub-accounts', () => {
  it('3.2: the Owner of the main account is the owner of every sub-account, with full permissions', () => {
    const spec = { main: { boss: 'owner' }, subAccounts: ['active', 'active', 'active'] } satisfies SimpleOrgSpec;
    for (const i of [0, 1, 2]) {
      const a = access(spec, 'boss', i);
      expect(a).toMatchObject({ allowed: true, principal: { role: 'owner', via: 'owner' } });
      if (a.allowed) expect(toNames(a.principal.permissions)).toEqual(ALL_PERMISSIONS);
    }
  });

  it('3.3: a grant is per user and per sub-account: it opens that sub-account only, for that user only', () => {
    const spec = { main: { m1: 'manager', m2: 'manager' }, grants: { m1: [0] } } satisfies SimpleOrgSpec;
    expect(access(spec, 'm1', 0)).toMatchObject({ allowed: true, principal: { role: 'manager', via: 'grant' } });
    expect(reason(access(spec, 'm1', 1))).toBe('not-a-member');
    expect(reason(access(spec, 'm2', 0))).toBe('not-a-member');
  });

  it('3.3: revoking the grant closes the sub-account again', () => {
    const granted = { main: { m1: 'employee' }, grants: { m1: [0, 1] } } satisfies SimpleOrgSpec;
    const revoked = { main: { m1: 'employee' }, grants: { m1: [1] } } satisfies SimpleOrgSpec;
    expect(allowed(access(granted, 'm1', 0))).toBe(true);
    expect(reason(access(revoked, 'm1', 0))).toBe('not-a-member');
    expect(allowed(access(revoked, 'm1', 1))).toBe(true);
  });

  it('3.4: a member of a sub-account has no access to the main account', () => {
    expect(reason(access({ subs: { 0: { branch: 'manager' } } }, 'branch', 'main'))).toBe('not-a-member');
  });

  it('3.4: a member of a sub-account has no access to a sibling sub-account', () => {
    const spec = { subs: { 0: { branch: 'manager' } } } satisfies SimpleOrgSpec;
    expect(access(spec, 'branch', 0)).toMatchObject({ allowed: true, principal: { role: 'manager', via: 'member' } });
    expect(reason(access(spec, 'branch', 1))).toBe('not-a-member');
  });

  it('3.4: a sub-account membership cannot carry the Owner or Backoffice role', () => {
    expect(reason(access({ subs: { 0: { x: 'owner' } } }, 'x', 0))).toBe('unknown-role');
    expect(reason(access({ ...BACKOFFICE_ORG, subs: { 0: { x: 'backoffice' } } }, 'x', 0))).toBe('unknown-role');
  });

  it('3.5: the Owner reaches every sub-account without any grant, and no grant state changes that', () => {
    for (const grants of [{}, { boss: [] }, { boss: [1] }]) {
      expect(roleOf(access({ main: { boss: 'owner' }, grants }, 'boss', 0))).toBe('owner');
    }
  });

  it('3.5: the Owner keeps full permissions in a sub-account where it is also listed as a lesser member', () => {
    const a = access({ main: { boss: 'owner' }, subs: { 0: { boss: 'employee' } } }, 'boss', 0);
    expect(a).toMatchObject({ allowed: true, principal: { role: 'owner', via: 'owner' } });
  });

  it('3.7: in a sub-account, a main-account user acts with the permissions of the main-account role', () => {
    for (const role of ['manager', 'employee', 'accountant'] as const) {
      const a = access({ main: { u: role }, grants: { u: [0] } }, 'u', 0);
      expect(a).toMatchObject({ allowed: true, principal: { role, via: 'grant' } });
      if (a.allowed) expect(toHex(a.principal.permissions)).toBe(toHex(BUILT_IN_PERMISSIONS[role]));
    }
  });

  it('3.7: a main-account custom role applies in a granted sub-account', () => {
    const role = compileCustomRole(['clients.view', 'integrations.*']);
    const a = access({ customRoles: { r1: role.hex }, main: { u: 'custom:r1' }, grants: { u: [0] } }, 'u', 0);
    expect(a).toMatchObject({ allowed: true, principal: { role: 'custom:r1', via: 'grant' } });
    if (a.allowed) expect(toNames(a.principal.permissions)).toEqual(['clients.view', 'integrations.view', 'integrations.manage']);
  });

  it('3.7: the main-account role wins over a different role the same user holds in the sub-account', () => {
    const a = access({ main: { u: 'employee' }, subs: { 0: { u: 'manager' } }, grants: { u: [0] } }, 'u', 0);
    expect(a).toMatchObject({ allowed: true, principal: { role: 'employee', via: 'grant' } });
  });

  it('a main-account member without a grant still reaches a sub-account where it is a member itself', () => {
    const a = access({ main: { u: 'employee' }, subs: { 0: { u: 'manager' } } }, 'u', 0);
    expect(a).toMatchObject({ allowed: true, principal: { role: 'manager', via: 'member' } });
  });

  it('when the sub-account is archived, it denies everyone but the Owner', () => {
    const spec = {
      ...BACKOFFICE_ORG,
      subAccounts: ['archived', 'active'],
      main: { boss: 'owner', mgr: 'manager', bo: 'backoffice' },
      subs: { 0: { branch: 'manager' } },
      grants: { mgr: [0] },
    } satisfies SimpleOrgSpec;
    expect(roleOf(access(spec, 'boss', 0))).toBe('owner');
    for (const user of ['mgr', 'bo', 'branch']) expect(reason(access(spec, user, 0))).toBe('account-archived');
    // The sibling is untouched.
    expect(allowed(access(spec, 'bo', 1))).toBe(true);
  });

  it('when the account named by the path does not exist, it denies', () => {
    const o = simpleOrg({ main: { boss: 'owner' } });
    const facts = factsFor(o.world, 'boss', o.subAccountIds[0]!.replace(/1$/, '9'))!;
    expect(reason(resolveAccess(facts))).toBe('unknown-account');
  });

  it('when the organization item is missing, it denies, even the Owner', () => {
    const o = simpleOrg({ main: { boss: 'owner' } });
    const facts: AccessFacts = { ...factsFor(o.world, 'boss', o.mainAccountId)!, organization: undefined };
    expect(reason(resolveAccess(facts))).toBe('unknown-account');
  });

  it('when the account item names another organization than its id, it denies', () => {
    const o = simpleOrg({ main: { boss: 'owner' } });
    const facts = factsFor(o.world, 'boss', o.mainAccountId)!;
    const forged: AccessFacts = { ...facts, account: { ...facts.account!, organizationId: 'org_01JQTHER000000000000000000' } };
    expect(reason(resolveAccess(forged))).toBe('unknown-account');
  });

  it('when a membership belongs to another user or account than asked, it is ignored', () => {
    const o = simpleOrg({ main: { boss: 'owner' } });
    const facts = factsFor(o.world, 'boss', o.mainAccountId)!;
    expect(reason(resolveAccess({ ...facts, membership: { ...facts.membership!, userId: 'someone' } }))).toBe('not-a-member');
    expect(reason(resolveAccess({ ...facts, membership: { ...facts.membership!, accountId: o.subAccountIds[0]! } }))).toBe(
      'not-a-member',
    );
  });

  it('when the role is unknown, or a custom role is missing or malformed, it denies', () => {
    expect(reason(access({ main: { u: 'admin' } }, 'u', 'main'))).toBe('unknown-role');
    expect(reason(access({ main: { u: 'custom:nope' } }, 'u', 'main'))).toBe('unknown-role');
    expect(reason(access({ main: { u: 'custom:' } }, 'u', 'main'))).toBe('unknown-role');
    expect(reason(access({ customRoles: { r: 'zz' }, main: { u: 'custom:r' } }, 'u', 'main'))).toBe('unknown-role');
    expect(reason(access({ customRoles: { r: 'f'.repeat(16) }, main: { u: 'custom:r' } }, 'u', 'main'))).toBe('unknown-role');
    // Prototype keys are not roles.
    expect(reason(access({ main: { u: 'custom:__proto__' } }, 'u', 'main'))).toBe('unknown-role');
    expect(reason(access({ main: { u: 'custom:toString' } }, 'u', 'main'))).toBe('unknown-role');
  });
});

describe('SPEC.md 4: Backoffice, plans and features', () => {
  it('4.1 + 4.3: Backoffice resolves only on a Small, Medium, Large or Unlimited plan with self-bookkeeping active', () => {
    for (const plan of PLANS) {
      for (const features of [[], ['self-bookkeeping']] as const) {
        const want = plan !== 'free' && features.length === 1;
        const a = access({ plan, features: [...features], main: { bo: 'backoffice' } }, 'bo', 'main');
        expect({ plan, features, result: reason(a) }).toEqual({ plan, features, result: want ? 'allowed' : 'backoffice-unavailable' });
        expect(backofficeAvailable({ plan, features })).toBe(want);
      }
    }
    expect(BACKOFFICE_PLANS).toEqual(['small', 'medium', 'large', 'unlimited']);
  });

  it('4.1: deactivating self-bookkeeping takes Backoffice access away, in the main account and in sub-accounts', () => {
    const spec = { plan: 'medium', features: [], main: { bo: 'backoffice' }, grants: { bo: [0] } } satisfies SimpleOrgSpec;
    expect(reason(access(spec, 'bo', 'main'))).toBe('backoffice-unavailable');
    expect(reason(access(spec, 'bo', 0))).toBe('backoffice-unavailable');
  });

  it('4.2: Backoffice reaches every sub-account regardless of its grants', () => {
    const spec = { ...BACKOFFICE_ORG, subAccounts: ['active', 'active', 'active'], main: { bo: 'backoffice' }, grants: { bo: [1] } } satisfies SimpleOrgSpec;
    for (const i of [0, 1, 2]) expect(access(spec, 'bo', i)).toMatchObject({ allowed: true, principal: { role: 'backoffice', via: 'backoffice' } });
  });

  it('4.2: Backoffice gives the bookkeeping functions and no administration', () => {
    const a = access({ ...BACKOFFICE_ORG, main: { bo: 'backoffice' } }, 'bo', 'main');
    if (!a.allowed) throw new Error(a.reason);
    const p = a.principal;
    for (const action of ['accounting.view', 'accounting.edit', 'payments.create', 'payments.delete', 'upo.submit', 'exports.export'] as const) {
      expect({ action, ok: mayUse(p, action) }).toEqual({ action, ok: true });
    }
    expect(scopeOf(p, 'documents.view')).toBe('all');
    expect(scopeOf(p, 'reports.view')).toBe('all');
    for (const action of ['users.invite', 'users.change-roles', 'sub-accounts.create', 'organization.manage-plan', 'settings.edit-business', 'organization.assign-backoffice'] as const) {
      expect({ action, ok: mayUse(p, action) }).toEqual({ action, ok: false });
    }
  });

  it('4.1: only the Owner holds the right to assign Backoffice, only the Owner and the Accountant may activate self-bookkeeping, only the Owner may deactivate it', () => {
    const holders = (permission: number) =>
      (['owner', 'manager', 'employee', 'accountant', 'backoffice'] as const).filter((r) => (BUILT_IN_PERMISSIONS[r][permission >>> 5]! & (1 << (permission & 31))) !== 0);
    expect(holders(ALL_PERMISSIONS.indexOf('organization.assign-backoffice'))).toEqual(['owner']);
    expect(holders(ALL_PERMISSIONS.indexOf('accounting.activate-self-bookkeeping'))).toEqual(['owner', 'accountant']);
    expect(holders(ALL_PERMISSIONS.indexOf('accounting.deactivate-self-bookkeeping'))).toEqual(['owner']);
  });

  it('keeps the bit of every permission that existed before deactivation had its own: stored custom roles mean what they meant', () => {
    // Custom roles are stored compiled; a permission added later must take a new bit, never shift old ones.
    expect(ALL_PERMISSIONS.indexOf('accounting.activate-self-bookkeeping')).toBe(50);
    expect(ALL_PERMISSIONS.indexOf('organization.assign-backoffice')).toBe(61);
    expect(ALL_PERMISSIONS.indexOf('accounting.deactivate-self-bookkeeping')).toBe(62);
  });

  it('4.4: the first Backoffice seat is included, every further one costs EUR 25.00 a month', () => {
    expect([0, 1, 2, 3, 10].map(backofficeSeatCharge)).toEqual([0, 0, 2500, 5000, 22500]);
  });
});

describe('SPEC.md 1.2-1.4 in prose', () => {
  it('1.4: the Accountant holds no permission that writes, except export and activating self-bookkeeping', () => {
    const writes = toNames(BUILT_IN_PERMISSIONS.accountant).filter((p) => !/\.view(\.(own|all))?$/.test(p));
    expect(writes).toEqual(['accounting.activate-self-bookkeeping', 'exports.export']);
  });

  it('1.4: the Accountant reads everything there is to read', () => {
    const views = ALL_PERMISSIONS.filter((p) => /\.view(\.(own|all))?$/.test(p));
    const held = new Set(toNames(BUILT_IN_PERMISSIONS.accountant));
    expect(views.filter((p) => !held.has(p))).toEqual([]);
  });

  it('1.2: the Manager cannot add or remove members or change roles, or grant sub-account access', () => {
    const held = new Set(toNames(BUILT_IN_PERMISSIONS.manager));
    for (const p of ['users.invite', 'users.remove', 'users.change-roles', 'sub-accounts.manage-access'] as const) expect(held.has(p)).toBe(false);
  });
});

describe('SPEC.md 7.1: nothing crosses organizations or accounts', () => {
  const o = simpleOrg({ main: { boss: 'owner' } });
  const a = resolveAccess(factsFor(o.world, 'boss', o.mainAccountId)!);
  if (!a.allowed) throw new Error(a.reason);
  const p = a.principal;

  it('denies an Owner any action on an object of another organization', () => {
    expect(decide(p, 'documents.view', { organizationId: 'org_01JQTHER000000000000000000', accountId: o.mainAccountId, ownerId: 'boss' })).toEqual({
      allowed: false,
      reason: 'other-organization',
    });
  });

  it("denies an Owner's main-account principal on an object of its own sub-account: each account has its own principal", () => {
    expect(decide(p, 'documents.view', { organizationId: o.organizationId, accountId: o.subAccountIds[0]!, ownerId: 'boss' })).toEqual({
      allowed: false,
      reason: 'other-account',
    });
  });

  it('denies an unknown action', () => {
    const r = { organizationId: o.organizationId, accountId: o.mainAccountId, ownerId: 'boss' };
    for (const action of ['documents.fly', 'documents.view.all', '', '__proto__', 'constructor']) {
      expect(decide(p, action as never, r)).toEqual({ allowed: false, reason: 'unknown-action' });
      expect(mayUse(p, action as never)).toBe(false);
      expect(scopeOf(p, action as never)).toBe('none');
    }
  });
});

describe('custom roles (SPEC.md 2)', () => {
  it('2.1: expands actions and area wildcards, and names every unknown permission for the 400', () => {
    expect(expandPermissionNames(['documents.view', 'upo.*', 'clients.fly', 'nope.*', 'reports.view.own'])).toEqual({
      permissions: ['documents.view.all', 'documents.view.own', 'upo.view', 'upo.submit', 'reports.view.own'],
      unknown: ['clients.fly', 'nope.*'],
    });
  });

  it('2.1: names inherited object properties as unknown permissions instead of granting nothing silently', () => {
    const inherited = ['constructor.*', '__proto__.*', 'toString.*', 'hasOwnProperty.*', 'valueOf.*', 'constructor', '__proto__'];
    expect(expandPermissionNames(inherited)).toEqual({ permissions: [], unknown: inherited });
  });

  it('2.1: compiles a role to the hex stored on the organization item', () => {
    const r = compileCustomRole(['clients.view', 'clients.create']);
    expect(r.unknown).toEqual([]);
    expect(r.hex).toBe(toHex(compile(['clients.view', 'clients.create'])));
  });
});
