import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkBackofficeAvailable,
  checkMemberChange,
  checkOwnerRemains,
  checkRoleAssignment,
  checkRoleDefinition,
  PLAN_REQUIRED_DETAIL,
} from '#shared/authz/assignment.js';
import type { Principal } from '#shared/authz/engine.js';
import { ALL_PERMISSIONS } from '#shared/authz/catalogue.js';
import { compile, isSubset } from '#shared/authz/permission-set.js';
import { BUILT_IN_PERMISSIONS, type BuiltInRole } from '#shared/authz/roles.js';
import type { OrganizationState } from '#shared/authz/plans.js';

const ORG = 'org_01JTEST0000000000000000000';
const principal = (role: string, permissions = BUILT_IN_PERMISSIONS[role as BuiltInRole] ?? compile([])): Principal => ({
  userId: `u-${role}`,
  organizationId: ORG,
  accountId: 'acc_01JTEST0000000000000000000',
  role: role as Principal['role'],
  via: role === 'owner' ? 'owner' : 'member',
  permissions,
});
const FREE: OrganizationState = { plan: 'free', features: [] };
const SMALL: OrganizationState = { plan: 'small', features: [] };
const SMALL_SB: OrganizationState = { plan: 'small', features: ['self-bookkeeping'] };
const refusal = (v: ReturnType<typeof checkRoleAssignment>) => (v.ok ? undefined : v.refusal);

describe('role assignment rules', () => {
  it('when a non-Owner assigns Owner, it refuses, even holding every permission', () => {
    const allButOwner = principal('custom:god', compile(ALL_PERMISSIONS));
    expect(refusal(checkRoleAssignment(allButOwner, { role: 'owner' }, 'main', FREE))).toMatchObject({ status: 403, reason: 'only-owner-assigns-owner' });
    expect(checkRoleAssignment(principal('owner'), { role: 'owner' }, 'main', FREE)).toEqual({ ok: true });
  });

  it('when the target is a sub-account, Owner and Backoffice are not roles there', () => {
    for (const role of ['owner', 'backoffice']) {
      expect(refusal(checkRoleAssignment(principal('owner'), { role }, 'sub', SMALL_SB))).toMatchObject({ status: 400, reason: 'role-not-for-sub-account' });
    }
  });

  it('when Backoffice is assigned, only the Owner may, and only on Small+ with self-bookkeeping (SPEC 4.3 wording)', () => {
    const manager = principal('manager', compile(ALL_PERMISSIONS));
    expect(refusal(checkRoleAssignment(manager, { role: 'backoffice' }, 'main', SMALL_SB))?.reason).toBe('only-owner-assigns-backoffice');
    const free = refusal(checkRoleAssignment(principal('owner'), { role: 'backoffice' }, 'main', FREE));
    expect(free).toMatchObject({ status: 409, reason: 'plan-required', requiredPlans: ['small', 'medium', 'large', 'unlimited'] });
    expect(free?.detail).toContain('one of the plans Small, Medium, Large, Unlimited must be activated');
    expect(PLAN_REQUIRED_DETAIL).toBe('one of the plans Small, Medium, Large, Unlimited must be activated');
    expect(refusal(checkRoleAssignment(principal('owner'), { role: 'backoffice' }, 'main', SMALL))?.reason).toBe('feature-required');
    expect(checkRoleAssignment(principal('owner'), { role: 'backoffice' }, 'main', SMALL_SB)).toEqual({ ok: true });
    expect(checkBackofficeAvailable({ plan: 'unlimited', features: ['self-bookkeeping'] })).toEqual({ ok: true });
  });

  it('when a custom role does not exist, it is a 400', () => {
    expect(refusal(checkRoleAssignment(principal('owner'), { role: 'custom:gone' }, 'main', FREE))).toMatchObject({ status: 400, reason: 'unknown-role' });
    expect(refusal(checkRoleAssignment(principal('owner'), { role: 'king' }, 'main', FREE))?.reason).toBe('unknown-role');
  });

  it('when the role has permissions the actor lacks, it refuses naming exactly those', () => {
    const hr = principal('custom:hr', compile(['users.view', 'users.invite', 'users.change-roles']));
    const v = refusal(checkRoleAssignment(hr, { role: 'custom:x', customPermissions: compile(['users.view', 'users.remove']) }, 'main', FREE));
    expect(v).toMatchObject({ status: 403, reason: 'exceeds-own-permissions', missing: ['users.remove'] });
    expect(checkRoleAssignment(hr, { role: 'custom:x', customPermissions: compile(['users.view']) }, 'main', FREE)).toEqual({ ok: true });
  });

  it('never lets anyone assign a set that is not a subset of their own (property)', () => {
    const perms = fc.subarray([...ALL_PERMISSIONS]);
    fc.assert(
      fc.property(perms, perms, (mine, theirs) => {
        const actor = principal('custom:a', compile(mine));
        const v = checkRoleAssignment(actor, { role: 'custom:b', customPermissions: compile(theirs) }, 'main', SMALL_SB);
        expect(v.ok).toBe(isSubset(compile(theirs), compile(mine)));
      }),
    );
  });

  it('the built-in matrix: the Owner assigns anything, a Manager no built-in role above Employee-level it lacks', () => {
    for (const role of ['manager', 'employee', 'accountant'] as const) {
      expect(checkRoleAssignment(principal('owner'), { role }, 'main', FREE)).toEqual({ ok: true });
    }
    // The Manager lacks accounting.activate-self-bookkeeping, which the Accountant holds.
    expect(refusal(checkRoleAssignment(principal('manager'), { role: 'accountant' }, 'main', FREE))?.missing).toEqual([
      'accounting.activate-self-bookkeeping',
    ]);
  });
});

describe('changing or removing a member', () => {
  it('when the member is an Owner, only an Owner may touch them', () => {
    const god = principal('custom:god', compile(ALL_PERMISSIONS));
    expect(checkMemberChange(god, { role: 'owner' })).toMatchObject({ ok: false, refusal: { reason: 'only-owner-changes-owner' } });
    expect(checkMemberChange(principal('owner'), { role: 'owner' })).toEqual({ ok: true });
  });

  it('when the member holds permissions the actor lacks, it refuses; a deleted custom role gives nothing', () => {
    const hr = principal('custom:hr', compile(['users.view', 'users.change-roles']));
    expect(checkMemberChange(hr, { role: 'manager' })).toMatchObject({ ok: false, refusal: { reason: 'member-exceeds-own-permissions' } });
    expect(checkMemberChange(hr, { role: 'custom:gone' })).toEqual({ ok: true });
  });
});

describe('custom role definitions', () => {
  it('counts both the new and the old permissions: removing what you do not hold is refused too', () => {
    const hr = principal('custom:hr', compile(['users.view', 'users.change-roles']));
    expect(checkRoleDefinition(hr, compile(['users.view']))).toEqual({ ok: true });
    expect(checkRoleDefinition(hr, compile(['users.view']), compile(['documents.view.all']))).toMatchObject({
      ok: false,
      refusal: { missing: ['documents.view.all'] },
    });
  });
});

describe('the last Owner', () => {
  it('may not be removed or demoted while no other Owner exists', () => {
    expect(checkOwnerRemains('owner', undefined, 0)).toMatchObject({ ok: false, refusal: { status: 409, reason: 'last-owner', detail: 'the last Owner cannot be removed' } });
    expect(checkOwnerRemains('owner', 'manager', 0)).toMatchObject({ ok: false, refusal: { detail: 'the last Owner cannot be demoted' } });
    expect(checkOwnerRemains('owner', 'manager', 1)).toEqual({ ok: true });
    expect(checkOwnerRemains('owner', 'owner', 0)).toEqual({ ok: true });
    expect(checkOwnerRemains('manager', undefined, 0)).toEqual({ ok: true });
  });
});
