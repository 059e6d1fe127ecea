import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Store } from '#shared/data/context.js';
import { accountEntity, accountKey } from '#shared/data/entities/account.js';
import { loadFreshAccess } from '#shared/data/entities/access-facts.js';
import { listAudit } from '#shared/data/entities/audit.js';
import { integrationKey } from '#shared/data/entities/integration.js';
import { membershipEntity, type Actor } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { localSecretBox } from '#shared/integrations/secret-box.js';
import * as integrations from '#shared/usecases/integrations.js';
import { createTestTable } from '../../support/dynamodb.js';

/*
 * The integrations catalogue against DynamoDB Local: each change is written with its audit
 * entry, the secret is sealed (never stored in clear) and returned once, and stale or
 * impossible changes write nothing.
 */
let db: DynamoDBDocumentClient;
let table: string;
let store: Store;
const box = localSecretBox(randomBytes(32));
const now = '2026-01-01T00:00:00.000Z';

async function organization() {
  const org = newOrganizationId();
  const main = mainAccountIdOf(org);
  const sub = newSubAccountId(org);
  const items = [
    organizationEntity.item({ organizationId: org, name: 'O', plan: 'free', features: [], customRoles: {}, createdAt: now, createdBy: 'x', version: 1 }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    accountEntity.item({ accountId: sub, organizationId: org, kind: 'sub', name: 'Sub', status: 'active', createdAt: now, version: 1 }),
    membershipEntity.item({ accountId: main, organizationId: org, userId: 'owner', email: 'o@x.test', role: 'owner', createdAt: now, version: 1 }),
  ];
  await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  return { org, main, sub };
}

async function actorOf(userId: string, accountId: string): Promise<Actor> {
  const access = await loadFreshAccess(db, table, userId, parseAccountId(accountId)!);
  if (!access.allowed) throw new Error(`no access: ${access.reason}`);
  return access.actor;
}

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  store = { db, table, now: () => new Date() };
});

describe('integrations catalogue', () => {
  it('activating a WooCommerce shop in a sub-account stores the secret sealed, returns it once and audits the activation', async () => {
    const { org, sub } = await organization();
    const owner = await actorOf('owner', sub);
    const { integration, secret } = await integrations.activate(store, box, owner, { kind: 'woocommerce', config: { shopUrl: 'https://shop.example' } });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(integration).toMatchObject({ accountId: sub, status: 'active', activatedBy: 'owner', kind: 'woocommerce', version: 1 });

    const raw = (await db.send(new GetCommand({ TableName: table, Key: integrationKey(integration.integrationId) }))).Item!;
    expect(JSON.stringify(raw)).not.toContain(secret);
    expect(await box.open(raw.secret as string, integration.integrationId)).toBe(secret);
    // Sealed for this integration only: the same ciphertext does not open for another id.
    await expect(box.open(raw.secret as string, 'another')).rejects.toThrow();

    const audit = await listAudit(store, org, { target: integration.integrationId }, { limit: 10, boundTo: 'owner' });
    expect(audit.items.map((a) => a.action)).toEqual(['integration.activated']);
    expect(JSON.stringify(audit.items)).not.toContain(secret);

    const listed = await integrations.list(store, owner, { limit: 10 });
    expect(listed.items.map((i) => i.integrationId)).toEqual([integration.integrationId]);
  });

  it('a Shopify secret the caller brings is stored and not echoed; an unsigned kind refuses a secret', async () => {
    const { main } = await organization();
    const owner = await actorOf('owner', main);
    const out = await integrations.activate(store, box, owner, { kind: 'shopify', secret: 'shpss_from_admin' });
    expect(out.secret).toBeUndefined();
    expect(await box.open(out.integration.secret!, out.integration.integrationId)).toBe('shpss_from_admin');
    await expect(integrations.activate(store, box, owner, { kind: 'allegro', secret: 'x' })).rejects.toMatchObject({ status: 400 });
  });

  it('configure and deactivate are audited, conditioned on the version, and an integration of another account is not found', async () => {
    const { org, main, sub } = await organization();
    const owner = await actorOf('owner', main);
    const { integration } = await integrations.activate(store, box, owner, { kind: 'woocommerce' });
    await expect(integrations.configure(store, box, owner, integration.integrationId, { version: 7, name: 'x' })).rejects.toMatchObject({ status: 409 });
    const rotated = await integrations.configure(store, box, owner, integration.integrationId, { version: 1, name: 'Shop', rotateSecret: true });
    expect(rotated.secret).toBeDefined();
    expect(rotated.integration).toMatchObject({ name: 'Shop', version: 2 });
    const off = await integrations.deactivate(store, owner, integration.integrationId, 2);
    expect(off).toMatchObject({ status: 'inactive', version: 3 });
    await expect(integrations.deactivate(store, owner, integration.integrationId, 3)).rejects.toMatchObject({ status: 409 });
    await expect(integrations.get(store, await actorOf('owner', sub), integration.integrationId)).rejects.toMatchObject({ status: 404 });
    const audit = await listAudit(store, org, { target: integration.integrationId }, { limit: 10, boundTo: 'owner' });
    expect(audit.items.map((a) => a.action)).toEqual(['integration.deactivated', 'integration.configured', 'integration.activated']);
  });

  it('activation in an archived account writes nothing', async () => {
    const { sub } = await organization();
    const owner = await actorOf('owner', sub);
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: accountKey(sub),
        UpdateExpression: 'SET #s = :a',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':a': 'archived' },
      }),
    );
    await expect(integrations.activate(store, box, owner, { kind: 'woocommerce' })).rejects.toMatchObject({ status: 409 });
    expect((await integrations.list(store, owner, { limit: 10 })).items).toEqual([]);
  });
});
