/*
 * The permission catalogue: every area of SPEC.md 2.2 (plus the organization-level areas
 * the API needs) with its actions. A "scoped" action exists twice, as `.own` (objects the
 * caller created) and `.all`; a plain action is one permission. Each permission gets a bit
 * index, so a permission set compiles to a few 32-bit words and a check is one AND.
 */

export const AREAS = {
  documents: { view: 'scoped', create: 'plain', edit: 'scoped', delete: 'scoped' },
  'warehouse-documents': { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain' },
  warehouses: { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain' },
  users: { view: 'plain', invite: 'plain', 'change-roles': 'plain', remove: 'plain' },
  settings: {
    view: 'plain',
    'edit-business': 'plain',
    'edit-payment-methods': 'plain',
    'edit-other': 'plain',
  },
  'sub-accounts': {
    view: 'plain',
    create: 'plain',
    edit: 'plain',
    archive: 'plain',
    'manage-access': 'plain',
  },
  payments: { view: 'scoped', create: 'plain', delete: 'plain' },
  products: { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain' },
  'price-lists': { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain' },
  'promo-codes': { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain' },
  clients: { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain' },
  accounting: {
    view: 'plain',
    edit: 'plain',
    'activate-self-bookkeeping': 'plain',
    'deactivate-self-bookkeeping': 'plain',
  },
  upo: { view: 'plain', submit: 'plain' },
  integrations: { view: 'plain', manage: 'plain' },
  reports: { view: 'scoped' },
  exports: { export: 'plain' },
  organization: {
    'view-billing': 'plain',
    'manage-plan': 'plain',
    'view-audit': 'plain',
    'assign-backoffice': 'plain',
    'change-permission-mode': 'plain',
  },
  // SPEC 5: the CRM objects (projects, cases, events, next steps, automated actions) as a
  // type: what a role allows on them in the static and roles+acl modes (shared/domain/acl.ts).
  crm: { view: 'plain', create: 'plain', edit: 'plain', delete: 'plain', 'change-permissions': 'plain', special: 'plain' },
} as const satisfies Record<string, Record<string, 'plain' | 'scoped'>>;

export type Area = keyof typeof AREAS;
type ActionOf<A extends Area> = Extract<keyof (typeof AREAS)[A], string>;
type ScopedActionOf<A extends Area> = {
  [K in ActionOf<A>]: (typeof AREAS)[A][K] extends 'scoped' ? K : never;
}[ActionOf<A>];

/** An action as routes and handlers name it: `documents.view`. */
export type Action = { [A in Area]: `${A}.${ActionOf<A>}` }[Area];
/** A grantable permission: plain actions as-is, scoped ones as `.own` / `.all`. */
export type Permission = {
  [A in Area]:
    | `${A}.${Exclude<ActionOf<A>, ScopedActionOf<A>>}`
    | `${A}.${ScopedActionOf<A>}.own`
    | `${A}.${ScopedActionOf<A>}.all`;
}[Area];

export interface ActionInfo {
  readonly action: Action;
  readonly scoped: boolean;
  /** Bit of the plain permission, or of `.all` for a scoped one. */
  readonly allBit: number;
  /** Bit of `.own` for a scoped action; equals allBit for a plain one. */
  readonly ownBit: number;
}

/*
 * Bits are persisted: a custom role's compiled hex is stored on its organization item. So a
 * permission added after the first release takes the next free bit, after every older one,
 * instead of its place in AREAS: inserting it there would shift every later bit and silently
 * change what each stored custom role grants. Append new actions here, in the order added.
 */
const ADDED_LATER: readonly string[] = [
  'accounting.deactivate-self-bookkeeping',
  'crm.view',
  'crm.create',
  'crm.edit',
  'crm.delete',
  'crm.change-permissions',
  'crm.special',
  'organization.change-permission-mode',
];

const actionInfo = new Map<string, ActionInfo>();
const permissionBits = new Map<string, number>();
const permissionsInOrder: Permission[] = [];

const inBitOrder = Object.entries(AREAS)
  .flatMap(([area, actions]) => Object.entries(actions).map(([name, kind]) => [`${area}.${name}`, kind] as const))
  // Stable: everything else keeps the AREAS order; later additions go last, in their order.
  .sort(([a], [b]) => ADDED_LATER.indexOf(a) - ADDED_LATER.indexOf(b));

for (const [name, kind] of inBitOrder) {
  const action = name as Action;
  if (kind === 'scoped') {
    const allBit = permissionsInOrder.push(`${action}.all` as Permission) - 1;
    const ownBit = permissionsInOrder.push(`${action}.own` as Permission) - 1;
    permissionBits.set(`${action}.all`, allBit);
    permissionBits.set(`${action}.own`, ownBit);
    actionInfo.set(action, { action, scoped: true, allBit, ownBit });
  } else {
    const bit = permissionsInOrder.push(action as Permission) - 1;
    permissionBits.set(action, bit);
    actionInfo.set(action, { action, scoped: false, allBit: bit, ownBit: bit });
  }
}

export const ALL_PERMISSIONS: readonly Permission[] = permissionsInOrder;
export const ALL_ACTIONS: readonly Action[] = [...actionInfo.keys()] as Action[];
export const PERMISSION_COUNT = permissionsInOrder.length;

export const bitOf = (permission: string): number | undefined => permissionBits.get(permission);
export const infoOf = (action: string): ActionInfo | undefined => actionInfo.get(action);
export const isPermission = (value: string): value is Permission => permissionBits.has(value);
export const isAction = (value: string): value is Action => actionInfo.has(value);

/**
 * Expands what a custom role's author may write: a permission name, an action (`x.view`
 * means both scopes), or an area wildcard (`integrations.*`). Returns the unknown names
 * separately so the API can name them in a 400.
 */
export function expandPermissionNames(names: readonly string[]): {
  permissions: Permission[];
  unknown: string[];
} {
  const out = new Set<Permission>();
  const unknown: string[] = [];
  for (const name of names) {
    if (isPermission(name)) {
      out.add(name);
    } else if (name.endsWith('.*') && Object.hasOwn(AREAS, name.slice(0, -2))) {
      const prefix = name.slice(0, -1);
      for (const p of permissionsInOrder) if (p.startsWith(prefix)) out.add(p);
    } else if (isAction(name)) {
      for (const p of permissionsInOrder) if (p === name || p.startsWith(`${name}.`)) out.add(p);
    } else {
      unknown.push(name);
    }
  }
  return { permissions: permissionsInOrder.filter((p) => out.has(p)), unknown };
}
