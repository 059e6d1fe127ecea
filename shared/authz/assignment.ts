import type { Permission } from './catalogue.js';
import type { Principal } from './engine.js';
import { isSubset, toNames, union, EMPTY, type PermissionSet } from './permission-set.js';
import { BACKOFFICE_PLANS, backofficeAvailable, type OrganizationState, type Plan } from './plans.js';
import { BUILT_IN_PERMISSIONS, customRoleIdOf, isBuiltInRole } from './roles.js';

/*
 * The rules of role assignment (SPEC.md 1.2, 3.4, 4.1-4.3, 7.2), pure and synchronous so
 * every handler that hands out a role (add member, invite, change role, create or change a
 * custom role, grant a sub-account) asks the same questions:
 *   - only the Owner assigns Owner, and only the Owner assigns Backoffice;
 *   - Backoffice exists only on plan Small+ with self-bookkeeping active;
 *   - nobody hands out a permission they do not hold (compiled sets, `isSubset`);
 *   - nobody changes or removes a member who holds permissions they do not hold, and only
 *     an Owner touches an Owner;
 *   - the last Owner is never removed or demoted;
 *   - a sub-account's own members are never Owner or Backoffice (SPEC 3.2, 4.2).
 * A refusal carries its HTTP status, a stable reason and the facts a client needs.
 */

export type RefusalReason =
  | 'unknown-role'
  | 'role-not-for-sub-account'
  | 'only-owner-assigns-owner'
  | 'only-owner-assigns-backoffice'
  | 'plan-required'
  | 'feature-required'
  | 'exceeds-own-permissions'
  | 'only-owner-changes-owner'
  | 'member-exceeds-own-permissions'
  | 'last-owner';

export interface Refusal {
  readonly status: 400 | 403 | 409;
  readonly reason: RefusalReason;
  readonly detail: string;
  /** Permissions the caller would hand out without holding them. */
  readonly missing?: readonly Permission[];
  readonly requiredPlans?: readonly Plan[];
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

const OK: Verdict = Object.freeze({ ok: true });
const refuse = (refusal: Refusal): Verdict => ({ ok: false, refusal });

/** SPEC 4.3's wording, shared by every refusal about Backoffice and self-bookkeeping. */
export const PLAN_REQUIRED_DETAIL = `one of the plans ${BACKOFFICE_PLANS.map(
  (p) => p[0]!.toUpperCase() + p.slice(1),
).join(', ')} must be activated`;

export interface RoleToAssign {
  /** A built-in role name or `custom:<roleId>`. */
  readonly role: string;
  /** The custom role's compiled permissions; undefined when it does not exist. */
  readonly customPermissions?: PermissionSet | undefined;
}

/** The permissions a role reference stands for; undefined for an unknown role. */
export function permissionsToAssign(r: RoleToAssign): PermissionSet | undefined {
  if (isBuiltInRole(r.role)) return BUILT_IN_PERMISSIONS[r.role];
  return customRoleIdOf(r.role) !== undefined ? r.customPermissions : undefined;
}

/** Holding a permission set: every bit of `wanted` is in the actor's own set. */
export function missingPermissions(actor: Principal, wanted: PermissionSet): Permission[] {
  if (isSubset(wanted, actor.permissions)) return [];
  const missing = new Uint32Array(wanted.length);
  for (let i = 0; i < wanted.length; i++) missing[i] = wanted[i]! & ~actor.permissions[i]!;
  return toNames(missing);
}

/** May `actor` give `role` to a member of an account of kind `target` in `org`? */
export function checkRoleAssignment(
  actor: Principal,
  assign: RoleToAssign,
  target: 'main' | 'sub',
  org: OrganizationState,
): Verdict {
  const perms = permissionsToAssign(assign);
  if (!perms) return refuse({ status: 400, reason: 'unknown-role', detail: `the role ${assign.role} does not exist` });
  if (target === 'sub' && (assign.role === 'owner' || assign.role === 'backoffice')) {
    return refuse({
      status: 400,
      reason: 'role-not-for-sub-account',
      detail: `a sub-account member cannot be ${assign.role}: the main account's ${assign.role === 'owner' ? 'Owner administers' : 'Backoffice users reach'} every sub-account`,
    });
  }
  if (assign.role === 'owner' && actor.role !== 'owner') {
    return refuse({ status: 403, reason: 'only-owner-assigns-owner', detail: 'only an Owner may make someone an Owner' });
  }
  if (assign.role === 'backoffice') {
    if (actor.role !== 'owner') {
      return refuse({ status: 403, reason: 'only-owner-assigns-backoffice', detail: 'only an Owner may assign Backoffice' });
    }
    const gate = checkBackofficeAvailable(org);
    if (!gate.ok) return gate;
  }
  const missing = missingPermissions(actor, perms);
  if (missing.length) {
    return refuse({
      status: 403,
      reason: 'exceeds-own-permissions',
      detail: `the role ${assign.role} has permissions you do not hold: ${missing.join(', ')}`,
      missing,
    });
  }
  return OK;
}

/** SPEC 4.1 + 4.3: Backoffice needs a Small+ plan and self-bookkeeping. */
export function checkBackofficeAvailable(org: OrganizationState): Verdict {
  if (backofficeAvailable(org)) return OK;
  if (!BACKOFFICE_PLANS.includes(org.plan)) {
    return refuse({
      status: 409,
      reason: 'plan-required',
      detail: `Backoffice needs self-bookkeeping, and ${PLAN_REQUIRED_DETAIL}`,
      requiredPlans: BACKOFFICE_PLANS,
    });
  }
  return refuse({
    status: 409,
    reason: 'feature-required',
    detail: 'Backoffice needs the feature self-bookkeeping to be activated',
    requiredPlans: BACKOFFICE_PLANS,
  });
}

/** May `actor` change or remove a member who currently holds `current`? */
export function checkMemberChange(actor: Principal, current: RoleToAssign): Verdict {
  if (current.role === 'owner' && actor.role !== 'owner') {
    return refuse({ status: 403, reason: 'only-owner-changes-owner', detail: 'only an Owner may change or remove an Owner' });
  }
  // An unknown (deleted) custom role gives nothing, so anyone allowed here may fix it.
  const perms = permissionsToAssign(current) ?? EMPTY;
  const missing = missingPermissions(actor, perms);
  if (missing.length) {
    return refuse({
      status: 403,
      reason: 'member-exceeds-own-permissions',
      detail: `the member holds permissions you do not hold: ${missing.join(', ')}`,
      missing,
    });
  }
  return OK;
}

/**
 * May `actor` define (or redefine, or delete) a custom role with these permissions? Both
 * the old and the new set count: removing permissions you do not hold from others'
 * role is as much an act on those permissions as granting them.
 */
export function checkRoleDefinition(
  actor: Principal,
  permissions: PermissionSet,
  previous: PermissionSet = EMPTY,
): Verdict {
  const missing = missingPermissions(actor, union(permissions, previous));
  if (missing.length) {
    return refuse({
      status: 403,
      reason: 'exceeds-own-permissions',
      detail: `you do not hold these permissions: ${missing.join(', ')}`,
      missing,
    });
  }
  return OK;
}

/** SPEC 7.2: an Owner may lose that role only while another Owner remains. */
export function checkOwnerRemains(currentRole: string, nextRole: string | undefined, otherOwners: number): Verdict {
  if (currentRole !== 'owner' || nextRole === 'owner' || otherOwners > 0) return OK;
  return refuse({
    status: 409,
    reason: 'last-owner',
    detail: nextRole === undefined ? 'the last Owner cannot be removed' : 'the last Owner cannot be demoted',
  });
}
