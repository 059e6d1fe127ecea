import type { Principal } from '#shared/authz/engine.js';
import { decide } from '#shared/authz/engine.js';
import { BACKOFFICE_PLANS, backofficeAvailable, type Feature, type Plan } from '#shared/authz/plans.js';
import type { Caller } from '#shared/http/api.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { Conflict, Forbidden, InUse, NotFound, PlanRequired, StaleVersion } from '#shared/domain/errors.js';
import { billingSummary, checkFeatureActivation, checkFeatureDeactivation, checkPlanChange, type ChangeVerdict, type SeatHolder } from '#shared/domain/billing.js';
import { reachesAllSubAccounts, switchList, type SwitchEntry } from '#shared/domain/switch-accounts.js';
import { auditEntry } from '#shared/domain/audit.js';
import type { Store } from '#shared/data/context.js';
import { keys } from '#shared/data/keys.js';
import {
  accountItem,
  externalIdItem,
  membershipItem,
  organizationItem,
  signUpItem,
  type AccountItem,
  type OrganizationItem,
} from '#shared/data/items.js';
import { listMembershipsOfUser } from '#shared/data/access-repository.js';
import {
  getAccount,
  getAccounts,
  getOrganization,
  getSignUp,
  listAllAccounts,
  listSubAccounts as querySubAccounts,
} from '#shared/data/organization-repository.js';
import { listGrantsOfMember, listRoleHolders, userProfileStep } from '#shared/data/member-repository.js';
import { listAudit as queryAudit, type AuditFilter } from '#shared/data/audit-repository.js';
import { auditStep, transact, type TxStep } from '#shared/data/transact.js';
import { loadOrganization, requireMainAccount } from '#shared/data/admin-steps.js';
import type { PageRequest } from '#shared/data/query.js';

/*
 * The organization function's use cases (issue 4; SPEC.md 3, 4, 7.2): sign-up, accounts
 * and sub-accounts, plan, features, billing and the audit log.
 */


// ---- sign-up ---------------------------------------------------------------------------

export interface SignUpResult {
  organization: OrganizationItem;
  created: boolean;
}

async function existingSignUp(store: Store, caller: Caller, idempotencyKey: string | undefined): Promise<SignUpResult | undefined> {
  const guard = await getSignUp(store.db, store.table, caller.userId);
  if (!guard) return undefined;
  if (idempotencyKey !== undefined && guard.idempotencyKey === idempotencyKey) {
    return { organization: await loadOrganization(store, guard.organizationId), created: false };
  }
  throw new Conflict('you have already signed up an organization', {
    extensions: { reason: 'already-signed-up', organizationId: guard.organizationId, mainAccountId: mainAccountIdOf(guard.organizationId) },
  });
}

/**
 * POST /organizations. Idempotent: the same Idempotency-Key answers with the organization
 * the first attempt created; a user who already owns an organization gets a 409 naming it.
 * A per-user guard item, written in the same transaction, makes this hold under races.
 */
export async function signUp(
  store: Store,
  caller: Caller,
  body: { name: string },
  idempotencyKey: string | undefined,
): Promise<SignUpResult> {
  const previous = await existingSignUp(store, caller, idempotencyKey);
  if (previous) return previous;
  const owned = (await listMembershipsOfUser(store.db, store.table, caller.userId)).find((m) => m.role === 'owner');
  if (owned) {
    throw new Conflict('you already own an organization', {
      extensions: { reason: 'already-owner', organizationId: owned.organizationId, mainAccountId: mainAccountIdOf(owned.organizationId) },
    });
  }
  const now = store.now().toISOString();
  const organizationId = newOrganizationId();
  const mainAccountId = mainAccountIdOf(organizationId);
  const email = caller.email?.toLowerCase() ?? '';
  const organization = organizationItem({
    organizationId,
    name: body.name,
    plan: 'free',
    features: [],
    customRoles: {},
    createdAt: now,
    createdBy: caller.userId,
    version: 1,
  });
  const put = (item: object): TxStep => ({
    item: { Put: { TableName: store.table, Item: item as Record<string, unknown>, ConditionExpression: 'attribute_not_exists(pk)' } },
  });
  try {
    await transact(store.db, [
      put(organization),
      put(accountItem({ accountId: mainAccountId, organizationId, kind: 'main', name: body.name, status: 'active', createdAt: now, version: 1 })),
      put(membershipItem({ accountId: mainAccountId, organizationId, userId: caller.userId, email, role: 'owner', createdAt: now, version: 1 })),
      put(signUpItem({ userId: caller.userId, organizationId, idempotencyKey, createdAt: now })),
      userProfileStep(store.table, caller.userId, email, now),
      auditStep(
        store.table,
        {
          organizationId,
          accountId: mainAccountId,
          actorId: caller.userId,
          action: 'organization.created',
          targetType: 'organization',
          targetId: organizationId,
          before: null,
          after: { name: body.name, plan: 'free', owner: caller.userId },
        },
        now,
      ),
    ]);
  } catch (e) {
    // A concurrent sign-up of the same user won: answer as a retry would be answered.
    const raced = await existingSignUp(store, caller, idempotencyKey);
    if (raced) return raced;
    throw e;
  }
  return { organization, created: true };
}

// ---- GET /me/accounts ------------------------------------------------------------------

/** SPEC 3.6: per organization, the main account and the sub-accounts the caller reaches, or nothing. */
export async function myAccounts(store: Store, caller: Caller): Promise<SwitchEntry[]> {
  const memberships = await listMembershipsOfUser(store.db, store.table, caller.userId);
  const out: SwitchEntry[] = [];
  for (const m of memberships) {
    const ref = parseAccountId(m.accountId);
    if (!ref || ref.isSubAccount) continue;
    const [main, org] = await Promise.all([getAccount(store.db, store.table, m.accountId), getOrganization(store.db, store.table, m.organizationId)]);
    if (!main || !org) continue;
    const reachable: AccountItem[] = reachesAllSubAccounts(m.role, backofficeAvailable({ plan: org.plan, features: org.features ?? [] }))
      ? (await listAllAccounts(store.db, store.table, m.organizationId)).filter((a) => a.kind === 'sub')
      : m.role === 'backoffice'
        ? []
        : await getAccounts(
            store.db,
            store.table,
            (await listGrantsOfMember(store.db, store.table, m.accountId, m.userId)).map((g) => g.subAccountId),
          );
    out.push(
      ...switchList({
        membership: { organizationId: m.organizationId, accountId: m.accountId, kind: 'main', role: m.role },
        main,
        reachable: reachable.filter((a) => a.organizationId === m.organizationId),
      }),
    );
  }
  return out;
}

// ---- accounts and sub-accounts ----------------------------------------------------------

export async function readAccount(store: Store, p: Principal): Promise<AccountItem> {
  const account = await getAccount(store.db, store.table, p.accountId);
  if (!account || account.organizationId !== p.organizationId) throw new NotFound('no such account');
  return account;
}

/** PATCH /accounts/{id}: rename, archive or restore, on the version read (SPEC 3.1). */
export async function updateAccount(
  store: Store,
  p: Principal,
  body: { name?: string | undefined; status?: 'active' | 'archived' | undefined; version: number },
): Promise<AccountItem> {
  const account = await readAccount(store, p);
  if (account.version !== body.version) {
    throw new StaleVersion('the account changed since it was read', { extensions: { currentVersion: account.version } });
  }
  const statusChanges = body.status !== undefined && body.status !== account.status;
  if (statusChanges) {
    if (account.kind === 'main') throw new Conflict('the main account cannot be archived', { extensions: { reason: 'main-account' } });
    const d = decide(p, 'sub-accounts.archive', { organizationId: account.organizationId, accountId: account.accountId });
    if (!d.allowed) throw new Forbidden('archiving or restoring needs the permission sub-accounts.archive', { extensions: { reason: d.reason } });
  }
  const next: AccountItem = { ...account, name: body.name ?? account.name, status: body.status ?? account.status, version: account.version + 1 };
  if (next.name === account.name && next.status === account.status) return account;
  await transact(store.db, [
    {
      item: {
        Update: {
          TableName: store.table,
          Key: keys.account(account.accountId),
          UpdateExpression: 'SET #name = :name, #status = :status, #version = #version + :one',
          ConditionExpression: '#version = :v',
          ExpressionAttributeNames: { '#name': 'name', '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':name': next.name, ':status': next.status, ':v': account.version, ':one': 1 },
        },
      },
      onConditionFailed: () => new StaleVersion('the account changed since it was read'),
    },
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'account.updated',
        targetType: 'account',
        targetId: account.accountId,
        before: { name: account.name, status: account.status, version: account.version },
        after: { name: next.name, status: next.status, version: next.version },
      }),
      store.now().toISOString(),
    ),
  ]);
  return next;
}

export function listSubAccounts(store: Store, p: Principal, page: PageRequest) {
  const main = requireMainAccount(p, 'sub-accounts');
  return querySubAccounts(store.db, store.table, p.organizationId, main, page);
}

/** POST /sub-accounts: the account and its external-id guard in one transaction (unique per organization). */
export async function createSubAccount(store: Store, p: Principal, body: { name: string; externalId: string }): Promise<AccountItem> {
  requireMainAccount(p, 'sub-accounts');
  const now = store.now().toISOString();
  const account = accountItem({
    accountId: newSubAccountId(p.organizationId),
    organizationId: p.organizationId,
    kind: 'sub',
    name: body.name,
    externalId: body.externalId,
    status: 'active',
    createdAt: now,
    version: 1,
  });
  await transact(store.db, [
    { item: { Put: { TableName: store.table, Item: account, ConditionExpression: 'attribute_not_exists(pk)' } } },
    {
      item: {
        Put: {
          TableName: store.table,
          Item: externalIdItem({ organizationId: p.organizationId, externalId: body.externalId, accountId: account.accountId }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () =>
        new Conflict(`the external identifier ${body.externalId} is already used in this organization`, {
          extensions: { reason: 'external-id-taken', externalId: body.externalId },
          errors: [{ field: 'body.externalId', message: 'already used in this organization' }],
        }),
    },
    {
      item: {
        ConditionCheck: {
          TableName: store.table,
          Key: keys.organization(p.organizationId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      onConditionFailed: () => new NotFound('the organization does not exist'),
    },
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'sub-account.created',
        targetType: 'account',
        targetId: account.accountId,
        before: null,
        after: { name: account.name, externalId: body.externalId },
      }),
      now,
    ),
  ]);
  return account;
}

// ---- plan, features, billing ---------------------------------------------------------------

export const readPlan = (store: Store, p: Principal) => loadOrganization(store, p.organizationId);

const seatHolders = async (store: Store, organizationId: string): Promise<SeatHolder[]> =>
  (await listRoleHolders(store.db, store.table, organizationId, 'backoffice', Number.POSITIVE_INFINITY)).map((m) => ({ userId: m.userId, email: m.email }));

function throwChange(v: ChangeVerdict): void {
  if (v.ok) return;
  if (v.reason === 'plan-required') throw new PlanRequired(v.detail, { extensions: { reason: v.reason, requiredPlans: v.requiredPlans } });
  throw new InUse(v.detail, { extensions: { reason: v.reason, members: v.members } });
}

function orgUpdateStep(store: Store, org: OrganizationItem, set: { plan?: Plan; features?: Feature[] }): TxStep {
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: keys.organization(org.organizationId),
        UpdateExpression: 'SET #plan = :plan, features = :features, #version = #version + :one',
        ConditionExpression: '#version = :v',
        ExpressionAttributeNames: { '#plan': 'plan', '#version': 'version' },
        ExpressionAttributeValues: {
          ':plan': set.plan ?? org.plan,
          ':features': set.features ?? org.features ?? [],
          ':v': org.version,
          ':one': 1,
        },
      },
    },
    onConditionFailed: () => new Conflict('the organization changed meanwhile (plan, features, roles or a Backoffice assignment); read again and retry'),
  };
}

/** PUT /plan (Owner). Below Small, self-bookkeeping goes too; refused while Backoffice users exist. */
export async function changePlan(store: Store, p: Principal, body: { plan: Plan; version?: number | undefined }): Promise<OrganizationItem> {
  requireMainAccount(p, 'the plan and billing');
  const org = await loadOrganization(store, p.organizationId);
  if (body.version !== undefined && body.version !== org.version) {
    throw new StaleVersion('the organization changed since it was read', { extensions: { currentVersion: org.version } });
  }
  if (body.plan === org.plan) return org;
  throwChange(checkPlanChange(body.plan, await seatHolders(store, p.organizationId)));
  const features = BACKOFFICE_PLANS.includes(body.plan) ? (org.features ?? []) : (org.features ?? []).filter((f) => f !== 'self-bookkeeping');
  const next = { ...org, plan: body.plan, features, version: org.version + 1 };
  await transact(store.db, [
    orgUpdateStep(store, org, { plan: body.plan, features }),
    auditStep(
      store.table,
      auditEntry(p, {
        action: 'plan.changed',
        targetType: 'organization',
        targetId: org.organizationId,
        before: { plan: org.plan, features: org.features ?? [] },
        after: { plan: next.plan, features },
      }),
      store.now().toISOString(),
    ),
  ]);
  return next;
}

/** PUT/DELETE /features/{feature}: idempotent; SPEC 4.1 lets the Accountant do this. */
export async function setFeature(store: Store, p: Principal, feature: Feature, active: boolean): Promise<OrganizationItem> {
  requireMainAccount(p, 'features');
  const org = await loadOrganization(store, p.organizationId);
  const current = org.features ?? [];
  if (current.includes(feature) === active) return org;
  throwChange(
    active ? checkFeatureActivation(feature, org.plan) : checkFeatureDeactivation(feature, await seatHolders(store, p.organizationId)),
  );
  const features = active ? [...current, feature] : current.filter((f) => f !== feature);
  await transact(store.db, [
    orgUpdateStep(store, org, { features }),
    auditStep(
      store.table,
      auditEntry(p, {
        action: active ? 'feature.activated' : 'feature.deactivated',
        targetType: 'organization',
        targetId: org.organizationId,
        before: { features: current },
        after: { features },
      }),
      store.now().toISOString(),
    ),
  ]);
  return { ...org, features, version: org.version + 1 };
}

/** GET /billing: one invoice for the main account and every sub-account (SPEC 3.1, 4.4). */
export async function billing(store: Store, p: Principal) {
  requireMainAccount(p, 'the plan and billing');
  const [org, accounts, backoffice] = await Promise.all([
    loadOrganization(store, p.organizationId),
    listAllAccounts(store.db, store.table, p.organizationId),
    seatHolders(store, p.organizationId),
  ]);
  return billingSummary({
    organizationId: org.organizationId,
    plan: org.plan,
    accounts: accounts.map((a) => ({ accountId: a.accountId, kind: a.kind, name: a.name, status: a.status })),
    backoffice,
  });
}

export function listAudit(store: Store, p: Principal, filter: AuditFilter, page: PageRequest) {
  requireMainAccount(p, 'the audit log');
  return queryAudit(store.db, store.table, p.organizationId, filter, page);
}
