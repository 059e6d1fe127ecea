import * as z from 'zod';
import type { RouteContract } from './types.js';
import { BUILT_IN_ROLES } from '../authz/roles.js';
import { FEATURES, PLANS } from '../authz/plans.js';
import { OBJECT_TYPES, PERMISSION_MODES, RIGHTS } from '../domain/acl.js';

/** The files the API reference page (GET /docs) loads from /docs/assets/{file}. */
export const API_REFERENCE_ASSETS = ['swagger-ui-bundle.js', 'swagger-ui.css', 'kontor-init.js', 'kontor.css'] as const;

export const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

/*
 * GET /catalogue: what every role may be made of, as data (docs/authorization.md). Public:
 * it is the same for every organization and says nothing about any of them; the access
 * explorer draws its role matrix from it, and an integrator can check a custom role's
 * names against it before sending one.
 */
export const catalogueResponse = z
  .object({
    /** Every grantable permission, in bit order (the order of docs/authorization.md's matrix). */
    permissions: z.array(z.string()),
    areas: z.array(
      z.object({
        area: z.string(),
        actions: z.array(z.object({ action: z.string(), scoped: z.boolean(), permissions: z.array(z.string()) })),
      }),
    ),
    roles: z.array(
      z.object({
        role: z.enum(BUILT_IN_ROLES),
        permissions: z.array(z.string()),
        mainAccountOnly: z.boolean().describe('Owner and Backoffice exist only on a main account (SPEC 3.4)'),
        reachesAllSubAccounts: z.boolean().describe('Owner always; Backoffice while it is available (SPEC 3.2, 4.2)'),
      }),
    ),
    plans: z.array(z.enum(PLANS)),
    features: z.array(z.enum(FEATURES)),
    backoffice: z.object({
      plans: z.array(z.enum(PLANS)).describe('plans on which the Backoffice role exists (SPEC 4.3)'),
      feature: z.enum(FEATURES).describe('the feature that must be active as well (SPEC 4.1)'),
      seatPriceCents: z.number().int().describe('each Backoffice seat after the first, a month (SPEC 4.4)'),
    }),
    acl: z.object({
      objectTypes: z.array(z.enum(OBJECT_TYPES)),
      rights: z.array(z.enum(RIGHTS)),
      modes: z.array(z.enum(PERMISSION_MODES)),
      /** Per object type and right: the catalogue action a role needs in the static and roles+acl modes. */
      roleActions: z.record(z.string(), z.record(z.string(), z.string())),
    }),
  })
  .meta({ id: 'Catalogue' });

export const systemContracts = {
  health: { response: healthResponse },
  // The document describes itself only loosely: an OpenAPI 3.1 object.
  getOpenApi: { response: z.object({ openapi: z.literal('3.1.0') }).loose() },
  // An HTML page and its scripts and stylesheets: no JSON to describe.
  getApiReference: {},
  getApiReferenceAsset: { path: z.object({ file: z.enum(API_REFERENCE_ASSETS) }) },
  getCatalogue: { response: catalogueResponse },
} satisfies Record<string, RouteContract>;
