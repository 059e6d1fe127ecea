import { BACKOFFICE_PLANS, backofficeAvailable } from '#shared/authz/plans.js';
import { mainAccountIdOf } from '#shared/domain/ids.js';
import type { AccountItem, AuditItem, OrganizationItem } from '#shared/data/items.js';

/* Stored items as the API shows them (shared/contracts/organization.ts). */

export const organizationView = (o: OrganizationItem) => ({
  organizationId: o.organizationId,
  mainAccountId: mainAccountIdOf(o.organizationId),
  name: o.name,
  plan: o.plan,
  features: o.features ?? [],
  role: 'owner' as const,
  createdAt: o.createdAt,
});

export const accountView = (a: AccountItem) => ({
  accountId: a.accountId,
  organizationId: a.organizationId,
  mainAccountId: mainAccountIdOf(a.organizationId),
  kind: a.kind,
  name: a.name,
  externalId: a.externalId ?? null,
  status: a.status,
  createdAt: a.createdAt,
  version: a.version,
});

export const planView = (o: OrganizationItem) => ({
  organizationId: o.organizationId,
  plan: o.plan,
  features: o.features ?? [],
  backoffice: { available: backofficeAvailable({ plan: o.plan, features: o.features ?? [] }), requiredPlans: [...BACKOFFICE_PLANS] },
  version: o.version,
});

export const auditView = (a: AuditItem) => ({
  auditId: a.auditId,
  at: a.at,
  actorId: a.actorId,
  action: a.action,
  accountId: a.accountId,
  target: { type: a.targetType, id: a.targetId },
  before: a.before ?? null,
  after: a.after ?? null,
});
