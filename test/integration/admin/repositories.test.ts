import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountItem, grantItem, membershipItem, organizationItem, type MembershipItem } from '#shared/data/items.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId } from '#shared/domain/ids.js';
import { listMembers, listRoleHolders, getMemberWithGrants } from '#shared/data/member-repository.js';
import { listSubAccounts, listAllAccounts } from '#shared/data/organization-repository.js';
import { listAudit } from '#shared/data/audit-repository.js';
import { listInvitations } from '#shared/data/invitation-repository.js';
import { auditStep, transact } from '#shared/data/transact.js';
import { membershipRoleStep, otherOwnerStep } from '#shared/data/admin-steps.js';
import type { Store } from '#shared/data/context.js';
import type { Principal } from '#shared/authz/engine.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { createSubAccount } from '#functions/organization/organization.js';
import { createInvitation } from '#functions/members/invitations.js';
import { Conflict } from '#shared/domain/errors.js';
import { createTestTable } from '../../support/dynamodb.js';

/* The administration repositories' queries against DynamoDB Local: key conditions, indexes, cursors, conditions. */
let db: DynamoDBDocumentClient;
let table: string;
let store: Store;
const org = newOrganizationId();
const main = mainAccountIdOf(org);
const subs = [newSubAccountId(org), newSubAccountId(org), newSubAccountId(org)];
const now = '2026-01-01T00:00:00.000Z';
const member = (userId: string, role: string, accountId = main): MembershipItem =>
  membershipItem({ accountId, organizationId: org, userId, email: `${userId}@x.test`, role, createdAt: now, version: 1 });
const owner: Principal = { userId: 'u-a-owner', organizationId: org, accountId: main, role: 'owner', via: 'owner', permissions: BUILT_IN_PERMISSIONS.owner };

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  store = { db, table, now: () => new Date() };
  const items = [
    organizationItem({ organizationId: org, name: 'O', plan: 'small', features: ['self-bookkeeping'], customRoles: {}, createdAt: now, createdBy: 'x', version: 1 }),
    accountItem({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    ...subs.map((accountId, i) => accountItem({ accountId, organizationId: org, kind: 'sub', name: `S${i}`, status: 'active', createdAt: now, version: 1 })),
    member('u-a-owner', 'owner'),
    member('u-b-mgr', 'manager'),
    ...subs.map((s) => grantItem({ organizationId: org, mainAccountId: main, subAccountId: s, userId: 'u-b-mgr', grantedBy: 'x', grantedAt: now })),
    member('u-c-emp', 'employee'),
    grantItem({ organizationId: org, mainAccountId: main, subAccountId: subs[0]!, userId: 'u-c-emp', grantedBy: 'x', grantedAt: now }),
    member('u-d-bo', 'backoffice'),
    member('u-e-bo', 'backoffice'),
    member('u-f-sub', 'employee', subs[0]),
    member('u-g-sub', 'custom:rol_x', subs[1]),
    member('u-h-main', 'custom:rol_x'),
  ];
  for (let i = 0; i < items.length; i += 25) {
    await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
});

describe('members of an account (pattern A4)', () => {
  it('never splits a member from their grants, whatever the page size', async () => {
    for (const limit of [1, 2, 3, 4, 5, 50]) {
      const seen: Array<{ userId: string; grants: string[] }> = [];
      let cursor: string | undefined;
      do {
        const page = await listMembers(db, table, main, { limit, cursor });
        seen.push(...page.items.map((m) => ({ userId: m.membership.userId, grants: m.grants.map((g) => g.subAccountId) })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.map((m) => m.userId), `limit ${limit}`).toEqual(['u-a-owner', 'u-b-mgr', 'u-c-emp', 'u-d-bo', 'u-e-bo', 'u-h-main']);
      expect(seen.find((m) => m.userId === 'u-b-mgr')?.grants, `limit ${limit}`).toEqual([...subs].sort());
      expect(seen.find((m) => m.userId === 'u-c-emp')?.grants, `limit ${limit}`).toEqual([subs[0]]);
    }
  });

  it('reads one member with their grants only', async () => {
    const m = await getMemberWithGrants(db, table, main, 'u-c-emp');
    expect(m?.membership.role).toBe('employee');
    expect(m?.grants.map((g) => g.subAccountId)).toEqual([subs[0]]);
    expect(await getMemberWithGrants(db, table, main, 'u-c')).toBeUndefined();
  });
});

describe('role holders (gsi4)', () => {
  it('finds the holders of a role across the main account and every sub-account, and follows role changes', async () => {
    expect((await listRoleHolders(db, table, org, 'backoffice')).map((m) => m.userId).sort()).toEqual(['u-d-bo', 'u-e-bo']);
    expect((await listRoleHolders(db, table, org, 'custom:rol_x')).map((m) => m.userId).sort()).toEqual(['u-g-sub', 'u-h-main']);
    const e = member('u-e-bo', 'backoffice');
    await transact(db, [membershipRoleStep(table, e, 'manager', 1)]);
    expect((await listRoleHolders(db, table, org, 'backoffice')).map((m) => m.userId)).toEqual(['u-d-bo']);
    expect((await listRoleHolders(db, table, org, 'manager')).map((m) => m.userId).sort()).toEqual(['u-b-mgr', 'u-e-bo']);
    // The same step again is stale: the version moved on.
    await expect(transact(db, [membershipRoleStep(table, e, 'employee', 1)])).rejects.toMatchObject({ status: 409, slug: 'stale-version' });
  });

  it('holds a transaction back when the other Owner it relies on is no longer one', async () => {
    const other = member('u-b-mgr', 'manager');
    await expect(transact(db, [otherOwnerStep(table, other)])).rejects.toMatchObject({ slug: 'last-owner' });
    await expect(transact(db, [otherOwnerStep(table, member('u-a-owner', 'owner'))])).resolves.toBeUndefined();
  });
});

describe('accounts (pattern A3)', () => {
  it('lists sub-accounts without the main account, with a cursor bound to the organization', async () => {
    const first = await listSubAccounts(db, table, org, main, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await listSubAccounts(db, table, org, main, { limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((a) => a.accountId).sort()).toEqual([...subs].sort());
    await expect(listSubAccounts(db, table, newOrganizationId(), main, { limit: 2, cursor: first.nextCursor! })).rejects.toMatchObject({ status: 400 });
    expect((await listAllAccounts(db, table, org)).map((a) => a.accountId)[0]).toBe(main);
  });

  it('keeps external ids unique per organization under a transaction', async () => {
    const a = await createSubAccount(store, owner, { name: 'One', externalId: 'EXT-UNIQUE' });
    expect(a.kind).toBe('sub');
    await expect(createSubAccount(store, owner, { name: 'Two', externalId: 'EXT-UNIQUE' })).rejects.toBeInstanceOf(Conflict);
    // Nothing half-written: no second sub-account appeared.
    const all = await listAllAccounts(db, table, org);
    expect(all.filter((x) => x.externalId === 'EXT-UNIQUE')).toHaveLength(1);
  });
});

describe('invitations', () => {
  it('lists the whole organization from the main account and only its own from a sub-account', async () => {
    const toMain = await createInvitation(store, owner, { email: 'm@x.test', role: 'employee' });
    const toSub = await createInvitation(store, owner, { email: 's@x.test', role: 'employee', subAccountId: subs[1] });
    expect(toMain.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const all = await listInvitations(db, table, org, undefined, { limit: 50 });
    expect(all.items.map((i) => i.invitationId).sort()).toEqual([toMain.invitationId, toSub.invitationId].sort());
    const sub = await listInvitations(db, table, org, subs[1], { limit: 50 });
    expect(sub.items.map((i) => i.invitationId)).toEqual([toSub.invitationId]);
    expect((await listInvitations(db, table, org, main, { limit: 50 })).items.map((i) => i.invitationId)).toEqual([toMain.invitationId]);
  });
});

describe('the audit log', () => {
  it('reads newest first, by actor (gsi2) and by target (gsi4), with cursors bound to their partition', async () => {
    const orgId = newOrganizationId();
    const write = (actorId: string, targetId: string, n: number) =>
      transact(db, [
        auditStep(table, { organizationId: orgId, accountId: main, actorId, action: 'member.role-changed', targetType: 'member', targetId, before: { n }, after: null }, now),
      ]);
    await write('alice', 't1', 1);
    await write('bob', 't1', 2);
    await write('alice', 't2', 3);
    await write('alice', 't1', 4);
    const all = await listAudit(db, table, orgId, {}, { limit: 3 });
    expect(all.items.map((e) => e.before?.n)).toEqual([4, 3, 2]);
    const next = await listAudit(db, table, orgId, {}, { limit: 3, cursor: all.nextCursor! });
    expect(next.items.map((e) => e.before?.n)).toEqual([1]);
    expect((await listAudit(db, table, orgId, { actor: 'alice' }, { limit: 10 })).items.map((e) => e.before?.n)).toEqual([4, 3, 1]);
    expect((await listAudit(db, table, orgId, { target: 't1' }, { limit: 10 })).items.map((e) => e.before?.n)).toEqual([4, 2, 1]);
    expect((await listAudit(db, table, orgId, { actor: 'alice', target: 't1' }, { limit: 10 })).items.map((e) => e.before?.n)).toEqual([4, 1]);
    // Another organization's log is another partition: nothing of this one shows there.
    expect((await listAudit(db, table, newOrganizationId(), {}, { limit: 10 })).items).toEqual([]);
    await expect(listAudit(db, table, orgId, { target: 't1' }, { limit: 1, cursor: all.nextCursor! })).rejects.toMatchObject({ status: 400 });
  });
});
