import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Principal } from '#shared/authz/engine.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { createDocument, deleteDraft, documentEntity, replaceDocument, type Document } from '#shared/data/entities/document.js';
import { putItem } from '#shared/data/dynamo.js';
import { ulid } from '#shared/domain/ids.js';
import type { ReportName } from '#shared/domain/invoicing/reports.js';
import { backfillReports, periodRanges, report, reportFromDocuments } from '#shared/usecases/reporting.js';
import { makeHandler } from '#functions/report-aggregator/handler.js';
import { AGGREGATOR_SOURCE, isDocumentRecord } from '#functions/report-aggregator/source.js';
import { localClients } from '../../../scripts/local/dynamodb.js';
import { startStreamPoller, type StreamPoller } from '../../../scripts/local/streams.js';
import { createTestTable } from '../../support/dynamodb.js';

/*
 * The report aggregates against DynamoDB Local and its stream, read by the local poller as
 * the event source mapping reads it: reports from the aggregates must equal the reports
 * folded from the documents (the path before aggregates), whatever the documents went
 * through, and must stay equal when records are delivered again.
 */
let db: DynamoDBDocumentClient;
let table: string;
let poller: StreamPoller;
const delivered: DynamoDBStreamEvent[] = [];
/** Faults to inject into the next deliveries (a thrown function error, a failed transaction). */
const faults = { throwOnNextEvent: false, failTransactionsOf: new Set<string>() };
const store = () => ({ db, table, now: () => new Date('2026-06-15T00:00:00Z') });
const ORG = 'org_01JTEST0000000000000000000';
const account = () => `acc_${ulid()}`;

// The real store, whose transaction fails once when it holds a document listed in `faults`.
const faultyStore = () => ({
  ...store(),
  db: new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
      return (command: { constructor: { name: string }; input: { TransactItems?: Array<{ Put?: { Item?: Record<string, unknown> } }> } }) => {
        const ids = (command.input.TransactItems ?? []).map((i) => i.Put?.Item?.documentId);
        if (command.constructor.name === 'TransactWriteCommand' && ids.some((id) => typeof id === 'string' && faults.failTransactionsOf.delete(id))) {
          return Promise.reject(Object.assign(new Error('injected'), { name: 'InternalServerError', $fault: 'server' }));
        }
        return target.send(command as never);
      };
    },
  }),
});

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  const handle = makeHandler(faultyStore);
  poller = await startStreamPoller({
    client: localClients(inject('dynamodbEndpoint')).client,
    endpoint: inject('dynamodbEndpoint'),
    tableName: table,
    filter: isDocumentRecord,
    batchSize: AGGREGATOR_SOURCE.batchSize,
    retryAttempts: AGGREGATOR_SOURCE.retryAttempts,
    handler: async (event) => {
      delivered.push(event);
      if (faults.throwOnNextEvent) {
        faults.throwOnNextEvent = false;
        throw new Error('injected function error');
      }
      return handle(event);
    },
  });
});
afterAll(() => poller?.stop());

const principal = (accountId: string, role: 'owner' | 'employee', userId: string): Principal => ({
  userId,
  organizationId: ORG,
  accountId,
  role,
  via: 'member',
  permissions: BUILT_IN_PERMISSIONS[role],
});

// A small deterministic generator: the same documents and changes on every run.
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

const doc = (accountId: string, over: Partial<Document>): Document => ({
  documentId: ulid(),
  kind: 'invoice',
  organizationId: ORG,
  accountId,
  status: 'issued',
  currency: 'EUR',
  issueDate: '2026-01-15',
  lines: [],
  net: 1000,
  vat: 230,
  gross: 1230,
  paid: 0,
  createdBy: 'u-a',
  createdAt: 't',
  updatedBy: 'u-a',
  updatedAt: 't',
  version: 1,
  ...over,
});

/** Documents of every kind, status, currency, client, creator and month, then edits, payments, cancellations and deletions. */
async function eventfulAccount(seed: number): Promise<string> {
  const acc = account();
  const r = random(seed);
  const dates = ['2025-12-31', '2026-01-01', '2026-01-14', '2026-01-31', '2026-02-01', '2026-02-28', '2026-03-15', '2026-12-31'];
  const clientsOf = [undefined, 'cl-1', 'cl-2'] as const;
  const docs: Document[] = [];
  for (let i = 0; i < 24; i++) {
    const net = 100 + Math.floor(r.next() * 10_000);
    const client = r.pick(clientsOf);
    docs.push(
      await createDocument(
        store(),
        doc(acc, {
          kind: r.pick(['invoice', 'invoice', 'expense', 'estimate'] as const),
          status: r.pick(['draft', 'issued', 'issued'] as const),
          currency: r.pick(['EUR', 'JPY']),
          issueDate: r.pick(dates),
          ...(client ? { clientId: client, clientName: `Client ${client}` } : {}),
          net,
          vat: Math.round(net * 0.2),
          gross: net + Math.round(net * 0.2),
          createdBy: r.pick(['u-a', 'u-b']),
        }),
      ),
    );
  }
  for (const d of docs) {
    const roll = r.next();
    if (d.status === 'draft' && roll < 0.3) await deleteDraft(store(), d);
    else if (d.status === 'draft' && roll < 0.7) await replaceDocument(store(), d, { ...d, status: 'issued', issueDate: r.pick(dates), clientId: 'cl-2', clientName: 'Client cl-2' });
    else if (d.kind === 'invoice' && d.status === 'issued' && roll < 0.5) {
      const part = await replaceDocument(store(), d, { ...d, status: 'partially-paid', paid: Math.floor(d.gross / 3) });
      if (r.next() < 0.5) await replaceDocument(store(), part, { ...part, status: 'paid', paid: part.gross });
    } else if (d.status === 'issued' && roll < 0.7) await replaceDocument(store(), d, { ...d, status: 'cancelled' });
  }
  return acc;
}

const PERIODS = [
  { from: '2026-01-01', to: '2026-12-31' },
  { from: '2026-01-01', to: '2026-02-28' },
  { from: '2026-01-14', to: '2026-03-15' },
  { from: '2026-01-02', to: '2026-01-31' },
  { from: '2025-12-01', to: '2026-01-14' },
  { from: '2025-12-31', to: '2025-12-31' },
];
const REPORTS: ReportName[] = ['revenue', 'outstanding', 'expenses'];

async function expectReportsMatchDocuments(acc: string): Promise<void> {
  const cases = [principal(acc, 'owner', 'u-owner'), principal(acc, 'employee', 'u-a'), principal(acc, 'employee', 'u-b')].flatMap((p) =>
    REPORTS.flatMap((name) => PERIODS.map((q) => ({ p, name, q }))),
  );
  await Promise.all(
    cases.map(async ({ p, name, q }) => {
      const { read: _a, ...aggregated } = await report(store(), p, name, q);
      const { read: _d, ...folded } = (await reportFromDocuments(store(), p, name, q)).report;
      expect(aggregated, `${p.role} ${p.userId} ${name} ${q.from}..${q.to}`).toEqual(folded);
    }),
  );
}

// Dozens of writes and a hundred reports each, on a DynamoDB Local that the whole suite shares.
describe('report aggregates maintained from the stream (DynamoDB Local)', { timeout: 180_000 }, () => {
  it('answer every report, scope and period exactly as the documents do, after creates, edits, payments, cancellations and deletions', async () => {
    const acc = await eventfulAccount(7);
    await poller.settled();
    const owner = await report(store(), principal(acc, 'owner', 'u-owner'), 'revenue', PERIODS[0]!);
    expect(owner.totals.length).toBeGreaterThan(0); // the generator did produce revenue
    await expectReportsMatchDocuments(acc);
  });

  it('change nothing when every record is delivered again, or when a backfill runs after the stream', async () => {
    const acc = await eventfulAccount(11);
    await poller.settled();
    const before = await report(store(), principal(acc, 'owner', 'u-owner'), 'revenue', PERIODS[0]!);
    const handle = makeHandler(store);
    for (const event of [...delivered]) expect((await handle(event)).batchItemFailures).toEqual([]);
    expect(await backfillReports(store(), acc)).toMatchObject({ applied: 0 });
    expect(await report(store(), principal(acc, 'owner', 'u-owner'), 'revenue', PERIODS[0]!)).toEqual(before);
    await expectReportsMatchDocuments(acc);
  });

  it('recover from a function error (the batch is bisected) and a failed record (retried from it), counting each change once', async () => {
    const acc = account();
    const first = await createDocument(store(), doc(acc, { issueDate: '2026-02-02' }));
    const second = await createDocument(store(), doc(acc, { issueDate: '2026-02-03', currency: 'JPY' }));
    faults.throwOnNextEvent = true;
    faults.failTransactionsOf.add(second.documentId);
    await replaceDocument(store(), first, { ...first, status: 'paid', paid: first.gross });
    await poller.settled();
    expect(faults).toMatchObject({ throwOnNextEvent: false });
    expect(faults.failTransactionsOf.size).toBe(0); // the injected failure did happen
    await expectReportsMatchDocuments(acc);
  });

  it('read months x currencies (x clients) items, however many documents the period holds', async () => {
    const acc = account();
    // Written as items (numbering is not what is measured here, and 120 writers on one counter only queue).
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => putItem(store(), documentEntity.item(doc(acc, { issueDate: `2026-04-${String(1 + (i % 30)).padStart(2, '0')}`, clientId: `cl-${i % 2}` })))),
    );
    await poller.settled();
    const p = principal(acc, 'owner', 'u-owner');
    const q = { from: '2026-04-01', to: '2026-04-30' };
    expect((await reportFromDocuments(store(), p, 'revenue', q)).report.read.items).toBe(120);
    const aggregated = await report(store(), p, 'revenue', q);
    expect(aggregated.totals).toEqual([{ currency: 'EUR', count: 120, net: 120_000, vat: 27_600, gross: 147_600, paid: 0, outstanding: 147_600 }]);
    expect(aggregated.read.items).toBe(1 + 2); // one month x one currency, and x two clients
    // The whole year: still one month of buckets holds anything.
    expect((await report(store(), p, 'revenue', { from: '2026-01-01', to: '2026-12-31' })).read.items).toBe(3);
  });
});

describe('the period of a report in bucket ranges', () => {
  it('reads whole months from month buckets and the days of a month covered in part from day buckets', () => {
    expect(periodRanges('2026-01-01', '2026-12-31')).toEqual([{ grain: 'month', first: '2026-01', last: '2026-12' }]);
    expect(periodRanges('2026-02-01', '2026-02-28')).toEqual([{ grain: 'month', first: '2026-02', last: '2026-02' }]);
    expect(periodRanges('2024-02-01', '2024-02-28')).toEqual([{ grain: 'day', first: '2024-02-01', last: '2024-02-28' }]); // leap year
    expect(periodRanges('2026-01-14', '2026-03-15')).toEqual([
      { grain: 'day', first: '2026-01-14', last: '2026-01-31' },
      { grain: 'month', first: '2026-02', last: '2026-02' },
      { grain: 'day', first: '2026-03-01', last: '2026-03-15' },
    ]);
    expect(periodRanges('2025-12-31', '2026-01-01')).toEqual([
      { grain: 'day', first: '2025-12-31', last: '2025-12-31' },
      { grain: 'day', first: '2026-01-01', last: '2026-01-01' },
    ]);
    expect(periodRanges('2026-01-02', '2026-01-30')).toEqual([{ grain: 'day', first: '2026-01-02', last: '2026-01-30' }]);
  });
});
