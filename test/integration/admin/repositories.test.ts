import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountEntity, externalIdsOf, listAllAccounts, listSubAccounts } from '#shared/data/entities/account.js';
import { auditStep, listAudit } from '#shared/data/entities/audit.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { listInvitations } from '#shared/data/entities/invitation.js';
import {
  getMemberWithGrants,
  listMembers,
  listRoleHolders,
  membershipEntity,
  membershipRoleStep,
  otherOwnerStep,
  type Actor,
  type Membership,
} from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { transact } from '#shared/data/dynamo.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId } from '#shared/domain/ids.js';
import type { Store } from '#shared/data/context.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { createSubAccount } from '#shared/usecases/organization.js';
import { createInvitation } from '#shared/usecases/invitations.js';
import { Conflict } from '#shared/domain/errors.js';
import { createTestTable } from '../../support/dynamodb.js';

/* The administration entities' access patterns against DynamoDB Local: key conditions, indexes, cursors, conditions. */
let db: DynamoDBDocumentClient;
let table: string;
let store: Store;
const org = newOrganizationId();
const main = mainAccountIdOf(org);
const subs = [newSubAccountId(org), newSubAccountId(org), newSubAccountId(org)];
const now = '2026-01-01T00:00:00.000Z';
const member = (userId: string, role: string, accountId = main): Membership =>
  ({ accountId, organizationId: org, userId, email: `${userId}@x.test`, role, createdAt: now, version: 1 });
const ALL = Number.POSITIVE_INFINITY;
/** Who cursors are issued to in these tests. */
const boundTo = 'u-a-owner';
/** The Owner as the wrapper hands a change its actor: with the membership (written below) it was resolved from. */
const owner: Actor = {
  userId: 'u-a-owner',
  organizationId: org,
  accountId: main,
  role: 'owner',
  via: 'owner',
  permissions: BUILT_IN_PERMISSIONS.owner,
  basis: { membership: { accountId: main, userId: 'u-a-owner', role: 'owner', version: 1 } },
};

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  store = { db, table, now: () => new Date() };
  const items = [
    organizationEntity.item({ organizationId: org, name: 'O', plan: 'small', features: ['self-bookkeeping'], customRoles: {}, createdAt: now, createdBy: 'x', version: 1 }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    ...subs.map((accountId, i) => accountEntity.item({ accountId, organizationId: org, kind: 'sub', name: `S${i}`, status: 'active', createdAt: now, version: 1 })),
    ...[member('u-a-owner', 'owner'), member('u-b-mgr', 'manager')].map(membershipEntity.item),
    ...subs.map((s) => grantEntity.item({ organizationId: org, mainAccountId: main, subAccountId: s, userId: 'u-b-mgr', grantedBy: 'x', grantedAt: now })),
    membershipEntity.item(member('u-c-emp', 'employee')),
    grantEntity.item({ organizationId: org, mainAccountId: main, subAccountId: subs[0]!, userId: 'u-c-emp', grantedBy: 'x', grantedAt: now }),
    ...[
      member('u-d-bo', 'backoffice'),
      member('u-e-bo', 'backoffice'),
      member('u-f-sub', 'employee', subs[0]),
      member('u-g-sub', 'custom:rol_x', subs[1]),
      member('u-h-main', 'custom:rol_x'),
    ].map(membershipEntity.item),
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
        const page = await listMembers(store, main, { limit, cursor, boundTo });
        seen.push(...page.items.map((m) => ({ userId: m.membership.userId, grants: m.grants.map((g) => g.subAccountId) })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.map((m) => m.userId), `limit ${limit}`).toEqual(['u-a-owner', 'u-b-mgr', 'u-c-emp', 'u-d-bo', 'u-e-bo', 'u-h-main']);
      expect(seen.find((m) => m.userId === 'u-b-mgr')?.grants, `limit ${limit}`).toEqual([...subs].sort());
      expect(seen.find((m) => m.userId === 'u-c-emp')?.grants, `limit ${limit}`).toEqual([subs[0]]);
    }
  });

  it('when a page boundary falls inside a member\'s grants, that page carries all of them and the next starts after them', async () => {
    // Owner, manager, the manager's first grant: the paginator's page ends inside the manager's grants.
    const first = await listMembers(store, main, { limit: 3, boundTo });
    expect(first.items.map((m) => m.membership.userId)).toEqual(['u-a-owner', 'u-b-mgr']);
    expect(first.items[1]!.grants.map((g) => g.subAccountId)).toEqual([...subs].sort());
    const second = await listMembers(store, main, { limit: 1, cursor: first.nextCursor!, boundTo });
    expect(second.items.map((m) => m.membership.userId)).toEqual(['u-c-emp']);
    expect(second.items[0]!.grants.map((g) => g.subAccountId)).toEqual([subs[0]]);
    // The cursor is bound to the account and the caller it was issued to.
    await expect(listMembers(store, subs[0]!, { limit: 1, cursor: first.nextCursor!, boundTo })).rejects.toMatchObject({ status: 400 });
    await expect(listMembers(store, main, { limit: 1, cursor: first.nextCursor!, boundTo: 'u-b-mgr' })).rejects.toMatchObject({ status: 400 });
  });

  it('reads one member with their grants only', async () => {
    const m = await getMemberWithGrants(store, main, 'u-c-emp');
    expect(m?.membership.role).toBe('employee');
    expect(m?.grants.map((g) => g.subAccountId)).toEqual([subs[0]]);
    expect(await getMemberWithGrants(store, main, 'u-c')).toBeUndefined();
  });
});

describe('role holders (gsi4)', () => {
  it('finds the holders of a role across the main account and every sub-account, and follows role changes', async () => {
    expect((await listRoleHolders(store, org, 'backoffice', ALL)).map((m) => m.userId).sort()).toEqual(['u-d-bo', 'u-e-bo']);
    expect((await listRoleHolders(store, org, 'custom:rol_x', ALL)).map((m) => m.userId).sort()).toEqual(['u-g-sub', 'u-h-main']);
    const e = member('u-e-bo', 'backoffice');
    await transact(store, [membershipRoleStep(store, e, 'manager', 1)]);
    expect((await listRoleHolders(store, org, 'backoffice', ALL)).map((m) => m.userId)).toEqual(['u-d-bo']);
    expect((await listRoleHolders(store, org, 'manager', ALL)).map((m) => m.userId).sort()).toEqual(['u-b-mgr', 'u-e-bo']);
    // The same step again is stale: the version moved on, and the error names the version the item holds now.
    await expect(transact(store, [membershipRoleStep(store, e, 'employee', 1)])).rejects.toMatchObject({
      status: 409,
      slug: 'stale-version',
      extensions: { currentVersion: 2 },
    });
  });

  it('holds a transaction back when the other Owner it relies on is no longer one', async () => {
    const other = member('u-b-mgr', 'manager');
    await expect(transact(store, [otherOwnerStep(store, other)])).rejects.toMatchObject({ slug: 'last-owner' });
    await expect(transact(store, [otherOwnerStep(store, member('u-a-owner', 'owner'))])).resolves.toBeUndefined();
  });
});

describe('accounts (pattern A3)', () => {
  it('lists sub-accounts without the main account, with a cursor bound to the organization', async () => {
    const first = await listSubAccounts(store, org, main, { limit: 2, boundTo });
    expect(first.items).toHaveLength(2);
    const rest = await listSubAccounts(store, org, main, { limit: 2, cursor: first.nextCursor!, boundTo });
    expect([...first.items, ...rest.items].map((a) => a.accountId).sort()).toEqual([...subs].sort());
    await expect(listSubAccounts(store, newOrganizationId(), main, { limit: 2, cursor: first.nextCursor!, boundTo })).rejects.toMatchObject({ status: 400 });
    // A cursor is the caller's own: handed to someone else it is refused.
    await expect(listSubAccounts(store, org, main, { limit: 2, cursor: first.nextCursor!, boundTo: 'u-b-mgr' })).rejects.toMatchObject({ status: 400 });
    expect((await listAllAccounts(store, org)).map((a) => a.accountId)[0]).toBe(main);
  });

  it('keeps external ids unique per organization under a transaction', async () => {
    const a = await createSubAccount(store, owner, { name: 'One', externalId: 'EXT-UNIQUE' });
    expect(a.kind).toBe('sub');
    await expect(createSubAccount(store, owner, { name: 'Two', externalId: 'EXT-UNIQUE' })).rejects.toBeInstanceOf(Conflict);
    // Nothing half-written: no second sub-account appeared.
    const all = await listAllAccounts(store, org);
    expect(all.filter((x) => externalIdsOf(x).includes('EXT-UNIQUE'))).toHaveLength(1);
  });
});

describe('invitations', () => {
  it('lists the whole organization from the main account and only its own from a sub-account', async () => {
    const toMain = await createInvitation(store, owner, { email: 'm@x.test', role: 'employee' });
    const toSub = await createInvitation(store, owner, { email: 's@x.test', role: 'employee', subAccountId: subs[1] });
    expect(toMain.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const all = await listInvitations(store, org, undefined, { limit: 50, boundTo });
    expect(all.items.map((i) => i.invitationId).sort()).toEqual([toMain.invitationId, toSub.invitationId].sort());
    const sub = await listInvitations(store, org, subs[1], { limit: 50, boundTo });
    expect(sub.items.map((i) => i.invitationId)).toEqual([toSub.invitationId]);
    expect((await listInvitations(store, org, main, { limit: 50, boundTo })).items.map((i) => i.invitationId)).toEqual([toMain.invitationId]);
  });
});

describe('the audit log', () => {
  it('reads newest first, by actor (gsi2) and by target (gsi4), with cursors bound to their partition', async () => {
    const orgId = newOrganizationId();
    const write = (actorId: string, targetId: string, n: number) =>
      transact(store, [
        auditStep(store, { organizationId: orgId, accountId: main, actorId, action: 'member.role-changed', targetType: 'member', targetId, before: { n }, after: null }, now),
      ]);
    await write('alice', 't1', 1);
    await write('bob', 't1', 2);
    await write('alice', 't2', 3);
    await write('alice', 't1', 4);
    const all = await listAudit(store, orgId, {}, { limit: 3, boundTo });
    expect(all.items.map((e) => e.before?.n)).toEqual([4, 3, 2]);
    const next = await listAudit(store, orgId, {}, { limit: 3, cursor: all.nextCursor!, boundTo });
    expect(next.items.map((e) => e.before?.n)).toEqual([1]);
    expect((await listAudit(store, orgId, { actor: 'alice' }, { limit: 10, boundTo })).items.map((e) => e.before?.n)).toEqual([4, 3, 1]);
    expect((await listAudit(store, orgId, { target: 't1' }, { limit: 10, boundTo })).items.map((e) => e.before?.n)).toEqual([4, 2, 1]);
    expect((await listAudit(store, orgId, { actor: 'alice', target: 't1' }, { limit: 10, boundTo })).items.map((e) => e.before?.n)).toEqual([4, 1]);
    // Another organization's log is another partition: nothing of this one shows there.
    expect((await listAudit(store, newOrganizationId(), {}, { limit: 10, boundTo })).items).toEqual([]);
    await expect(listAudit(store, orgId, { target: 't1' }, { limit: 1, cursor: all.nextCursor!, boundTo })).rejects.toMatchObject({ status: 400 });
  });

  it('when the cursor was tampered with, it is a 400 naming query.cursor', async () => {
    const orgId = newOrganizationId();
    for (const n of [1, 2]) {
      await transact(store, [
        auditStep(store, { organizationId: orgId, accountId: main, actorId: 'alice', action: 'plan.changed', targetType: 'organization', targetId: orgId, before: { n }, after: null }, now),
      ]);
    }
    const first = await listAudit(store, orgId, {}, { limit: 1, boundTo });
    const raw = Buffer.from(first.nextCursor!, 'base64url');
    raw[raw.length - 20]! ^= 1;
    for (const cursor of [raw.toString('base64url'), 'not-a-cursor', first.nextCursor!.slice(0, -4)]) {
      await expect(listAudit(store, orgId, {}, { limit: 1, cursor, boundTo })).rejects.toMatchObject({
        status: 400,
        errors: [{ field: 'query.cursor', message: 'invalid cursor' }],
      });
    }
  });
});
