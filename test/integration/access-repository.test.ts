import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAccessFacts } from '#shared/data/entities/access-facts.js';
import { listMembershipsOfUser } from '#shared/data/entities/membership.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { resolveAccess } from '#shared/authz/engine.js';
import { createTestTable } from '../support/dynamodb.js';

/* The authorizer's one round trip and the /me query, against DynamoDB Local. */
let db: DynamoDBDocumentClient;
let table: string;
const org = newOrganizationId();
const main = mainAccountIdOf(org);
const subs = [newSubAccountId(org), newSubAccountId(org)];
const otherOrg = newOrganizationId();
const now = '2026-01-01T00:00:00.000Z';

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  const items = [
    organizationEntity.item({ organizationId: org, name: 'O', plan: 'small', features: [], customRoles: {}, createdAt: now, createdBy: 'u-owner', version: 1 }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    ...subs.map((accountId) => accountEntity.item({ accountId, organizationId: org, kind: 'sub', name: 'S', status: 'active', createdAt: now, version: 1 })),
    membershipEntity.item({ accountId: main, organizationId: org, userId: 'u-mgr', email: 'm@x.test', role: 'manager', createdAt: now, version: 1 }),
    // A user whose id starts with the manager's: its items must never be read as the manager's.
    membershipEntity.item({ accountId: main, organizationId: org, userId: 'u-mgr2', email: 'm2@x.test', role: 'owner', createdAt: now, version: 1 }),
    grantEntity.item({ organizationId: org, mainAccountId: main, subAccountId: subs[0]!, userId: 'u-mgr', grantedBy: 'u-owner', grantedAt: now }),
    grantEntity.item({ organizationId: org, mainAccountId: main, subAccountId: subs[1]!, userId: 'u-mgr2', grantedBy: 'u-owner', grantedAt: now }),
    membershipEntity.item({ accountId: mainAccountIdOf(otherOrg), organizationId: otherOrg, userId: 'u-mgr', email: 'm@x.test', role: 'accountant', createdAt: now, version: 1 }),
  ];
  await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
});

describe('loading access facts from DynamoDB Local', () => {
  it('reads a granted main-account member in a sub-account in one batch, and the engine allows them there', async () => {
    const { facts, consumedCapacity } = await loadAccessFacts(db, table, 'u-mgr', parseAccountId(subs[0]!)!);
    expect(facts.mainMembership?.role).toBe('manager');
    expect(facts.grant).toBe(true);
    expect(consumedCapacity).toBeGreaterThan(0);
    expect(resolveAccess(facts)).toMatchObject({ allowed: true, principal: { via: 'grant', role: 'manager' } });
  });

  it("never reads another user's grant whose id shares a prefix", async () => {
    const { facts } = await loadAccessFacts(db, table, 'u-mgr', parseAccountId(subs[1]!)!);
    expect(facts.grant).toBe(false);
    expect(resolveAccess(facts)).toEqual({ allowed: false, reason: 'not-a-member' });
  });

  it("denies a member of another organization in this organization's main account", async () => {
    const { facts } = await loadAccessFacts(db, table, 'u-other', parseAccountId(main)!);
    expect(resolveAccess(facts).allowed).toBe(false);
  });

  it("lists a user's memberships across organizations from the user index", async () => {
    const memberships = await listMembershipsOfUser({ db, table, now: () => new Date() }, 'u-mgr');
    expect(memberships.map((m) => [m.organizationId, m.role]).sort()).toEqual(
      [
        [org, 'manager'],
        [otherOrg, 'accountant'],
      ].sort(),
    );
  });
});
