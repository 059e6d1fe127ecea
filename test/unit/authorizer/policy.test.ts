import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALL_PERMISSIONS } from '#shared/authz/catalogue.js';
import { compile } from '#shared/authz/permission-set.js';
import { BUILT_IN_PERMISSIONS, BUILT_IN_ROLES } from '#shared/authz/roles.js';
import { mayUse, type Principal } from '#shared/authz/engine.js';
import { accountPolicy, denyAccountPolicy, userPolicy, type PolicyDocument } from '#shared/authz/policy.js';
import { arnMatches, methodArnFor } from '#shared/authz/arn.js';
import { ROUTES, isAccountRoute, type Route } from '#shared/http/routes.js';
import { resolveAccess } from '#shared/authz/engine.js';
import { toNames } from '#shared/authz/permission-set.js';
import { compileCustomRole } from '#shared/authz/roles.js';
import { factsFor, simpleOrg } from '../authz/world.js';

const PREFIX = 'arn:aws:execute-api:eu-central-1:123456789012:api123/prod';
const ACCOUNT = 'acc_01JTEST0000000000000000000';
const OTHER = 'acc_01JTEST0000000000000000000_01JTEST0000000000000000001';

/** API Gateway's evaluation: an explicit Deny wins, then some Allow must match. */
function allowed(policy: PolicyDocument, arn: string): boolean {
  const match = (effect: 'Allow' | 'Deny') =>
    policy.Statement.some((s) => s.Effect === effect && s.Resource.some((r) => arnMatches(r, arn)));
  return !match('Deny') && match('Allow');
}

/**
 * Concrete request ARNs for a route, with ordinary and awkward parameter values; `extra`
 * adds values such as a (decoded) slash followed by another account's path, so that a
 * pattern not anchored on its account would be caught matching it.
 */
function requestArns(route: Route, accountId: string, extra: string[] = []): string[] {
  return ['x1', 'a-b_c.d', 'acc_01JTEST0000000000000000000', 'a%2Fb', '*', ...extra].map((value) =>
    methodArnFor(PREFIX, route.method, route.path.replace('{accountId}', accountId).replace(/\{[^}]+\}/g, value)),
  );
}

const principal = (permissions: Principal['permissions'], accountId = ACCOUNT): Principal => ({
  userId: 'u1',
  organizationId: 'org_01JTEST0000000000000000000',
  accountId,
  role: 'manager',
  via: 'member',
  permissions,
});

const accountRoutes = (ROUTES as readonly Route[]).filter(isAccountRoute);

describe('the authorizer policy', () => {
  it.each(BUILT_IN_ROLES)('allows a %s exactly the account routes its role permits, as API Gateway matches them', (role) => {
    const p = principal(BUILT_IN_PERMISSIONS[role]);
    const policy = accountPolicy(PREFIX, p);
    for (const route of accountRoutes) {
      const expected = typeof route.auth === 'object' && mayUse(p, route.auth.action);
      for (const arn of requestArns(route, ACCOUNT)) expect({ arn, allowed: allowed(policy, arn) }).toEqual({ arn, allowed: expected });
    }
  });

  it('allows exactly the permitted routes for any permission set (property)', () => {
    fc.assert(
      fc.property(fc.subarray([...ALL_PERMISSIONS]), (names) => {
        const p = principal(compile(names));
        const policy = accountPolicy(PREFIX, p);
        return accountRoutes.every((route) => {
          const expected = typeof route.auth === 'object' && mayUse(p, route.auth.action);
          return requestArns(route, ACCOUNT).every((arn) => allowed(policy, arn) === expected);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never allows a route of another account, even for an Owner', () => {
    const policy = accountPolicy(PREFIX, principal(BUILT_IN_PERMISSIONS.owner));
    for (const route of accountRoutes) {
      for (const arn of requestArns(route, OTHER)) expect(allowed(policy, arn)).toBe(false);
    }
  });

  it('builds the same policy for the same permissions in any account, naming only that account and API', () => {
    const otherPrefix = 'arn:aws:execute-api:us-east-1:210987654321:otherapi/dev';
    for (const role of BUILT_IN_ROLES) {
      // The first call may be answered from the per-permission-set memo the second one filled.
      const here = JSON.stringify(accountPolicy(PREFIX, principal(BUILT_IN_PERMISSIONS[role], ACCOUNT)));
      const there = JSON.stringify(accountPolicy(otherPrefix, principal(BUILT_IN_PERMISSIONS[role], OTHER)));
      // OTHER extends ACCOUNT's id with `_…`: any other occurrence of ACCOUNT is a leak.
      expect(there).not.toMatch(new RegExp(`${ACCOUNT}(?!_)`));
      expect(there).not.toContain(PREFIX);
      expect(there.replaceAll(otherPrefix, PREFIX).replaceAll(OTHER, ACCOUNT)).toBe(here);
    }
  });

  it('never allows another API or stage', () => {
    const policy = accountPolicy(PREFIX, principal(BUILT_IN_PERMISSIONS.owner));
    const otherStage = 'arn:aws:execute-api:eu-central-1:123456789012:api123/dev';
    for (const route of accountRoutes) {
      for (const arn of requestArns(route, ACCOUNT)) expect(allowed(policy, arn.replace(PREFIX, otherStage))).toBe(false);
    }
  });

  it('gives a caller with no access to an account a policy that denies every method there', () => {
    const policy = denyAccountPolicy(PREFIX, ACCOUNT);
    for (const route of accountRoutes) {
      for (const arn of requestArns(route, ACCOUNT)) expect(allowed(policy, arn)).toBe(false);
    }
    expect(allowed(policy, methodArnFor(PREFIX, 'GET', `/accounts/${ACCOUNT}`))).toBe(false);
  });

  it('allows every user route, and no account route, to any authenticated caller outside an account', () => {
    const policy = userPolicy(PREFIX);
    for (const route of ROUTES as readonly Route[]) {
      if (route.auth === 'public') continue;
      const arn = methodArnFor(PREFIX, route.method, route.path.replace(/\{[^}]+\}/g, 'x1'));
      expect(allowed(policy, arn)).toBe(route.auth === 'user');
    }
  });
});

describe('API Gateway ARN matching', () => {
  it.each([
    ['arn:x/prod/GET/a/*', 'arn:x/prod/GET/a/b', true],
    ['arn:x/prod/GET/a/*', 'arn:x/prod/GET/a/b/c', true],
    ['arn:x/prod/GET/a/*/c', 'arn:x/prod/GET/a/b/c', true],
    ['arn:x/prod/GET/a/*/c', 'arn:x/prod/GET/a/b/d', false],
    ['arn:x/prod/*/a', 'arn:x/prod/DELETE/a', true],
    ['arn:x/prod/GET/a', 'arn:x/prod/GET/a/b', false],
    ['arn:x/prod/GET/a?', 'arn:x/prod/GET/ab', true],
    ['arn:x/prod/GET/a?', 'arn:x/prod/GET/a', false],
    ['arn:x/prod/GET/A', 'arn:x/prod/GET/a', false],
  ])('%s matches %s: %s', (pattern, arn, expected) => {
    expect(arnMatches(pattern, arn)).toBe(expected);
  });
});

describe('the authorizer policy for principals resolved from an organization', () => {
  const custom = compileCustomRole(['documents.view.own', 'clients.*', 'users.remove', 'integrations.view']);
  const o = simpleOrg({
    seed: '01JPXKCY',
    plan: 'small',
    features: ['self-bookkeeping'],
    customRoles: { c1: custom.hex },
    subAccounts: ['active', 'active'],
    main: { owner: 'owner', manager: 'manager', employee: 'employee', accountant: 'accountant', backoffice: 'backoffice', custom: 'custom:c1' },
    subs: { 0: { 'sub-manager': 'manager', 'sub-employee': 'employee', 'sub-accountant': 'accountant', 'sub-custom': 'custom:c1' } },
    grants: { manager: [0], employee: [0], accountant: [0], custom: [0] },
  });
  const elsewhere = simpleOrg({ seed: '01JPXKCZ', main: { owner: 'owner' } });
  const [SUB_A, SUB_B] = o.subAccountIds as [string, string];

  /** What the route table says a holder of these permission names may call. */
  const permittedByNames = (names: readonly string[], route: Route) =>
    typeof route.auth === 'object' &&
    (names.includes(route.auth.action) || names.includes(`${route.auth.action}.all`) || names.includes(`${route.auth.action}.own`));

  const cases: Array<[string, string]> = [
    ...['owner', 'manager', 'employee', 'accountant', 'backoffice', 'custom'].map((u): [string, string] => [u, o.mainAccountId]),
    ...['owner', 'manager', 'employee', 'accountant', 'backoffice', 'custom'].map((u): [string, string] => [u, SUB_A]),
    ...['sub-manager', 'sub-employee', 'sub-accountant', 'sub-custom'].map((u): [string, string] => [u, SUB_A]),
  ];

  it.each(cases)('allows %s in %s exactly the routes its permissions name, and nothing in any other account', (user, accountId) => {
    const access = resolveAccess(factsFor(o.world, user, accountId)!);
    if (!access.allowed) throw new Error(`${user} denied: ${access.reason}`);
    const names = toNames(access.principal.permissions);
    const policy = accountPolicy(PREFIX, access.principal);
    const others = [o.mainAccountId, SUB_A, SUB_B, elsewhere.mainAccountId, `${accountId}_01JPXKCY00000000000000000Z`].filter((a) => a !== accountId);
    for (const route of accountRoutes) {
      for (const arn of requestArns(route, accountId)) {
        expect({ user, arn, allowed: allowed(policy, arn) }).toEqual({ user, arn, allowed: permittedByNames(names, route) });
      }
      for (const other of others) {
        const smuggled = [`x/accounts/${accountId}/invoices/y`, `x/accounts/${accountId}`, `../${accountId}`];
        for (const arn of requestArns(route, other, smuggled)) expect({ user, arn, allowed: allowed(policy, arn) }).toEqual({ user, arn, allowed: false });
      }
    }
  });

  it('gives an Employee the document routes (its own documents) but none of member or settings administration', () => {
    const access = resolveAccess(factsFor(o.world, 'employee', SUB_A)!);
    if (!access.allowed) throw new Error(access.reason);
    const policy = accountPolicy(PREFIX, access.principal);
    const can = (method: string, path: string) => allowed(policy, methodArnFor(PREFIX, method, `/accounts/${SUB_A}${path}`));
    expect([can('GET', '/invoices'), can('PATCH', '/invoices/i1'), can('DELETE', '/invoices/i1'), can('GET', '/reports/revenue')]).toEqual([true, true, true, true]);
    expect([can('GET', '/members'), can('PATCH', '/settings/business'), can('DELETE', '/clients/c1'), can('GET', '/exports/documents')]).toEqual([false, false, false, false]);
  });

  it('explicitly denies a route that an allowed wildcard of a custom role would otherwise cover', () => {
    // users.remove allows DELETE …/members/*, which would also match DELETE …/members/u/grants/s.
    const access = resolveAccess(factsFor(o.world, 'custom', o.mainAccountId)!);
    if (!access.allowed) throw new Error(access.reason);
    const policy = accountPolicy(PREFIX, access.principal);
    expect(allowed(policy, methodArnFor(PREFIX, 'DELETE', `/accounts/${o.mainAccountId}/members/u1`))).toBe(true);
    expect(allowed(policy, methodArnFor(PREFIX, 'DELETE', `/accounts/${o.mainAccountId}/members/u1/grants/${SUB_A}`))).toBe(false);
    expect(policy.Statement.some((st) => st.Effect === 'Deny')).toBe(true);
  });

  it('denies every route of an account the caller has no access to, and only that account', () => {
    for (const [user, accountId] of [['sub-manager', o.mainAccountId], ['sub-manager', SUB_B], ['owner', elsewhere.mainAccountId]] as const) {
      const access = resolveAccess(factsFor({ ...o.world, ...mergeWorlds() }, user, accountId)!);
      expect(access.allowed).toBe(false);
      const policy = denyAccountPolicy(PREFIX, accountId);
      for (const route of accountRoutes) for (const arn of requestArns(route, accountId)) expect(allowed(policy, arn)).toBe(false);
      expect(policy.Statement.every((st) => st.Effect === 'Deny')).toBe(true);
    }
  });

  function mergeWorlds() {
    return {
      organizations: [...o.world.organizations, ...elsewhere.world.organizations],
      accounts: [...o.world.accounts, ...elsewhere.world.accounts],
    };
  }
});
