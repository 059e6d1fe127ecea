import { organizationSeatEntity } from '#shared/data/entities/organization-seat.js';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TokenClaims } from '../../scripts/local/issuer.js';
import { compileCustomRole } from '#shared/authz/roles.js';
import type { Feature, Plan } from '#shared/authz/plans.js';
import type { Stored } from '#shared/data/dynamo.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { userEntity } from '#shared/data/entities/user.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId } from '#shared/domain/ids.js';
import { localDb } from './dynamodb.js';
import { tokenFor } from './http.js';

/*
 * An isolated organization written straight into the local runtime's table, so each test
 * starts from a known state without depending on the administration API or on other tests.
 * Roles are built-in names or `custom:<key>` naming one of `customRoles`.
 */
export interface OrgSpec {
  plan?: Plan;
  features?: Feature[];
  subAccounts?: number;
  /** Indexes of sub-accounts created archived. */
  archived?: number[];
  customRoles?: Array<{ key: string; name: string; permissions: string[] }>;
  members: Array<{
    key: string;
    role: string;
    /** Index of the sub-account the member belongs to; the main account when absent. */
    account?: number;
    /** For main-account members: indexes of sub-accounts they are granted. */
    grants?: number[];
  }>;
}

export interface TestUser {
  userId: string;
  email: string;
  token: () => Promise<string>;
}

export interface TestOrganization {
  organizationId: string;
  mainAccountId: string;
  subAccountIds: string[];
  /** Custom role key -> role id. */
  roleIds: Record<string, string>;
  users: Record<string, TestUser>;
}

/**
 * Where the organization goes: the run's local runtime by default; a test that starts a
 * runtime of its own (its own table, e.g. behind a fault proxy) passes its table and issuer.
 */
export interface OrgTarget {
  db: DynamoDBDocumentClient;
  table: string;
  sign: (claims: TokenClaims) => Promise<string>;
}

export async function createOrganization(spec: OrgSpec, target?: OrgTarget): Promise<TestOrganization> {
  const sign = target?.sign ?? ((claims: TokenClaims) => tokenFor(claims));
  const organizationId = newOrganizationId();
  const mainAccountId = mainAccountIdOf(organizationId);
  const subAccountIds = Array.from({ length: spec.subAccounts ?? 0 }, () => newSubAccountId(organizationId));
  const now = new Date().toISOString();
  const run = randomUUID().slice(0, 8);

  const roleIds: Record<string, string> = {};
  const customRoles: Record<string, string> = {};
  for (const r of spec.customRoles ?? []) {
    const { hex, unknown } = compileCustomRole(r.permissions);
    if (unknown.length) throw new Error(`unknown permissions in test role ${r.key}: ${unknown.join(', ')}`);
    const roleId = `role_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    roleIds[r.key] = roleId;
    customRoles[roleId] = hex;
  }
  const roleOf = (role: string) => {
    if (!role.startsWith('custom:')) return role;
    const id = roleIds[role.slice(7)];
    if (!id) throw new Error(`unknown custom role key in ${role}`);
    return `custom:${id}`;
  };

  const users: Record<string, TestUser> = {};
  const items: Stored[] = [
    organizationEntity.item({
      organizationId,
      name: `Test org ${run}`,
      plan: spec.plan ?? 'free',
      features: spec.features ?? [],
      customRoles,
      createdAt: now,
      createdBy: 'test',
      version: 1,
    }),
    accountEntity.item({ accountId: mainAccountId, organizationId, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    ...subAccountIds.map((accountId, i) =>
      accountEntity.item({
        accountId,
        organizationId,
        kind: 'sub',
        name: `Sub ${i}`,
        externalId: `EXT-${i}`,
        status: spec.archived?.includes(i) ? 'archived' : 'active',
        createdAt: now,
        version: 1,
      }),
    ),
  ];
  for (const m of spec.members) {
    const userId = `u-${m.key}-${run}`;
    const email = `${m.key}-${run}@test.kontor.dev`;
    const accountId = m.account === undefined ? mainAccountId : subAccountIds[m.account];
    if (!accountId) throw new Error(`member ${m.key}: no sub-account ${m.account}`);
    users[m.key] = { userId, email, token: () => sign({ sub: userId, email }) };
    items.push(
      userEntity.item({ userId, email, updatedAt: now }),
      membershipEntity.item({ accountId, organizationId, userId, email, role: roleOf(m.role), createdAt: now, version: 1 }),
      organizationSeatEntity.item({ organizationId, userId, accountId }),
      ...(m.grants ?? []).map((i) =>
        grantEntity.item({ organizationId, mainAccountId, subAccountId: subAccountIds[i]!, userId, grantedBy: 'test', grantedAt: now }),
      ),
    );
  }

  const db = target?.db ?? localDb();
  const table = target?.table ?? inject('tableName');
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    // BatchWriteItem may leave some items unprocessed; write them again until none are left.
    while (requests.length) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  return { organizationId, mainAccountId, subAccountIds, roleIds, users };
}
