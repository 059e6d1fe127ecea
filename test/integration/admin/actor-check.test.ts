import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Store } from '#shared/data/context.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { loadFreshAccess } from '#shared/data/entities/access-facts.js';
import { grantEntity, grantKey } from '#shared/data/entities/grant.js';
import { listInvitations } from '#shared/data/entities/invitation.js';
import { getMembership, membershipEntity, membershipKey, type Actor, type Membership } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { createInvitation } from '#shared/usecases/invitations.js';
import { changeRole } from '#shared/usecases/members.js';
import { getAccount, listSubAccounts } from '#shared/data/entities/account.js';
import { createSubAccount, updateAccount } from '#shared/usecases/organization.js';
import { changeMode, unlockModeChange } from '#shared/usecases/permission-mode.js';
import { getMode, putAcl } from '#shared/usecases/acl.js';
import { createCrmObject, getCrmObject } from '#shared/usecases/crm.js';
import { createTestTable } from '../../support/dynamodb.js';

/*
 * The actor's ConditionCheck against DynamoDB Local: the caller's access is read (as the
 * wrapper reads it for a change), then changes in the table before the write commits, and
 * the write must be cancelled as 409 actor-changed with nothing written.
 */
let db: DynamoDBDocumentClient;
let table: string;
let store: Store;
const now = '2026-01-01T00:00:00.000Z';

async function organization(members: Array<{ userId: string; role: string; account?: 'sub'; grant?: true }>) {
  const org = newOrganizationId();
  const main = mainAccountIdOf(org);
  const sub = newSubAccountId(org);
  const m = (userId: string, role: string, accountId: string): Membership => ({ accountId, organizationId: org, userId, email: `${userId}@x.test`, role, createdAt: now, version: 1 });
  const items = [
    organizationEntity.item({ organizationId: org, name: 'O', plan: 'free', features: [], customRoles: {}, createdAt: now, createdBy: 'x', version: 1 }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    accountEntity.item({ accountId: sub, organizationId: org, kind: 'sub', name: 'Sub', status: 'active', createdAt: now, version: 1 }),
    ...members.map((x) => membershipEntity.item(m(x.userId, x.role, x.account === 'sub' ? sub : main))),
    ...members
      .filter((x) => x.grant)
      .map((x) => grantEntity.item({ organizationId: org, mainAccountId: main, subAccountId: sub, userId: x.userId, grantedBy: 'x', grantedAt: now })),
  ];
  await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  return { org, main, sub };
}

/** The caller as the wrapper reads them for a change. */
async function actorOf(userId: string, accountId: string): Promise<Actor> {
  const access = await loadFreshAccess(db, table, userId, parseAccountId(accountId)!);
  if (!access.allowed) throw new Error(`no access: ${access.reason}`);
  return access.actor;
}

/** What another request commits meanwhile: the member's role changes, their version moves on. */
const demote = (accountId: string, userId: string, role: string) =>
  db.send(
    new UpdateCommand({
      TableName: table,
      Key: membershipKey(accountId, userId),
      UpdateExpression: 'SET #r = :r, #v = #v + :one',
      ExpressionAttributeNames: { '#r': 'role', '#v': 'version' },
      ExpressionAttributeValues: { ':r': role, ':one': 1 },
    }),
  );

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  store = { db, table, now: () => new Date() };
});

describe("the actor's ConditionCheck on DynamoDB Local", () => {
  it('when the actor is demoted between the re-read and the write, the role change is cancelled: 409 actor-changed, nothing written', async () => {
    const { main } = await organization([{ userId: 'u-a', role: 'owner' }, { userId: 'u-b', role: 'owner' }, { userId: 'u-e', role: 'employee' }]);
    const actor = await actorOf('u-a', main);
    expect(actor.basis).toEqual({ membership: { accountId: main, userId: 'u-a', role: 'owner', version: 1 } });
    await demote(main, 'u-a', 'manager');
    await expect(changeRole(store, actor, 'u-e', { role: 'manager', version: 1 })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    expect(await getMembership(store, main, 'u-e')).toMatchObject({ role: 'employee', version: 1 });
  });

  it("when the change is to the actor's own membership, the joined condition is accepted by DynamoDB and still cancels on a concurrent change", async () => {
    const { main } = await organization([{ userId: 'u-a', role: 'owner' }, { userId: 'u-b', role: 'owner' }, { userId: 'u-c', role: 'owner' }]);
    // Unchanged: an Owner steps down (others remain); the check joins the update of their own item.
    const ok = await changeRole(store, await actorOf('u-a', main), 'u-a', { role: 'manager', version: 1 });
    expect(ok.membership).toMatchObject({ role: 'manager', version: 2 });
    // Another Owner, read, then changed meanwhile (version 2): their own step-down is cancelled.
    const actor = await actorOf('u-b', main);
    await demote(main, 'u-b', 'owner');
    await expect(changeRole(store, actor, 'u-b', { role: 'manager', version: 2 })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    expect(await getMembership(store, main, 'u-b')).toMatchObject({ role: 'owner', version: 2 });
  });

  it('when a granted member loses the grant between the re-read and the write, the invitation into the sub-account is not created', async () => {
    const { main, sub, org } = await organization([
      { userId: 'u-a', role: 'owner' },
      { userId: 'u-m', role: 'manager', grant: true },
    ]);
    const actor = await actorOf('u-m', sub);
    expect(actor).toMatchObject({ via: 'grant', role: 'manager', basis: { membership: { accountId: main, role: 'manager', version: 1 }, grant: { mainAccountId: main, subAccountId: sub } } });
    await db.send(new DeleteCommand({ TableName: table, Key: grantKey(main, 'u-m', sub) }));
    await expect(createInvitation(store, actor, { email: 'x@example.com', role: 'employee' })).rejects.toMatchObject({
      status: 409,
      extensions: { reason: 'actor-changed' },
    });
    expect((await listInvitations(store, org, sub, { limit: 10, boundTo: 'u-a' })).items).toEqual([]);
  });

  /*
   * Account, sub-account, permission-mode and ACL changes decide who may reach what, as
   * membership changes do: each is cancelled the same way when the actor's own access
   * changed after the wrapper re-read it.
   */
  it('when the actor is demoted meanwhile, archiving or renaming an account is cancelled and the account is unchanged', async () => {
    const { main, sub } = await organization([{ userId: 'u-a', role: 'owner' }, { userId: 'u-b', role: 'owner' }]);
    const onSub = await actorOf('u-a', sub);
    const onMain = await actorOf('u-a', main);
    await demote(main, 'u-a', 'manager');
    await expect(updateAccount(store, onSub, { status: 'archived', version: 1 })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    await expect(updateAccount(store, onMain, { name: 'Renamed', version: 1 })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    expect(await getAccount(store, sub)).toMatchObject({ status: 'active', version: 1 });
    expect(await getAccount(store, main)).toMatchObject({ name: 'Main', version: 1 });
  });

  it('when the actor is removed meanwhile, no sub-account is created', async () => {
    const { main, org } = await organization([{ userId: 'u-a', role: 'owner' }, { userId: 'u-b', role: 'owner' }]);
    const actor = await actorOf('u-a', main);
    await db.send(new DeleteCommand({ TableName: table, Key: membershipKey(main, 'u-a') }));
    await expect(createSubAccount(store, actor, { name: 'New', externalId: 'EXT-NEW' })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    const subs = await listSubAccounts(store, org, main, { limit: 10, boundTo: 'u-b' });
    expect(subs.items.map((a) => a.name)).toEqual(['Sub']);
  });

  it('when the actor is demoted meanwhile, the permission mode stays as it was', async () => {
    const { main, org } = await organization([{ userId: 'u-a', role: 'owner' }, { userId: 'u-b', role: 'owner' }]);
    const actor = await actorOf('u-a', main);
    const before = await getMode(store, org);
    const target = before.mode === 'static' ? 'dynamic' : 'static';
    const { token } = await unlockModeChange(store, actor, target);
    await demote(main, 'u-a', 'manager');
    await expect(changeMode(store, actor, { mode: target, token })).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    expect((await getMode(store, org)).mode).toBe(before.mode);
  });

  it("when the actor is demoted meanwhile, an object's ACL is not replaced", async () => {
    const { main } = await organization([{ userId: 'u-a', role: 'owner' }, { userId: 'u-b', role: 'owner' }]);
    const actor = await actorOf('u-a', main);
    const project = await createCrmObject(store, actor, 'project', { name: 'P' });
    await demote(main, 'u-a', 'manager');
    await expect(
      putAcl(store, actor, 'project', project.objectId, { rows: [{ principal: 'user:u-b', rights: ['read'] }], exclusions: [], version: project.version }),
    ).rejects.toMatchObject({ status: 409, extensions: { reason: 'actor-changed' } });
    expect(await getCrmObject(store, await actorOf('u-b', main), 'project', project.objectId)).toMatchObject({ version: project.version });
  });
});
