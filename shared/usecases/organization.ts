import { seatClaimStep } from '../data/entities/organization-seat.js';
import type * as z from 'zod';
import type { RoleToAssign } from '../authz/assignment.js';
import { decide, type Principal } from '../authz/engine.js';
import { fromHex } from '../authz/permission-set.js';
import { BACKOFFICE_PLANS, backofficeAvailable, type Feature, type OrganizationState } from '../authz/plans.js';
import { customRoleIdOf } from '../authz/roles.js';
import type { changePlanBody, createOrganizationBody, createSubAccountBody, updateAccountBody } from '../contracts/organization.js';
import type { Store } from '../data/context.js';
import { transact } from '../data/dynamo.js';
import * as accounts from '../data/entities/account.js';
import { auditStep, listAudit as queryAudit, type Audit, type AuditFilter } from '../data/entities/audit.js';
import { externalIdClaimStep, externalIdReleaseStep } from '../data/entities/external-id.js';
import { currentOn } from '../data/entities/guards.js';
import { listGrantsOfMember } from '../data/entities/grant.js';
import { listMembershipsOfUser, listRoleHolders, membershipPutStep, withActor, type Actor } from '../data/entities/membership.js';
import * as organizations from '../data/entities/organization.js';
import { getSignUp, signUpEntity, signUpPutStep, type SignUp } from '../data/entities/sign-up.js';
import { userProfileStep } from '../data/entities/user.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry } from '../domain/audit.js';
import { billingSummary, checkFeatureActivation, checkFeatureDeactivation, checkPlanChange, type BillingSummary, type ChangeVerdict, type SeatHolder } from '../domain/billing.js';
import { Conflict, Forbidden, InUse, NotFound, PlanRequired, StaleVersion, ValidationError } from '../domain/errors.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '../domain/ids.js';
import { reachesAllSubAccounts, switchList, type SwitchEntry } from '../domain/switch-accounts.js';
import type { Caller } from '../http/api.js';

/*
 * The organization's use cases (SPEC.md 3, 4, 7.2): sign-up, accounts and sub-accounts,
 * plan, features, billing and the audit log. Each reads what it decides on, decides, and
 * writes the change with its audit entry in one transaction conditioned on what it read.
 */
type Organization = organizations.Organization;
type Account = accounts.Account;

/** Everyone who reaches the whole organization as Backoffice is billed, so every holder is read. */
const EVERY_SEAT = Number.POSITIVE_INFINITY;

// ---- shared by the administration use cases ----------------------------------------------

export const orgState = (org: Organization): OrganizationState => ({ plan: org.plan, features: org.features });

/** A role reference with the custom role's compiled permissions from the organization item. */
export function roleToAssign(role: string, org: Organization): RoleToAssign {
  const id = customRoleIdOf(role);
  return { role, customPermissions: id !== undefined && Object.hasOwn(org.customRoles, id) ? fromHex(org.customRoles[id]!) : undefined };
}

/** The organization of the principal; its absence means the data is broken, so 404. */
export async function loadOrganization(store: Store, organizationId: string): Promise<Organization> {
  const org = await organizations.getOrganization(store, organizationId);
  if (!org) throw new NotFound('the organization does not exist');
  return org;
}

/**
 * Organization-wide things (sub-accounts, grants, roles, plan, billing, audit) are managed
 * from the main account's path; a sub-account path gets a 400 naming the main account.
 */
export function requireMainAccount(p: Principal, what: string): string {
  const ref = parseAccountId(p.accountId);
  if (!ref || ref.isSubAccount) {
    throw new ValidationError(`${what} belong to the main account`, {
      errors: [{ field: 'path.accountId', message: `use the main account ${ref?.mainAccountId ?? ''}`.trim() }],
    });
  }
  return ref.mainAccountId;
}

// ---- sign-up ---------------------------------------------------------------------------

export interface SignUpResult {
  organization: Organization;
  created: boolean;
}

/** What an earlier sign-up of this caller means now: the same key is a retry, another one a 409 naming it. */
async function answerEarlierSignUp(store: Store, guard: SignUp, idempotencyKey: string | undefined): Promise<SignUpResult> {
  if (idempotencyKey !== undefined && guard.idempotencyKey === idempotencyKey) {
    return { organization: await loadOrganization(store, guard.organizationId), created: false };
  }
  throw new Conflict('you have already signed up an organization', {
    extensions: { reason: 'already-signed-up', organizationId: guard.organizationId, mainAccountId: mainAccountIdOf(guard.organizationId) },
  });
}

export type SignUpInput = z.infer<typeof createOrganizationBody>;

/**
 * POST /organizations. Idempotent: the same Idempotency-Key answers with the organization
 * the first attempt created; a user who already owns an organization gets a 409 naming it.
 * A per-user guard item, written in the same transaction, makes this hold under races.
 */
export async function signUp(store: Store, caller: Caller, body: SignUpInput, idempotencyKey: string | undefined): Promise<SignUpResult> {
  const previous = await getSignUp(store, caller.userId);
  if (previous) return answerEarlierSignUp(store, previous, idempotencyKey);
  const owned = (await listMembershipsOfUser(store, caller.userId)).find((m) => m.role === 'owner');
  if (owned) {
    throw new Conflict('you already own an organization', {
      extensions: { reason: 'already-owner', organizationId: owned.organizationId, mainAccountId: mainAccountIdOf(owned.organizationId) },
    });
  }
  const now = store.now().toISOString();
  const organizationId = newOrganizationId();
  const mainAccountId = mainAccountIdOf(organizationId);
  // Only an address the identity provider verified is stored: it is shown to the other
  // members and ties the profile to invitations, so an unverified claim must not reach it.
  const email = caller.emailVerified ? (caller.email?.toLowerCase() ?? '') : '';
  const organization: Organization = {
    organizationId,
    name: body.name,
    plan: 'free',
    features: [],
    customRoles: {},
    createdAt: now,
    createdBy: caller.userId,
    version: 1,
  };
  try {
    await transact(store, [
      organizations.organizationPutStep(store, organization),
      accounts.accountPutStep(store, { accountId: mainAccountId, organizationId, kind: 'main', name: body.name, status: 'active', createdAt: now, version: 1 }),
      membershipPutStep(store, { accountId: mainAccountId, organizationId, userId: caller.userId, email, role: 'owner', createdAt: now, version: 1 }),
      signUpPutStep(store, { userId: caller.userId, organizationId, idempotencyKey, createdAt: now }),
      seatClaimStep(store, { organizationId, userId: caller.userId, accountId: mainAccountId }),
      ...(email ? [userProfileStep(store, { userId: caller.userId, email, updatedAt: now })] : []),
      auditStep(
        store,
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
    // A concurrent sign-up of the same user won: its guard came back with the refusal.
    const winner = currentOn(e, signUpEntity);
    if (winner) return answerEarlierSignUp(store, winner, idempotencyKey);
    throw e;
  }
  return { organization, created: true };
}

// ---- GET /me/accounts ------------------------------------------------------------------

/** SPEC 3.6: per organization, the main account and the sub-accounts the caller reaches, or nothing. */
export async function myAccounts(store: Store, caller: Caller): Promise<SwitchEntry[]> {
  const memberships = await listMembershipsOfUser(store, caller.userId);
  const out: SwitchEntry[] = [];
  for (const m of memberships) {
    const ref = parseAccountId(m.accountId);
    if (!ref || ref.isSubAccount) continue;
    const [main, org] = await Promise.all([accounts.getAccount(store, m.accountId), organizations.getOrganization(store, m.organizationId)]);
    if (!main || !org) continue;
    const reachable: Account[] = reachesAllSubAccounts(m.role, backofficeAvailable(orgState(org)))
      ? (await accounts.listAllAccounts(store, m.organizationId)).filter((a) => a.kind === 'sub')
      : m.role === 'backoffice'
        ? []
        : await accounts.getAccounts(store, (await listGrantsOfMember(store, m.accountId, m.userId)).map((g) => g.subAccountId));
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

export async function readAccount(store: Store, p: Principal): Promise<Account> {
  const account = await accounts.getAccount(store, p.accountId);
  if (!account || account.organizationId !== p.organizationId) throw new NotFound('no such account');
  return account;
}

export type UpdateAccountInput = z.infer<typeof updateAccountBody>;

/** PATCH /accounts/{id}: rename, archive or restore, on the version read (SPEC 3.1). */
export async function updateAccount(store: Store, p: Actor, body: UpdateAccountInput): Promise<Account> {
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
  if (body.externalIds !== undefined && account.kind === 'main') {
    throw new Conflict('only a sub-account carries external identifiers', { extensions: { reason: 'main-account' } });
  }
  const before = accounts.externalIdsOf(account);
  const wanted = body.externalIds ?? before;
  const claimed = wanted.filter((id) => !before.includes(id));
  const released = before.filter((id) => !wanted.includes(id));
  // A new order of the same identifiers is a change too: the list is what the client sees.
  const idsChange = wanted.join('\n') !== before.join('\n');
  const { externalId: _single, ...rest } = account;
  const next: Account = {
    ...(idsChange ? { ...rest, externalIds: wanted } : account),
    name: body.name ?? account.name,
    status: body.status ?? account.status,
    version: account.version + 1,
  };
  if (next.name === account.name && next.status === account.status && !idsChange) return account;
  const marker = (externalId: string) => ({ organizationId: account.organizationId, externalId, accountId: account.accountId });
  // Archiving shuts every member of the sub-account out: guarded by the actor's own access,
  // as membership and plan changes are, so a demotion that commits meanwhile cancels it.
  // New identifiers are claimed and dropped ones released in the same transaction as the
  // account's version, so two sub-accounts racing for one identifier cannot both win it.
  await transact(store, withActor(store, p, [
    accounts.accountUpdateStep(store, account, { name: next.name, status: next.status, ...(idsChange ? { externalIds: wanted } : {}) }),
    ...claimed.map((id) => externalIdClaimStep(store, marker(id))),
    ...released.map((id) => externalIdReleaseStep(store, marker(id))),
    auditStep(
      store,
      auditEntry(p, {
        action: 'account.updated',
        targetType: 'account',
        targetId: account.accountId,
        before: { name: account.name, status: account.status, ...(idsChange ? { externalIds: before } : {}), version: account.version },
        after: { name: next.name, status: next.status, ...(idsChange ? { externalIds: wanted } : {}), version: next.version },
      }),
      store.now().toISOString(),
    ),
  ]));
  return next;
}

export function listSubAccounts(store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Account>> {
  const main = requireMainAccount(p, 'sub-accounts');
  return accounts.listSubAccounts(store, p.organizationId, main, { ...page, boundTo: p.userId });
}

export type CreateSubAccountInput = z.infer<typeof createSubAccountBody>;

/** POST /sub-accounts: the account and its external-id guard in one transaction (unique per organization). */
export async function createSubAccount(store: Store, p: Actor, body: CreateSubAccountInput): Promise<Account> {
  requireMainAccount(p, 'sub-accounts');
  const now = store.now().toISOString();
  const account: Account = {
    accountId: newSubAccountId(p.organizationId),
    organizationId: p.organizationId,
    kind: 'sub',
    name: body.name,
    externalIds: [body.externalId],
    status: 'active',
    createdAt: now,
    version: 1,
  };
  await transact(store, withActor(store, p, [
    accounts.accountPutStep(store, account),
    externalIdClaimStep(store, { organizationId: p.organizationId, externalId: body.externalId, accountId: account.accountId }),
    organizations.organizationExistsStep(store, p.organizationId),
    auditStep(
      store,
      auditEntry(p, {
        action: 'sub-account.created',
        targetType: 'account',
        targetId: account.accountId,
        before: null,
        after: { name: account.name, externalId: body.externalId },
      }),
      now,
    ),
  ]));
  return account;
}

// ---- plan, features, billing ---------------------------------------------------------------

export const readPlan = (store: Store, p: Principal): Promise<Organization> => loadOrganization(store, p.organizationId);

const seatHolders = async (store: Store, organizationId: string): Promise<SeatHolder[]> =>
  (await listRoleHolders(store, organizationId, 'backoffice', EVERY_SEAT)).map((m) => ({ userId: m.userId, email: m.email }));

function throwChange(v: ChangeVerdict): void {
  if (v.ok) return;
  if (v.reason === 'plan-required') throw new PlanRequired(v.detail, { extensions: { reason: v.reason, requiredPlans: v.requiredPlans } });
  throw new InUse(v.detail, { extensions: { reason: v.reason, members: v.members } });
}

export type ChangePlanInput = z.infer<typeof changePlanBody>;

/** PUT /plan (Owner). Below Small, self-bookkeeping goes too; refused while Backoffice users exist. */
export async function changePlan(store: Store, p: Actor, body: ChangePlanInput): Promise<Organization> {
  requireMainAccount(p, 'the plan and billing');
  const org = await loadOrganization(store, p.organizationId);
  if (body.version !== undefined && body.version !== org.version) {
    throw new StaleVersion('the organization changed since it was read', { extensions: { currentVersion: org.version } });
  }
  if (body.plan === org.plan) return org;
  throwChange(checkPlanChange(body.plan, await seatHolders(store, p.organizationId)));
  const features = BACKOFFICE_PLANS.includes(body.plan) ? org.features : org.features.filter((f) => f !== 'self-bookkeeping');
  const next = { ...org, plan: body.plan, features, version: org.version + 1 };
  await transact(store, withActor(store, p, [
    organizations.organizationPlanStep(store, org, { plan: body.plan, features }),
    auditStep(
      store,
      auditEntry(p, {
        action: 'plan.changed',
        targetType: 'organization',
        targetId: org.organizationId,
        before: { plan: org.plan, features: org.features },
        after: { plan: next.plan, features },
      }),
      store.now().toISOString(),
    ),
  ]));
  return next;
}

/** PUT/DELETE /features/{feature}: idempotent; SPEC 4.1 lets the Accountant do this. */
export async function setFeature(store: Store, p: Actor, feature: Feature, active: boolean): Promise<Organization> {
  requireMainAccount(p, 'features');
  const org = await loadOrganization(store, p.organizationId);
  const current = org.features;
  if (current.includes(feature) === active) return org;
  throwChange(active ? checkFeatureActivation(feature, org.plan) : checkFeatureDeactivation(feature, await seatHolders(store, p.organizationId)));
  const features = active ? [...current, feature] : current.filter((f) => f !== feature);
  await transact(store, withActor(store, p, [
    organizations.organizationPlanStep(store, org, { features }),
    auditStep(
      store,
      auditEntry(p, {
        action: active ? 'feature.activated' : 'feature.deactivated',
        targetType: 'organization',
        targetId: org.organizationId,
        before: { features: current },
        after: { features },
      }),
      store.now().toISOString(),
    ),
  ]));
  return { ...org, features, version: org.version + 1 };
}

/** GET /billing: one invoice for the main account and every sub-account (SPEC 3.1, 4.4). */
export async function billing(store: Store, p: Principal): Promise<BillingSummary> {
  requireMainAccount(p, 'the plan and billing');
  const [org, all, backoffice] = await Promise.all([
    loadOrganization(store, p.organizationId),
    accounts.listAllAccounts(store, p.organizationId),
    seatHolders(store, p.organizationId),
  ]);
  return billingSummary({
    organizationId: org.organizationId,
    plan: org.plan,
    accounts: all.map((a) => ({ accountId: a.accountId, kind: a.kind, name: a.name, status: a.status })),
    backoffice,
  });
}

export function listAudit(store: Store, p: Principal, filter: AuditFilter, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Audit>> {
  requireMainAccount(p, 'the audit log');
  return queryAudit(store, p.organizationId, filter, { ...page, boundTo: p.userId });
}
