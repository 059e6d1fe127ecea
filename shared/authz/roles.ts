import { ALL_PERMISSIONS, expandPermissionNames, type Permission } from './catalogue.js';
import { compile, toHex, type PermissionSet } from './permission-set.js';

/*
 * The built-in roles as data over the catalogue. Owner, Manager, Employee and Accountant
 * are exactly the matrix of SPEC.md section 1; Backoffice is the bookkeeping role of
 * SPEC.md section 4. docs/authorization.md renders this table.
 */
export const BUILT_IN_ROLES = ['owner', 'manager', 'employee', 'accountant', 'backoffice'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

const everyView: Permission[] = ALL_PERMISSIONS.filter(
  (p) => p.endsWith('.view') || p.endsWith('.view.all') || p.endsWith('.view.own'),
);

/** Owner-only: member management, plan, billing, audit, Backoffice seats and the feature they need (SPEC 1.2, 4.1). */
const ownerOnly = new Set<Permission>([
  'users.invite',
  'users.change-roles',
  'users.remove',
  'sub-accounts.create',
  'sub-accounts.edit',
  'sub-accounts.archive',
  'sub-accounts.manage-access',
  'organization.manage-plan',
  'organization.view-billing',
  'organization.view-audit',
  'organization.assign-backoffice',
  // SPEC 4.1: the Accountant may switch self-bookkeeping on, but switching it off (which
  // takes Backoffice away) is the management role's, the Owner's.
  'accounting.deactivate-self-bookkeeping',
  // SPEC 5.7: switching the permission-management mode changes who sees what across the
  // whole organization; it is the management role's, behind an unlock step.
  'organization.change-permission-mode',
]);

const ROLE_PERMISSIONS: Record<BuiltInRole, readonly Permission[]> = {
  owner: ALL_PERMISSIONS,
  // SPEC 1.2: full operational access, but no member, role or plan management. Neither
  // side of the self-bookkeeping switch: 4.1 gives turning it on to the accountant and
  // everything about Backoffice to the management role, which Kontor makes the Owner.
  manager: ALL_PERMISSIONS.filter(
    (p) => !ownerOnly.has(p) && p !== 'accounting.activate-self-bookkeeping',
  ),
  // SPEC 1.3: own documents only; full client and item lists; reports of own data.
  employee: [
    'documents.view.own',
    'documents.create',
    'documents.edit.own',
    'documents.delete.own',
    'payments.view.own',
    'payments.create',
    'clients.view',
    'clients.create',
    'clients.edit',
    'products.view',
    'products.create',
    'products.edit',
    'price-lists.view',
    'promo-codes.view',
    'settings.view',
    'reports.view.own',
    // SPEC 5 (static mode): an Employee works cases like clients - reads, creates, edits
    // and runs their special actions, but neither deletes nor changes permissions.
    'crm.view',
    'crm.create',
    'crm.edit',
    'crm.special',
  ],
  // SPEC 1.4: read-only everything plus export. The one change an Accountant may make is
  // activating self-bookkeeping (SPEC 4.1 says the accountant activates it); not deactivating it.
  accountant: [...everyView, 'exports.export', 'accounting.activate-self-bookkeeping'],
  // SPEC 4.2: the bookkeeping functions: accounting, payments, documents, reports, exports.
  backoffice: [
    'documents.view.all',
    'documents.view.own',
    'documents.create',
    'documents.edit.all',
    'documents.edit.own',
    'payments.view.all',
    'payments.view.own',
    'payments.create',
    'payments.delete',
    'accounting.view',
    'accounting.edit',
    'upo.view',
    'upo.submit',
    'reports.view.all',
    'reports.view.own',
    'exports.export',
    'clients.view',
    'products.view',
    'settings.view',
  ],
};

export const BUILT_IN_PERMISSIONS: Readonly<Record<BuiltInRole, PermissionSet>> = Object.freeze(
  Object.fromEntries(BUILT_IN_ROLES.map((r) => [r, compile(ROLE_PERMISSIONS[r])])) as Record<
    BuiltInRole,
    PermissionSet
  >,
);

export const builtInPermissionNames = (role: BuiltInRole): readonly Permission[] => ROLE_PERMISSIONS[role];

export const isBuiltInRole = (role: string): role is BuiltInRole =>
  (BUILT_IN_ROLES as readonly string[]).includes(role);

/** A role reference as stored on a membership: a built-in name or `custom:<roleId>`. */
export type RoleRef = BuiltInRole | `custom:${string}`;

export const customRoleRef = (roleId: string): RoleRef => `custom:${roleId}`;
export const customRoleIdOf = (role: string): string | undefined =>
  role.startsWith('custom:') && role.length > 7 ? role.slice(7) : undefined;

/**
 * A custom role as the authorizer reads it: its permission names expanded and compiled to
 * the hex stored on the organization item (`customRoles[roleId]`), so loading a principal
 * stays one BatchGetItem however many roles exist. Unknown names come back for a 400.
 */
export function compileCustomRole(names: readonly string[]): {
  permissions: Permission[];
  hex: string;
  unknown: string[];
} {
  const { permissions, unknown } = expandPermissionNames(names);
  return { permissions, hex: toHex(compile(permissions)), unknown };
}

/**
 * Custom roles an organization may define. Their compiled bits live on the organization
 * item, which the authorizer reads on every uncached decision: at about 60 bytes a role,
 * 50 keep that item well under 4 KB, one read capacity unit.
 */
export const MAX_CUSTOM_ROLES = 50;
