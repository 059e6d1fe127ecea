import * as z from 'zod';
import { FEATURES, PLANS } from '../authz/plans.js';
import { AUDIT_ACTIONS } from '../domain/audit.js';
import type { RouteContract } from './types.js';
import { accountId, accountPath, pageOf, pageQuery, userId, version } from './admin-common.js';
import { singleLine } from './text.js';

/* Contracts of the organization function: sign-up, accounts, plan, billing, audit. */

const name = singleLine(200);

export const organizationResponse = z.object({
  organizationId: z.string(),
  mainAccountId: z.string(),
  name: z.string(),
  plan: z.enum(PLANS),
  features: z.array(z.enum(FEATURES)),
  role: z.literal('owner'),
  createdAt: z.string(),
}).meta({ id: 'Organization' });

export const accountResponse = z.object({
  accountId: z.string(),
  organizationId: z.string(),
  mainAccountId: z.string(),
  kind: z.enum(['main', 'sub']),
  name: z.string(),
  /** The first of externalIds, kept for clients written before there could be several. */
  externalId: z.string().nullable(),
  externalIds: z.array(z.string()),
  status: z.enum(['active', 'archived']),
  createdAt: z.string(),
  version: z.number().int(),
}).meta({ id: 'Account' });

export const switchAccountResponse = z.object({
  accountId: z.string(),
  organizationId: z.string(),
  kind: z.enum(['main', 'sub']),
  name: z.string(),
  status: z.enum(['active', 'archived']),
  role: z.string(),
  via: z.enum(['member', 'owner', 'backoffice', 'grant']),
}).meta({ id: 'AccessibleAccount', description: 'An account the caller may switch to, and why' });

export const planResponse = z.object({
  organizationId: z.string(),
  plan: z.enum(PLANS),
  features: z.array(z.enum(FEATURES)),
  backoffice: z.object({ available: z.boolean(), requiredPlans: z.array(z.enum(PLANS)) }),
  version: z.number().int(),
}).meta({ id: 'Plan' });

const seatHolder = z.object({ userId: z.string(), email: z.string() });

export const billingResponse = z.object({
  organizationId: z.string(),
  plan: z.enum(PLANS),
  currency: z.literal('EUR'),
  interval: z.literal('month'),
  accounts: z.array(
    z.object({ accountId: z.string(), kind: z.enum(['main', 'sub']), name: z.string(), status: z.enum(['active', 'archived']) }),
  ),
  backofficeSeats: z.object({
    users: z.array(seatHolder),
    count: z.number().int(),
    included: z.number().int(),
    billable: z.number().int(),
    unitAmountCents: z.number().int(),
    amountCents: z.number().int(),
  }),
  /** The plan's monthly fee; its list prices are placeholders pending sign-off (README, "Billing"). */
  planFee: z.object({ plan: z.enum(PLANS), amountCents: z.number().int() }),
  lines: z.array(
    z.object({ description: z.string(), quantity: z.number().int(), unitAmountCents: z.number().int(), amountCents: z.number().int() }),
  ),
  totalCents: z.number().int(),
}).meta({ id: 'Billing' });

export const auditEntryResponse = z.object({
  auditId: z.string(),
  at: z.string(),
  actorId: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  accountId: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
}).meta({ id: 'AuditEntry' });

export const createOrganizationBody = z
  .object({ name })
  .strict()
  .describe(
    'Send an Idempotency-Key header to make retries safe: the same key answers 200 with the organization the first attempt created; a user who already owns an organization gets 409 naming it.',
  )
  .meta({ id: 'CreateOrganization' });
/** One external identifier of a sub-account: unique within its organization. */
const externalId = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._:/-]+$/, 'letters, digits and . _ : / - only');
/** A sub-account carries at most this many external identifiers. */
export const MAX_EXTERNAL_IDS = 10;
export const updateAccountBody = z
  .object({
    name: name.optional(),
    status: z.enum(['active', 'archived']).optional(),
    // Replaces the whole set: identifiers left out are released for other sub-accounts.
    externalIds: z
      .array(externalId)
      .max(MAX_EXTERNAL_IDS)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'each external identifier at most once' })
      .optional(),
    version,
  })
  .strict()
  .refine((b) => b.name !== undefined || b.status !== undefined || b.externalIds !== undefined, {
    message: 'name, status or externalIds is required',
    path: ['name'],
  })
  .meta({ id: 'UpdateAccount' });
/** Archive or restore: the version the change is based on, nothing else. */
export const accountStatusBody = z.object({ version }).strict().meta({ id: 'AccountStatusChange' });
export const createSubAccountBody = z
  .object({
    name,
    externalId,
  })
  .strict()
  .meta({ id: 'CreateSubAccount' });
export const changePlanBody = z.object({ plan: z.enum(PLANS), version: version.optional() }).strict().meta({ id: 'ChangePlan' });
export const featurePath = z.object({ accountId, feature: z.enum(FEATURES) });
export const auditQuery = pageQuery.extend({ actor: userId.optional(), target: z.string().min(1).max(256).optional() });

export const organizationContracts = {
  createOrganization: { body: createOrganizationBody, response: organizationResponse, status: 201 },
  listMyAccounts: { response: z.object({ accounts: z.array(switchAccountResponse) }) },
  getAccount: { path: accountPath, response: accountResponse },
  updateAccount: { path: accountPath, body: updateAccountBody, response: accountResponse },
  archiveAccount: { path: accountPath, body: accountStatusBody, response: accountResponse },
  restoreAccount: { path: accountPath, body: accountStatusBody, response: accountResponse },
  listSubAccounts: { path: accountPath, query: pageQuery, response: pageOf(accountResponse) },
  createSubAccount: { path: accountPath, body: createSubAccountBody, response: accountResponse, status: 201 },
  getPlan: { path: accountPath, response: planResponse },
  changePlan: { path: accountPath, body: changePlanBody, response: planResponse },
  activateFeature: { path: featurePath, response: planResponse },
  deactivateFeature: { path: featurePath, response: planResponse },
  getBilling: { path: accountPath, response: billingResponse },
  listAudit: { path: accountPath, query: auditQuery, response: pageOf(auditEntryResponse) },
} satisfies Record<string, RouteContract>;
