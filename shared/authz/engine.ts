import { infoOf, type Action } from './catalogue.js';
import { EMPTY, fromHex, hasBit, type PermissionSet } from './permission-set.js';
import { BUILT_IN_PERMISSIONS, customRoleIdOf, isBuiltInRole, type RoleRef } from './roles.js';
import { backofficeAvailable, type OrganizationState } from './plans.js';

/*
 * The decision engine. `resolveAccess` turns the facts the authorizer loaded for one
 * (user, account) pair into a Principal whose permissions are compiled once (SPEC 3.1-3.7,
 * 4.1-4.3); `decide` then answers each check with a few bit operations. Both are pure:
 * no I/O, no clock, no exceptions on any input. Anything unknown denies.
 */

export type Via = 'member' | 'grant' | 'owner' | 'backoffice';

export interface Principal {
  readonly userId: string;
  readonly organizationId: string;
  readonly accountId: string;
  readonly role: RoleRef;
  readonly via: Via;
  readonly permissions: PermissionSet;
}

export interface OrganizationFacts extends OrganizationState {
  organizationId: string;
  /** Compiled custom roles of the organization: role id -> permission set as hex. */
  customRoles: Readonly<Record<string, string>>;
}

export interface AccountFacts {
  accountId: string;
  organizationId: string;
  kind: 'main' | 'sub';
  status: 'active' | 'archived';
}

export interface MembershipFacts {
  accountId: string;
  userId: string;
  role: string;
}

export interface AccessFacts {
  userId: string;
  /** The account the request is for, and its organization's main account. */
  accountId: string;
  mainAccountId: string;
  organizationId: string;
  organization?: OrganizationFacts | undefined;
  account?: AccountFacts | undefined;
  /** Membership in the requested account itself. */
  membership?: MembershipFacts | undefined;
  /** For a sub-account: membership in the main account, and a grant to this sub-account. */
  mainMembership?: MembershipFacts | undefined;
  grant?: boolean | undefined;
}

export type DenyReason =
  | 'unknown-account'
  | 'not-a-member'
  | 'account-archived'
  | 'unknown-role'
  | 'backoffice-unavailable'
  | 'other-organization'
  | 'other-account'
  | 'unknown-action'
  | 'missing-permission'
  | 'not-own-object';

export type Access =
  | { readonly allowed: true; readonly principal: Principal }
  | { readonly allowed: false; readonly reason: DenyReason };

const deny = (reason: DenyReason): Access => ({ allowed: false, reason });

/** The permissions a role gives in this organization; undefined when it gives none. */
export function permissionsOfRole(role: string, org: OrganizationFacts): PermissionSet | undefined {
  if (isBuiltInRole(role)) {
    if (role === 'backoffice' && !backofficeAvailable(org)) return undefined;
    return BUILT_IN_PERMISSIONS[role];
  }
  const customId = customRoleIdOf(role);
  if (customId === undefined || !Object.hasOwn(org.customRoles, customId)) return undefined;
  return fromHex(org.customRoles[customId]!);
}

export function resolveAccess(facts: AccessFacts): Access {
  const { organization: org, account } = facts;
  if (
    !org ||
    !account ||
    org.organizationId !== facts.organizationId ||
    account.organizationId !== facts.organizationId ||
    account.accountId !== facts.accountId
  ) {
    return deny('unknown-account');
  }
  const isSub = facts.accountId !== facts.mainAccountId;
  if (isSub !== (account.kind === 'sub')) return deny('unknown-account');

  const principal = (role: string, via: Via, permissions: PermissionSet): Access => ({
    allowed: true,
    principal: {
      userId: facts.userId,
      organizationId: facts.organizationId,
      accountId: facts.accountId,
      role: role as RoleRef,
      via,
      permissions,
    },
  });
  const fromMembership = (m: MembershipFacts | undefined, expectedAccount: string) =>
    m && m.userId === facts.userId && m.accountId === expectedAccount ? m : undefined;

  if (!isSub) {
    const m = fromMembership(facts.membership, facts.accountId);
    if (!m) return deny('not-a-member');
    const perms = permissionsOfRole(m.role, org);
    if (!perms) return deny(m.role === 'backoffice' ? 'backoffice-unavailable' : 'unknown-role');
    return principal(m.role, m.role === 'owner' ? 'owner' : 'member', perms);
  }

  // SPEC 3.2 + 3.5: the main account's Owner reaches every sub-account, archived or not.
  const main = fromMembership(facts.mainMembership, facts.mainAccountId);
  if (main?.role === 'owner') return principal('owner', 'owner', BUILT_IN_PERMISSIONS.owner);
  if (account.status === 'archived') return deny('account-archived');

  // The paths into a sub-account, in precedence order; the first that gives permissions
  // decides. A main-account member without a usable path there still reaches the
  // sub-account if they are also its own member (the two memberships are independent).
  let reason: DenyReason = 'not-a-member';
  if (main) {
    if (main.role === 'backoffice') {
      // SPEC 4.2: Backoffice reaches every sub-account regardless of grants.
      const perms = permissionsOfRole('backoffice', org);
      if (perms) return principal('backoffice', 'backoffice', perms);
      reason = 'backoffice-unavailable';
    } else if (facts.grant === true) {
      // SPEC 3.3 + 3.7: other main-account members need a grant and act with their main role.
      const perms = permissionsOfRole(main.role, org);
      if (perms) return principal(main.role, 'grant', perms);
      reason = 'unknown-role';
    }
  }

  // SPEC 3.4: a sub-account's own member, never an Owner or Backoffice there (SPEC 3.2, 4.2).
  const m = fromMembership(facts.membership, facts.accountId);
  if (!m) return deny(reason);
  if (m.role === 'owner' || m.role === 'backoffice') return deny('unknown-role');
  const perms = permissionsOfRole(m.role, org);
  return perms ? principal(m.role, 'member', perms) : deny('unknown-role');
}

export interface Resource {
  readonly organizationId: string;
  readonly accountId: string;
  /** The creator of the object, for scoped actions (SPEC 1.3). */
  readonly ownerId?: string | undefined;
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: DenyReason };

const ALLOW: Decision = Object.freeze({ allowed: true });
const DENIED: Readonly<Record<DenyReason, Decision>> = Object.freeze(
  Object.fromEntries(
    (
      [
        'unknown-account',
        'not-a-member',
        'account-archived',
        'unknown-role',
        'backoffice-unavailable',
        'other-organization',
        'other-account',
        'unknown-action',
        'missing-permission',
        'not-own-object',
      ] as const
    ).map((r) => [r, Object.freeze({ allowed: false, reason: r })]),
  ) as Record<DenyReason, Decision>,
);

/**
 * Object-level decision: may this principal perform `action` on `resource`? For scoped
 * actions the `.own` bit covers objects the principal created, `.all` every object.
 */
export function decide(p: Principal, action: Action, resource: Resource): Decision {
  if (resource.organizationId !== p.organizationId) return DENIED['other-organization'];
  if (resource.accountId !== p.accountId) return DENIED['other-account'];
  const info = infoOf(action);
  if (info === undefined) return DENIED['unknown-action'];
  if (hasBit(p.permissions, info.allBit)) return ALLOW;
  if (!info.scoped) return DENIED['missing-permission'];
  if (!hasBit(p.permissions, info.ownBit)) return DENIED['missing-permission'];
  return resource.ownerId !== undefined && resource.ownerId === p.userId
    ? ALLOW
    : DENIED['not-own-object'];
}

/** Route-level check: may the principal use this action on at least some objects? */
export function mayUse(p: Principal, action: Action): boolean {
  const info = infoOf(action);
  if (info === undefined) return false;
  return hasBit(p.permissions, info.allBit) || hasBit(p.permissions, info.ownBit);
}

/** The scope to filter lists with: every object, only the caller's own, or none. */
export function scopeOf(p: Principal, action: Action): 'all' | 'own' | 'none' {
  const info = infoOf(action);
  if (info === undefined) return 'none';
  if (hasBit(p.permissions, info.allBit)) return 'all';
  return info.scoped && hasBit(p.permissions, info.ownBit) ? 'own' : 'none';
}

export const NO_PERMISSIONS = EMPTY;
