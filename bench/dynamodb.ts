import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAccessFacts } from '#shared/data/entities/access-facts.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { compileCustomRole } from '#shared/authz/roles.js';
import { resolveAccess } from '#shared/authz/engine.js';
import { parseAccountId } from '#shared/domain/ids.js';
import { ensureTable, localClients, startDynamoDbLocal } from '../scripts/local/dynamodb.js';
import { ulidOf } from './workload.js';

/*
 * The authorizer's DynamoDB cost for one uncached decision, by organization size. For each
 * size the organization has that many sub-accounts, one member in each, a main-account
 * manager granted every one of them, and 20 custom roles; the figures are what
 * loadAccessFacts (the authorizer's only read, as the authorizer calls it: memberships and
 * grant strongly consistent, organization and account eventually) sends and consumes on
 * DynamoDB Local, and what AWS would bill for the same requests.
 */
export interface DynamoRow {
  subAccounts: number;
  members: number;
  grants: number;
  customRoles: number;
  caller: string;
  roundTrips: number;
  keysRequested: number;
  items: number;
  capacity: number;
  /** What DynamoDB in AWS bills: every requested key of a batch, 1 RCU strongly consistent, 0.5 eventually. */
  billed: number;
}

const CUSTOM_ROLES = 20;
const NOW = '2026-11-23T00:00:00.000Z';

export async function writeAll(db: DynamoDBDocumentClient, table: string, items: object[]): Promise<void> {
  const chunks: object[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 10) throw new Error('BatchWriteItem kept returning unprocessed items');
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
        if (pending.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

function organization(n: number, subAccounts: number) {
  const ulid = ulidOf('DY', n);
  const organizationId = `org_${ulid}`;
  const mainAccountId = `acc_${ulid}`;
  const subIds = Array.from({ length: subAccounts }, (_, i) => `${mainAccountId}_${ulidOf('SB', i)}`);
  const customRoles: Record<string, string> = {};
  for (let r = 0; r < CUSTOM_ROLES; r++) customRoles[ulidOf('RL', r)] = compileCustomRole(['clients.*', 'documents.view']).hex;
  const member = (accountId: string, userId: string, role: string) =>
    membershipEntity.item({ accountId, organizationId, userId, email: `${userId}@bench.kontor.dev`, role, createdAt: NOW, version: 1 });
  const items: object[] = [
    organizationEntity.item({ organizationId, name: `Bench ${subAccounts}`, plan: 'large', features: ['self-bookkeeping'], customRoles, createdAt: NOW, createdBy: 'owner', version: 1 }),
    accountEntity.item({ accountId: mainAccountId, organizationId, kind: 'main', name: 'Main', status: 'active', createdAt: NOW, version: 1 }),
    member(mainAccountId, 'owner', 'owner'),
    member(mainAccountId, 'manager', 'manager'),
    member(mainAccountId, 'clerk', `custom:${ulidOf('RL', 0)}`),
    member(mainAccountId, 'bookkeeper', 'backoffice'),
  ];
  subIds.forEach((accountId, i) => {
    items.push(accountEntity.item({ accountId, organizationId, kind: 'sub', name: `Branch ${i}`, status: 'active', createdAt: NOW, version: 1 }));
    items.push(member(accountId, `branch-${i}`, 'employee'));
    items.push(grantEntity.item({ organizationId, mainAccountId, subAccountId: accountId, userId: 'manager', grantedBy: 'owner', grantedAt: NOW }));
  });
  return { mainAccountId, subIds, items, members: 4 + subAccounts };
}

/** What reached DynamoDB through one client since the last reset. */
export interface RequestCounter {
  roundTrips: number;
  keysRequested: number;
  /** Sum of ConsumedCapacity.CapacityUnits over the responses (every request is sent with ReturnConsumedCapacity: TOTAL). */
  capacity: number;
  /** Batch reads as AWS bills them: each requested key, found or not, 1 RCU strongly consistent, 0.5 eventually (items under 4 KB). */
  billed: number;
  reset(): void;
}

/**
 * Counts every request a document client sends (an SDK middleware), the keys of batch reads,
 * and the capacity DynamoDB reports consumed; asks for ReturnConsumedCapacity on every call
 * that does not already, so that code under measurement need not do it itself.
 */
export function countRequests(doc: DynamoDBDocumentClient): RequestCounter {
  const counter: RequestCounter = {
    roundTrips: 0,
    keysRequested: 0,
    capacity: 0,
    billed: 0,
    reset() {
      counter.roundTrips = 0;
      counter.keysRequested = 0;
      counter.capacity = 0;
      counter.billed = 0;
    },
  };
  doc.middlewareStack.add(
    (next) => async (args) => {
      counter.roundTrips++;
      const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>; ReturnConsumedCapacity?: string };
      for (const t of Object.values(input.RequestItems ?? {})) {
        counter.keysRequested += t.Keys?.length ?? 0;
        counter.billed += (t.Keys?.length ?? 0) * (t.ConsistentRead ? 1 : 0.5);
      }
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> }).ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) counter.capacity += c.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return counter;
}

export async function measureDynamoDb(sizes: number[], log: (m: string) => void): Promise<DynamoRow[]> {
  const local = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamoDbLocal();
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? local!.endpoint;
  const { client, doc } = localClients(endpoint);
  const counter = countRequests(doc);
  const table = `kontor-bench-${Date.now()}`;
  try {
    await ensureTable(client, table);
    const rows: DynamoRow[] = [];
    for (const [n, size] of sizes.entries()) {
      const org = organization(n, size);
      const t0 = Date.now();
      await writeAll(doc, table, org.items);
      log(`  seeded ${size} sub-accounts (${org.items.length} items) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const last = org.subIds[org.subIds.length - 1]!;
      const callers: Array<[string, string, string]> = [
        ['Owner, last sub-account', 'owner', last],
        ['granted manager, last sub-account', 'manager', last],
        ['Backoffice, last sub-account', 'bookkeeper', last],
        ['sub-account member, its sub-account', `branch-${size - 1}`, last],
        ['custom role, main account', 'clerk', org.mainAccountId],
      ];
      for (const [caller, userId, accountId] of callers) {
        counter.reset();
        const { facts, consumedCapacity } = await loadAccessFacts(doc, table, userId, parseAccountId(accountId)!, 'revocation');
        if (!resolveAccess(facts).allowed) throw new Error(`bench organization is wrong: ${caller} denied`);
        const items = [facts.organization, facts.account, facts.membership, facts.mainMembership, facts.grant || undefined].filter(Boolean).length;
        rows.push({ subAccounts: size, members: org.members, grants: size, customRoles: CUSTOM_ROLES, caller, roundTrips: counter.roundTrips, keysRequested: counter.keysRequested, items, capacity: consumedCapacity, billed: counter.billed });
      }
    }
    return rows;
  } finally {
    client.destroy();
    await local?.stop();
  }
}
