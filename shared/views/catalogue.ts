import type * as z from 'zod';
import type { catalogueResponse } from '../contracts/system.js';
import { ALL_PERMISSIONS, AREAS, infoOf } from '../authz/catalogue.js';
import { BACKOFFICE_PLANS, BACKOFFICE_SEAT_PRICE_CENTS, FEATURES, PLANS } from '../authz/plans.js';
import { BUILT_IN_ROLES, builtInPermissionNames } from '../authz/roles.js';
import { OBJECT_TYPES, PERMISSION_MODES, RIGHTS, staticActionOf } from '../domain/acl.js';

/* The permission catalogue, the built-in roles, plans and ACL vocabulary as GET /catalogue answers them. */
export function catalogueView(): z.output<typeof catalogueResponse> {
  return {
    permissions: [...ALL_PERMISSIONS],
    areas: Object.entries(AREAS).map(([area, actions]) => ({
      area,
      actions: Object.keys(actions).map((name) => {
        const action = `${area}.${name}`;
        const scoped = infoOf(action)?.scoped ?? false;
        return { action, scoped, permissions: scoped ? [`${action}.all`, `${action}.own`] : [action] };
      }),
    })),
    roles: BUILT_IN_ROLES.map((role) => ({
      role,
      permissions: [...builtInPermissionNames(role)],
      mainAccountOnly: role === 'owner' || role === 'backoffice',
      reachesAllSubAccounts: role === 'owner' || role === 'backoffice',
    })),
    plans: [...PLANS],
    features: [...FEATURES],
    backoffice: { plans: [...BACKOFFICE_PLANS], feature: 'self-bookkeeping', seatPriceCents: BACKOFFICE_SEAT_PRICE_CENTS },
    acl: {
      objectTypes: [...OBJECT_TYPES],
      rights: [...RIGHTS],
      modes: [...PERMISSION_MODES],
      roleActions: Object.fromEntries(OBJECT_TYPES.map((t) => [t, Object.fromEntries(RIGHTS.map((r) => [r, staticActionOf(t, r)]))])),
    },
  };
}
