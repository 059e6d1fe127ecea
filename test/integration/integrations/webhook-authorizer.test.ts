import { randomBytes } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { authorizeWebhook } from '#functions/webhook-authorizer/authorize.js';
import type { Store } from '#shared/data/context.js';
import { accountEntity, accountKey } from '#shared/data/entities/account.js';
import { loadFreshAccess } from '#shared/data/entities/access-facts.js';
import { membershipEntity, membershipKey } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId, ulid } from '#shared/domain/ids.js';
import { localSecretBox } from '#shared/integrations/secret-box.js';
import * as integrations from '#shared/usecases/integrations.js';
import { createTestTable } from '../../support/dynamodb.js';

/* The webhook authorizer against DynamoDB Local: SPEC 6.3's three conditions, each denying on its own. */
let db: DynamoDBDocumentClient;
let table: string;
let store: Store;
const now = '2026-01-01T00:00:00.000Z';
const PREFIX = 'arn:aws:execute-api:eu-central-1:123456789012:abc123/prod';

const event = (integrationId: string, segment = integrationId): APIGatewayRequestAuthorizerEvent =>
  ({ type: 'REQUEST', methodArn: `${PREFIX}/POST/webhooks/${segment}`, pathParameters: { integrationId }, headers: {} }) as unknown as APIGatewayRequestAuthorizerEvent;

async function activated() {
  const org = newOrganizationId();
  const main = mainAccountIdOf(org);
  const sub = newSubAccountId(org);
  const items = [
    organizationEntity.item({ organizationId: org, name: 'O', plan: 'free', features: [], customRoles: {}, createdAt: now, createdBy: 'x', version: 1 }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    accountEntity.item({ accountId: sub, organizationId: org, kind: 'sub', name: 'Sub', status: 'active', createdAt: now, version: 1 }),
    membershipEntity.item({ accountId: sub, organizationId: org, userId: 'integrator', email: 'i@x.test', role: 'manager', createdAt: now, version: 1 }),
  ];
  await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  const access = await loadFreshAccess(db, table, 'integrator', parseAccountId(sub)!);
  if (!access.allowed) throw new Error(access.reason);
  const { integration } = await integrations.activate(store, localSecretBox(randomBytes(32)), access.actor, { kind: 'woocommerce' });
  return { sub, integration };
}

const set = (key: { pk: string; sk: string }, attr: string, value: string) =>
  db.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET #a = :v', ExpressionAttributeNames: { '#a': attr }, ExpressionAttributeValues: { ':v': value } }));

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  store = { db, table, now: () => new Date() };
});

describe('webhook authorizer', () => {
  it('allows exactly this webhook path while the gate holds, with the integration in its context', async () => {
    const { sub, integration } = await activated();
    const out = await authorizeWebhook({ db, table }, event(integration.integrationId));
    expect(out.policyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${PREFIX}/*/webhooks/${integration.integrationId}`] }]);
    expect(out.context).toMatchObject({ scope: 'webhook', integrationId: integration.integrationId, accountId: sub, activatedBy: 'integrator' });
  });

  it('denies once the activator no longer holds integrations.manage there', async () => {
    const { sub, integration } = await activated();
    await set(membershipKey(sub, 'integrator'), 'role', 'employee');
    const out = await authorizeWebhook({ db, table }, event(integration.integrationId));
    expect(out.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(out.context).toMatchObject({ reason: 'missing-permission' });
  });

  it('denies when the sub-account is archived, and an unknown integration', async () => {
    const { sub, integration } = await activated();
    await set(accountKey(sub), 'status', 'archived');
    expect((await authorizeWebhook({ db, table }, event(integration.integrationId))).context).toMatchObject({ reason: 'account-archived' });
    expect((await authorizeWebhook({ db, table }, event(ulid()))).context).toMatchObject({ reason: 'unknown-integration' });
  });

  it('refuses (401) a path whose segment is not the integration parameter', async () => {
    const { integration } = await activated();
    await expect(authorizeWebhook({ db, table }, event(integration.integrationId, `${integration.integrationId}%2F..`))).rejects.toThrow('Unauthorized');
  });
});
