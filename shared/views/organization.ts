import type * as z from 'zod';
import { BACKOFFICE_PLANS, backofficeAvailable } from '../authz/plans.js';
import type { accountResponse, auditEntryResponse, billingResponse, organizationResponse, planResponse, switchAccountResponse } from '../contracts/organization.js';
import { externalIdsOf, type Account } from '../data/entities/account.js';
import type { Audit } from '../data/entities/audit.js';
import type { Organization } from '../data/entities/organization.js';
import type { BillingSummary } from '../domain/billing.js';
import { mainAccountIdOf } from '../domain/ids.js';
import type { SwitchEntry } from '../domain/switch-accounts.js';

/* The organization's entities as the API shows them: typed by the contract, so a view cannot drift from it. */

export const organizationView = (o: Organization): z.output<typeof organizationResponse> => ({
  organizationId: o.organizationId,
  mainAccountId: mainAccountIdOf(o.organizationId),
  name: o.name,
  plan: o.plan,
  features: o.features,
  role: 'owner',
  createdAt: o.createdAt,
});

export const accountView = (a: Account): z.output<typeof accountResponse> => ({
  accountId: a.accountId,
  organizationId: a.organizationId,
  mainAccountId: mainAccountIdOf(a.organizationId),
  kind: a.kind,
  name: a.name,
  externalId: externalIdsOf(a)[0] ?? null,
  externalIds: externalIdsOf(a),
  status: a.status,
  createdAt: a.createdAt,
  version: a.version,
});

export const switchAccountView = (s: SwitchEntry): z.output<typeof switchAccountResponse> => ({
  accountId: s.accountId,
  organizationId: s.organizationId,
  kind: s.kind,
  name: s.name,
  status: s.status,
  role: s.role,
  via: s.via,
});

export const planView = (o: Organization): z.output<typeof planResponse> => ({
  organizationId: o.organizationId,
  plan: o.plan,
  features: o.features,
  backoffice: { available: backofficeAvailable({ plan: o.plan, features: o.features }), requiredPlans: [...BACKOFFICE_PLANS] },
  version: o.version,
});

export const auditView = (a: Audit): z.output<typeof auditEntryResponse> => ({
  auditId: a.auditId,
  at: a.at,
  actorId: a.actorId,
  action: a.action,
  accountId: a.accountId,
  target: { type: a.targetType, id: a.targetId },
  before: a.before,
  after: a.after,
});

/** The bill is computed in the shape the contract shows; the view only checks that it still is. */
export const billingView = (b: BillingSummary): z.output<typeof billingResponse> => b;
