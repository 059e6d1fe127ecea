import * as z from 'zod/mini';
import { DOCUMENT_KINDS } from '../../domain/invoicing/documents.js';
import type { ReportName } from '../../domain/invoicing/reports.js';
import type { Store } from '../context.js';
import { batchGetItems, getItem, TransientConflict, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryEach } from '../paginator.js';

/*
 * Report aggregates: what reports read instead of documents, so a report costs
 * months x currencies (x clients) items whatever the number of documents. They are
 * maintained from the table's stream (functions/report-aggregator), never by the API's
 * own writes: a document write stays one item (or the numbering transaction) and the
 * aggregates follow within the stream's lag (docs/data-model.md, "Report aggregates").
 *
 *   table  pk ACCOUNT#<acc>#REPORTS#CONTRIB                              sk <kind>#<docId>                 what one document adds now
 *   table  pk ACCOUNT#<acc>#REPORT#<report>#<scope>#<grain>#CUR           sk <period>#<currency>            sums per period and currency
 *   table  pk ACCOUNT#<acc>#REPORT#<report>#<scope>#<grain>#CLIENT        sk <period>#<currency>#<client>   sums per period, currency and client
 *
 * scope: ALL (reports.view.all) or CREATOR#<user> (reports.view.own: an Employee's report
 * is made of her own documents only). grain: M (period YYYY-MM) for whole months, D
 * (YYYY-MM-DD) for the days of a month a period only partly covers.
 *
 * Idempotence and replay: the contribution item records the document version it reflects.
 * A change moves the contribution from what is stored to what the new image adds
 * (conditioned on the stored version being the one read) in the SAME transaction as the
 * buckets' ADD of the difference. A stream record whose version is not newer than the
 * stored one is skipped, so a redelivered batch, a bisected retry or a backfill racing the
 * stream adds nothing twice; the difference is taken against what is stored, not against
 * the record's old image, so even a lost record is repaired by the document's next change.
 */
export const AGGREGATE_REPORTS = ['revenue', 'outstanding', 'expenses'] as const satisfies readonly ReportName[];
export type Grain = 'month' | 'day';
export type Dimension = 'currency' | 'client';

const amountsSchema = z.object({
  count: z.number(),
  net: z.number(),
  vat: z.number(),
  gross: z.number(),
  paid: z.number(),
  outstanding: z.number(),
});
export type AggregateAmounts = z.infer<typeof amountsSchema>;

export const contributionSchema = z.object({
  accountId: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  documentId: z.string(),
  /** The document version this contribution reflects; a deleted document's is its last version + 1. */
  version: z.number(),
  createdBy: z.string(),
  currency: z.string(),
  issueDate: z.string(),
  clientId: z.optional(z.string()),
  clientName: z.optional(z.string()),
  /** What the document adds to each report it counts in (absent: it does not count). */
  reports: z.object({
    revenue: z.optional(amountsSchema),
    outstanding: z.optional(amountsSchema),
    expenses: z.optional(amountsSchema),
  }),
});
export type Contribution = z.infer<typeof contributionSchema>;

export const bucketSchema = z.object({
  accountId: z.string(),
  report: z.enum(AGGREGATE_REPORTS),
  /** Absent: the whole account; a user id: the documents that user created. */
  creator: z.optional(z.string()),
  grain: z.enum(['month', 'day']),
  dim: z.enum(['currency', 'client']),
  period: z.string(),
  currency: z.string(),
  /** Client dimension only; null for documents without a client. */
  clientId: z.optional(z.nullable(z.string())),
  clientName: z.optional(z.nullable(z.string())),
  ...amountsSchema.shape,
});
export type Bucket = z.infer<typeof bucketSchema>;

const GRAIN_SEGMENT: Record<Grain, string> = { month: 'M', day: 'D' };
const DIM_SEGMENT: Record<Dimension, string> = { currency: 'CUR', client: 'CLIENT' };
const scopeSegment = (creator: string | undefined) => (creator === undefined ? 'ALL' : `CREATOR#${seg(creator)}`);
const clientSegment = (clientId: string | null | undefined) => (clientId ? `C=${seg(clientId)}` : 'NONE');

export const aggregateKeys = {
  contribution: (accountId: string, kind: string, documentId: string) => ({
    pk: `ACCOUNT#${seg(accountId)}#REPORTS#CONTRIB`,
    sk: `${kind}#${seg(documentId)}`,
  }),
  /** A bucket partition: one report, one scope (undefined creator: the whole account), one grain, one dimension. */
  partition: (accountId: string, report: ReportName, creator: string | undefined, grain: Grain, dim: Dimension) =>
    `ACCOUNT#${seg(accountId)}#REPORT#${report}#${scopeSegment(creator)}#${GRAIN_SEGMENT[grain]}#${DIM_SEGMENT[dim]}`,
  sort: (period: string, currency: string, dim: Dimension, clientId?: string | null) =>
    dim === 'currency' ? `${period}#${currency}` : `${period}#${currency}#${clientSegment(clientId)}`,
  /** Sort-key bounds of every bucket whose period lies in [first, last] (both of the partition's grain). */
  periodRange: (first: string, last: string) => [first, `${last}#~`] as const,
};

export const contributionEntity = defineEntity({
  type: 'report-contribution',
  schema: contributionSchema,
  key: (c) => aggregateKeys.contribution(c.accountId, c.kind, c.documentId),
});

export interface BucketCoordinates {
  accountId: string;
  report: ReportName;
  creator?: string | undefined;
  grain: Grain;
  dim: Dimension;
  period: string;
  currency: string;
  clientId?: string | null | undefined;
}

export const bucketKey = (c: BucketCoordinates) => ({
  pk: aggregateKeys.partition(c.accountId, c.report, c.creator, c.grain, c.dim),
  sk: aggregateKeys.sort(c.period, c.currency, c.dim, c.clientId),
});

/** Written whole only by backfills and the benchmark's seeding; the stream consumer moves buckets with ADD. */
export const bucketEntity = defineEntity({ type: 'report-bucket', schema: bucketSchema, key: bucketKey });

// Pattern "a document's contribution": GetItem, strongly consistent (the change is decided on it).
export const getContribution = async (store: Store, accountId: string, kind: string, documentId: string): Promise<Contribution | undefined> =>
  parseOptional(contributionEntity, await getItem(store, aggregateKeys.contribution(accountId, kind, documentId), true));

// Pattern "the contributions of a batch of documents": BatchGetItem, strongly consistent.
export const getContributions = async (store: Store, keys: ReadonlyArray<{ accountId: string; kind: string; documentId: string }>): Promise<Contribution[]> =>
  (await batchGetItems(store, keys.map((k) => aggregateKeys.contribution(k.accountId, k.kind, k.documentId)), true)).map(contributionEntity.parse);

interface Delta {
  coordinates: BucketCoordinates;
  amounts: AggregateAmounts;
  clientName?: string | null | undefined;
}

/** Every bucket a contribution adds to, with its amounts multiplied by `sign`. */
export function bucketsOf(c: Contribution, sign: 1 | -1): Delta[] {
  const out: Delta[] = [];
  for (const report of AGGREGATE_REPORTS) {
    const a = c.reports[report];
    if (!a) continue;
    const amounts = {
      count: sign * a.count,
      net: sign * a.net,
      vat: sign * a.vat,
      gross: sign * a.gross,
      paid: sign * a.paid,
      outstanding: sign * a.outstanding,
    };
    for (const creator of [undefined, c.createdBy]) {
      for (const [grain, period] of [['month', c.issueDate.slice(0, 7)], ['day', c.issueDate]] as const) {
        const base = { accountId: c.accountId, report, grain, period, currency: c.currency, ...(creator === undefined ? {} : { creator }) };
        out.push({ coordinates: { ...base, dim: 'currency' }, amounts });
        out.push({ coordinates: { ...base, dim: 'client', clientId: c.clientId ?? null }, amounts, clientName: c.clientName ?? null });
      }
    }
  }
  return out;
}

const isZero = (a: AggregateAmounts) => a.count === 0 && a.net === 0 && a.vat === 0 && a.gross === 0 && a.paid === 0 && a.outstanding === 0;

/** One document's move: from what its contribution item holds (undefined: none) to what it adds now. */
export interface ContributionMove {
  stored: Contribution | undefined;
  next: Contribution;
}

/** TransactWriteItems' limit on items per transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * The transactions that apply `moves`: each holds some documents' contribution items,
 * every one conditioned on still being what was read, and ONE net ADD per bucket those
 * documents change. Documents are packed in order while their contribution items and the
 * distinct buckets they touch fit in one transaction (a transaction may not touch an item
 * twice, so shared buckets are merged). Buckets are hot (every document of an account,
 * month and currency adds to the same ones): one consumer writes them in few transactions
 * that do not race each other, where one transaction per document would conflict and cost
 * the buckets' writes once per document.
 */
export function contributionTransactions(store: Store, moves: readonly ContributionMove[]): Array<{ moves: ContributionMove[]; steps: TxStep[] }> {
  const out: Array<{ moves: ContributionMove[]; steps: TxStep[] }> = [];
  let current: { moves: ContributionMove[]; buckets: Map<string, Delta> } = { moves: [], buckets: new Map() };
  const flush = () => {
    if (current.moves.length) out.push({ moves: current.moves, steps: stepsOf(store, current.moves, current.buckets) });
    current = { moves: [], buckets: new Map() };
  };
  for (const move of moves) {
    const deltas = [...(move.stored ? bucketsOf(move.stored, -1) : []), ...bucketsOf(move.next, 1)];
    const fresh = new Set(deltas.map((d) => bucketId(d.coordinates)).filter((id) => !current.buckets.has(id)));
    if (current.moves.length + 1 + current.buckets.size + fresh.size > MAX_TRANSACTION_ITEMS) flush();
    current.moves.push(move);
    for (const d of deltas) mergeDelta(current.buckets, d);
  }
  flush();
  return out;
}

const bucketId = (c: BucketCoordinates) => {
  const key = bucketKey(c);
  return `${key.pk}|${key.sk}`;
};

function mergeDelta(into: Map<string, Delta>, d: Delta): void {
  const id = bucketId(d.coordinates);
  const seen = into.get(id);
  if (!seen) {
    into.set(id, { ...d, amounts: { ...d.amounts } });
    return;
  }
  for (const f of Object.keys(seen.amounts) as (keyof AggregateAmounts)[]) seen.amounts[f] += d.amounts[f];
  // The name the latest added document gives the client wins.
  if (d.clientName !== undefined && d.amounts.count > 0) seen.clientName = d.clientName;
}

function stepsOf(store: Store, moves: readonly ContributionMove[], buckets: Map<string, Delta>): TxStep[] {
  const steps: TxStep[] = moves.map(({ stored, next }) => ({
    item: {
      Put: {
        TableName: store.table,
        Item: contributionEntity.item(next),
        ...(stored
          ? { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': stored.version } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    },
    // Another consumer (a backfill, a replay) moved it first: decide again on what is there now.
    onConditionFailed: () => new TransientConflict('the contribution moved'),
  }));
  for (const d of buckets.values()) {
    if (isZero(d.amounts)) continue;
    const c = d.coordinates;
    const names: Record<string, string> = { '#count': 'count', '#report': 'report', '#type': 'type', '#grain': 'grain', '#dim': 'dim' };
    const values: Record<string, unknown> = {
      ':count': d.amounts.count,
      ':net': d.amounts.net,
      ':vat': d.amounts.vat,
      ':gross': d.amounts.gross,
      ':paid': d.amounts.paid,
      ':outstanding': d.amounts.outstanding,
      ':acc': c.accountId,
      ':report': c.report,
      ':period': c.period,
      ':currency': c.currency,
      ':type': bucketEntity.type,
      ':grain': c.grain,
      ':dim': c.dim,
    };
    let set = 'accountId = :acc, #report = :report, #grain = :grain, #dim = :dim, period = :period, currency = :currency, #type = :type';
    if (c.creator !== undefined) {
      values[':creator'] = c.creator;
      set += ', creator = :creator';
    }
    if (c.dim === 'client') {
      values[':clientId'] = c.clientId ?? null;
      set += ', clientId = :clientId';
      if (d.amounts.count > 0 || d.clientName !== undefined) {
        values[':clientName'] = d.clientName ?? null;
        // Only an added document names the client; a removal keeps the name (if_not_exists).
        set += d.amounts.count > 0 ? ', clientName = :clientName' : ', clientName = if_not_exists(clientName, :clientName)';
      }
    }
    steps.push({
      item: {
        Update: {
          TableName: store.table,
          Key: bucketKey(c),
          UpdateExpression: `ADD #count :count, net :net, vat :vat, gross :gross, paid :paid, outstanding :outstanding SET ${set}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    });
  }
  return steps;
}

export interface BucketQuery {
  accountId: string;
  report: ReportName;
  /** undefined: the whole account (scope all); a user id: that creator's documents only. */
  creator: string | undefined;
  grain: Grain;
  dim: Dimension;
  /** First and last period, of the grain's form (YYYY-MM or YYYY-MM-DD). */
  first: string;
  last: string;
}

// Pattern "buckets of a report in a period": Query one bucket partition over a sort-key range of periods.
export const forEachBucket = (store: Store, q: BucketQuery, visit: (b: Bucket) => void): Promise<{ itemsRead: number; capacityUnits: number }> =>
  queryEach(
    store,
    { partition: aggregateKeys.partition(q.accountId, q.report, q.creator, q.grain, q.dim), sort: { between: aggregateKeys.periodRange(q.first, q.last) } },
    (raw) => visit(bucketEntity.parse(raw)),
  );
