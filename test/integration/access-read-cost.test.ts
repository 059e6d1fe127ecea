import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BatchWriteCommand, DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAccessFacts, type FactsConsistency } from '#shared/data/entities/access-facts.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity, grantKey } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import type { DynamoTransport, Operation, Operations } from '#shared/data/dynamo.js';
import { lambdaTransport } from '#shared/data/signed-transport.js';
import { compileCustomRole } from '#shared/authz/roles.js';
import { resolveAccess } from '#shared/authz/engine.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { createTestTable } from '../support/dynamodb.js';

/*
 * What one uncached authorizer decision costs in read capacity, on DynamoDB Local through
 * the authorizer's own signed transport, for organizations of 1, 100 and 10,000
 * sub-accounts (a manager granted every one of them: the grants share the main account's
 * partition with her membership). Two figures per decision:
 *   - what DynamoDB Local reports (ReturnConsumedCapacity: TOTAL): it charges found items
 *     only, 1 RCU strongly consistent, 0.5 eventually;
 *   - what DynamoDB in AWS charges: BatchGetItem bills every requested key like a GetItem,
 *     found or not (1 RCU strongly consistent, 0.5 eventually, per 4 KB; every item here is
 *     far below 4 KB), computed from the requests the transport actually sent.
 * Both must be the same at every organization size, and the AWS figure at most 2 RCU in a
 * main account and 4 in a sub-account. The revocation facts (memberships, grant) must be in
 * the strongly consistent request, and a revoked grant must deny on the very next read.
 */
const now = '2026-01-01T00:00:00.000Z';
const SIZES = [1, 100, 10_000];

interface Sent {
  keys: number;
  consistent: boolean;
}

/** The authorizer's transport, recording every BatchGetItem it sends. */
function recording(inner: DynamoTransport): DynamoTransport & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    request<O extends Operation>(operation: O, input: Operations[O][0]) {
      if (operation === 'BatchGetItem') {
        for (const r of Object.values((input as Operations['BatchGetItem'][0]).RequestItems ?? {})) {
          sent.push({ keys: r.Keys?.length ?? 0, consistent: r.ConsistentRead === true });
        }
      }
      return inner.request(operation, input);
    },
  };
}

async function writeAll(db: DynamoDBDocumentClient, table: string, items: Array<Record<string, unknown>>): Promise<void> {
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 10) throw new Error('BatchWriteItem kept returning unprocessed items');
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function organization(subAccounts: number) {
  const organizationId = newOrganizationId();
  const main = mainAccountIdOf(organizationId);
  const subs = Array.from({ length: subAccounts }, () => newSubAccountId(organizationId));
  const last = subs[subs.length - 1]!;
  const customRoles: Record<string, string> = {};
  for (let r = 0; r < 20; r++) customRoles[`r${r}`] = compileCustomRole(['clients.*', 'documents.view']).hex;
  const member = (accountId: string, userId: string, role: string) =>
    membershipEntity.item({ accountId, organizationId, userId, email: `${userId}@x.test`, role, createdAt: now, version: 1 });
  const items: Array<Record<string, unknown>> = [
    organizationEntity.item({ organizationId, name: 'O', plan: 'large', features: ['self-bookkeeping'], customRoles, createdAt: now, createdBy: 'owner', version: 1 }),
    accountEntity.item({ accountId: main, organizationId, kind: 'main', name: 'Main', status: 'active', createdAt: now, version: 1 }),
    member(main, 'owner', 'owner'),
    member(main, 'manager', 'manager'),
    member(main, 'clerk', 'custom:r0'),
    member(main, 'bookkeeper', 'backoffice'),
    member(last, 'branch', 'employee'),
  ];
  // The grants are what grows in the partition the decision reads (the main account's, next to
  // the manager's membership); the other sub-accounts' own items sit in partitions it never
  // touches, so only the addressed one is written (it keeps the seeding at 10,000 items).
  items.push(accountEntity.item({ accountId: last, organizationId, kind: 'sub', name: 'S', status: 'active', createdAt: now, version: 1 }));
  for (const accountId of subs) {
    items.push(grantEntity.item({ organizationId, mainAccountId: main, subAccountId: accountId, userId: 'manager', grantedBy: 'owner', grantedAt: now }));
  }
  return { main, last, items };
}

const CALLERS = [
  { caller: 'Owner in the main account', userId: 'owner', where: 'main' },
  { caller: 'custom role in the main account', userId: 'clerk', where: 'main' },
  { caller: 'Owner in the last sub-account', userId: 'owner', where: 'last' },
  { caller: 'granted manager in the last sub-account', userId: 'manager', where: 'last' },
  { caller: 'Backoffice in the last sub-account', userId: 'bookkeeper', where: 'last' },
  { caller: 'sub-account member in her sub-account', userId: 'branch', where: 'last' },
] as const;

let sdk: DynamoDBDocumentClient;
let table: string;
const orgs = new Map<number, ReturnType<typeof organization>>();

beforeAll(async () => {
  ({ db: sdk, table } = await createTestTable());
  for (const size of SIZES) {
    const org = organization(size);
    orgs.set(size, org);
    await writeAll(sdk, table, org.items);
  }
}, 180_000);

async function decision(size: number, userId: string, where: 'main' | 'last', consistency: FactsConsistency) {
  const org = orgs.get(size)!;
  const db = recording(lambdaTransport(inject('dynamodbEndpoint')));
  const { facts, consumedCapacity } = await loadAccessFacts(db, table, userId, parseAccountId(org[where])!, consistency);
  const awsRcu = db.sent.reduce((sum, s) => sum + s.keys * (s.consistent ? 1 : 0.5), 0);
  return { allowed: resolveAccess(facts).allowed, localRcu: consumedCapacity, awsRcu, sent: db.sent };
}

describe("the authorizer's read capacity per uncached decision", () => {
  it('is at most 2 RCU in a main account and 4 in a sub-account, the same from 1 to 10,000 sub-accounts', async () => {
    for (const { caller, userId, where } of CALLERS) {
      const bySize = [];
      for (const size of SIZES) bySize.push(await decision(size, userId, where, 'revocation'));
      for (const d of bySize) {
        expect(d.allowed, caller).toBe(true);
        expect(d.awsRcu, caller).toBe(where === 'main' ? 2 : 4);
        // Two requests sent together (one round trip of latency): the state eventually, the access strongly.
        expect(d.sent.map((s) => s.consistent).sort(), caller).toEqual([false, true]);
      }
      expect(new Set(bySize.map((d) => d.localRcu)).size, `${caller}: DynamoDB Local's figure by size`).toBe(1);
      expect(new Set(bySize.map((d) => d.awsRcu)).size, `${caller}: the AWS figure by size`).toBe(1);
    }
  });

  it('reads the organization and the account eventually consistent, every membership and the grant strongly', async () => {
    const { sent, localRcu } = await decision(10_000, 'manager', 'last', 'revocation');
    // Organization and account: 0.5 RCU each; main-account membership and grant: 1 each (the
    // manager has no membership of her own in the sub-account; DynamoDB Local charges only what it finds).
    expect(sent).toEqual(expect.arrayContaining([{ keys: 2, consistent: false }, { keys: 3, consistent: true }]));
    expect(localRcu).toBe(3);
  });

  it('costs 3 and 5 RCU when every fact is read strongly consistent (the re-read before a change)', async () => {
    const main = await decision(10_000, 'owner', 'main', 'strong');
    const sub = await decision(10_000, 'manager', 'last', 'strong');
    expect([main.awsRcu, sub.awsRcu]).toEqual([3, 5]);
    expect([...main.sent, ...sub.sent].every((s) => s.consistent)).toBe(true);
  });

  it('denies a granted manager on the first read after her grant is deleted: revocation does not wait for eventual consistency', async () => {
    const org = organization(1);
    await writeAll(sdk, table, org.items);
    expect((await decision1(org, 'manager')).allowed).toBe(true);
    await sdk.send(new DeleteCommand({ TableName: table, Key: grantKey(org.main, 'manager', org.last) }));
    expect((await decision1(org, 'manager')).allowed).toBe(false);
  });
});

async function decision1(org: ReturnType<typeof organization>, userId: string) {
  const { facts } = await loadAccessFacts(lambdaTransport(inject('dynamodbEndpoint')), table, userId, parseAccountId(org.last)!, 'revocation');
  return resolveAccess(facts);
}
