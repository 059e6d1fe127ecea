import type { Principal } from '#shared/authz/engine.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { documentEntity, type Document } from '#shared/data/entities/document.js';
import { backfillReports, report, reportFromDocuments, reportWithCost } from '#shared/usecases/reporting.js';
import { ensureTable, localClients, type DynamoDbLocal } from '../scripts/local/dynamodb.js';
import { writeAll } from './dynamodb.js';
import { ulidOf } from './workload.js';

/*
 * Reports before and after the aggregates, at 1,000, 10,000 and 100,000 documents in one
 * account (a year of invoices over 2 currencies, 20 clients and 5 creators): the revenue
 * report of the year, scope all, as the Owner asks it, and scope own, as an Employee asks
 * it. "Before" folds every document of the period (reportFromDocuments, the path that
 * served reports until the aggregates); "after" reads the aggregates (report). The
 * aggregates are built by backfillReports, the same applyDocumentChanges the stream
 * consumer runs; the answers of both paths are compared before any timing.
 */
export interface ReportRow {
  documents: number;
  scope: 'all' | 'own';
  before: { medianMs: number; items: number; rcu: number };
  after: { medianMs: number; items: number; rcu: number };
  backfillSeconds: number;
}

const CREATORS = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5'];
const principal = (accountId: string, role: 'owner' | 'employee', userId: string): Principal => ({
  userId,
  organizationId: 'org_BENCH',
  accountId,
  role,
  via: 'member',
  permissions: BUILT_IN_PERMISSIONS[role],
});

function documents(accountId: string, n: number): Document[] {
  return Array.from({ length: n }, (_, i) => {
    const net = 1_000 + ((i * 7919) % 100_000);
    const paid = i % 3 === 0 ? net : 0;
    return {
      documentId: ulidOf('RD', i),
      kind: 'invoice',
      organizationId: 'org_BENCH',
      accountId,
      sequence: i + 1,
      number: `INV-${i + 1}`,
      status: paid ? 'paid' : 'issued',
      clientId: `cl-${i % 20}`,
      clientName: `Client ${i % 20}`,
      currency: i % 4 === 0 ? 'USD' : 'EUR',
      issueDate: `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      lines: [{ description: 'Consulting', quantity: 1, unitPrice: net, vatRate: 0, net, vat: 0, gross: net }],
      net,
      vat: 0,
      gross: net,
      paid,
      createdBy: CREATORS[i % CREATORS.length]!,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedBy: 'u-1',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 1,
    } satisfies Document;
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; last: T }> {
  const times: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    last = await f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { ms: median(times), last };
}

export async function measureReports(dynamo: DynamoDbLocal, sizes: readonly number[], log: (m: string) => void): Promise<ReportRow[]> {
  const { client, doc } = localClients(dynamo.endpoint);
  const table = 'bench-reports';
  await ensureTable(client, table);
  const store = { db: doc, table, now: () => new Date('2026-12-01T00:00:00Z') };
  const rows: ReportRow[] = [];
  const q = { from: '2026-01-01', to: '2026-12-31' };
  try {
    for (const n of sizes) {
      const accountId = `acc_BENCH_${n}`;
      log(`reports: writing ${n.toLocaleString('en-US')} documents`);
      await writeAll(doc, table, documents(accountId, n).map((d) => documentEntity.item(d)));
      const t = process.hrtime.bigint();
      await backfillReports(store, accountId);
      const backfillSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      log(`reports: aggregates of ${n.toLocaleString('en-US')} documents built in ${backfillSeconds.toFixed(1)} s`);
      for (const p of [principal(accountId, 'owner', 'u-owner'), principal(accountId, 'employee', 'u-2')]) {
        // Correctness first: both paths must give the same report.
        const { read: _a, ...after } = await report(store, p, 'revenue', q);
        const { read: _b, ...before } = (await reportFromDocuments(store, p, 'revenue', q)).report;
        if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`reports differ at ${n} documents (${p.role})`);
        const runs = n >= 100_000 ? 3 : 5;
        const b = await timed(runs, () => reportFromDocuments(store, p, 'revenue', q));
        const a = await timed(runs * 4, () => reportWithCost(store, p, 'revenue', q));
        rows.push({
          documents: n,
          scope: p.role === 'owner' ? 'all' : 'own',
          before: { medianMs: b.ms, items: b.last.report.read.items, rcu: b.last.capacityUnits },
          after: { medianMs: a.ms, items: a.last.report.read.items, rcu: a.last.capacityUnits },
          backfillSeconds,
        });
      }
    }
  } finally {
    client.destroy();
  }
  return rows;
}
