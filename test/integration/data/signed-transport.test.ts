import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAccessFacts } from '#shared/data/entities/access-facts.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity, organizationKey } from '#shared/data/entities/organization.js';
import { getItem, type DynamoTransport } from '#shared/data/dynamo.js';
import { lambdaTransport } from '#shared/data/signed-transport.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { createTestTable } from '../../support/dynamodb.js';

/*
 * The authorizer's signed transport against DynamoDB Local: the same facts as the SDK
 * client reads, item for item, from the same table (DynamoDB Local does not check
 * signatures; the AWS test vectors in test/unit/data/signed-transport.test.ts do).
 */
let sdk: DynamoDBDocumentClient;
let signed: DynamoTransport;
let table: string;
const org = newOrganizationId();
const main = mainAccountIdOf(org);
const sub = newSubAccountId(org);
const now = '2026-01-01T00:00:00.000Z';

beforeAll(async () => {
  ({ db: sdk, table } = await createTestTable());
  signed = lambdaTransport(inject('dynamodbEndpoint'));
  const items = [
    organizationEntity.item({
      organizationId: org,
      name: 'O',
      plan: 'medium',
      features: ['self-bookkeeping'],
      customRoles: {},
      createdAt: now,
      createdBy: 'u-owner',
      version: 7,
    }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    accountEntity.item({ accountId: sub, organizationId: org, kind: 'sub', name: 'S', status: 'active', createdAt: now, version: 2 }),
    membershipEntity.item({ accountId: main, organizationId: org, userId: 'u-mgr', email: 'm@x.test', role: 'manager', createdAt: now, version: 3 }),
    grantEntity.item({ organizationId: org, mainAccountId: main, subAccountId: sub, userId: 'u-mgr', grantedBy: 'u-owner', grantedAt: now }),
  ];
  await sdk.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
});

describe('the signed transport on DynamoDB Local', () => {
  it('loads the same access facts as the SDK client, in one strongly consistent BatchGetItem of the same cost', async () => {
    for (const [user, account] of [
      ['u-mgr', sub],
      ['u-mgr', main],
      ['u-nobody', sub],
    ] as const) {
      const viaSdk = await loadAccessFacts(sdk, table, user, parseAccountId(account)!);
      const viaSigned = await loadAccessFacts(signed, table, user, parseAccountId(account)!);
      expect(viaSigned).toEqual(viaSdk);
    }
    const { facts, consumedCapacity } = await loadAccessFacts(signed, table, 'u-mgr', parseAccountId(sub)!);
    expect(facts.grant).toBe(true);
    expect(facts.organization?.features).toEqual(['self-bookkeeping']);
    expect(consumedCapacity).toBeGreaterThan(0);
  });

  it('reads one item as the SDK does', async () => {
    const stored = await getItem({ db: sdk, table, now: () => new Date() }, organizationKey(org), true);
    expect(stored).toBeDefined();
    expect(await getItem({ db: signed, table, now: () => new Date() }, organizationKey(org), true)).toEqual(stored);
  });

  it("when the table does not exist, it fails with DynamoDB's own error, not a retried fault", async () => {
    await expect(signed.request('GetItem', { TableName: 'no-such-table', Key: { pk: 'P', sk: 'S' } })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
