import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localEndpointConfig } from '#shared/data/client.js';

/*
 * The local stand-in for a DynamoDB Streams -> Lambda event source mapping: it reads
 * DynamoDB Local's stream through the Streams API as the mapping does (describe the
 * stream, one iterator per shard from TRIM_HORIZON, GetRecords in batches, a child shard
 * only after its parent is drained), applies the mapping's filter, and calls the handler
 * with the same event. A function error bisects the batch; a partial batch response
 * retries from the failed record; after `retryAttempts` the records are reported to
 * `onFailure` (the mapping's on-failure destination) and skipped.
 *
 * `settled()` is what tests and benchmarks wait on instead of sleeping: it resolves after
 * a whole pass, begun after the call, found every shard at its end with nothing in
 * flight, so every write made before the call has been handed to the handler.
 */
export interface StreamPollerOptions {
  client: DynamoDBClient;
  endpoint: string;
  tableName: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  filter: (r: DynamoDBRecord) => boolean;
  batchSize: number;
  retryAttempts: number;
  /** Pause between passes that found nothing. */
  idleMs?: number;
  onFailure?: (failure: { records: DynamoDBRecord[]; error: unknown }) => void;
}

export interface StreamPoller {
  /** Resolves once every record written before the call has been handed to the handler. */
  settled(): Promise<void>;
  stop(): Promise<void>;
  readonly stats: { batches: number; records: number; failures: number };
}

interface ShardState {
  shard: Shard;
  iterator?: string | undefined;
  lastSequence?: string | undefined;
  done: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Streams API record as Lambda delivers it (ApproximateCreationDateTime in epoch seconds). */
function toLambdaRecord(r: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb;
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d?.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      Keys: d?.Keys as never,
      NewImage: d?.NewImage as never,
      OldImage: d?.OldImage as never,
      SequenceNumber: d?.SequenceNumber,
      SizeBytes: d?.SizeBytes,
      StreamViewType: d?.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const table = await options.client.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn || !table.Table?.StreamSpecification?.StreamEnabled) throw new Error(`table ${options.tableName} has no stream enabled`);
  const streams = new DynamoDBStreamsClient({ ...localEndpointConfig(options.endpoint, 'local'), maxAttempts: 3 });
  const shards = new Map<string, ShardState>();
  const stats = { batches: 0, records: 0, failures: 0 };
  let stopped = false;
  // Waiters of settled(): each needs one quiet pass that began after it asked.
  let waiting: Array<() => void> = [];
  const idleMs = options.idleMs ?? 25;

  async function refreshShards(): Promise<void> {
    let start: string | undefined;
    do {
      const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !shards.has(shard.ShardId)) shards.set(shard.ShardId, { shard, done: false });
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  /** Hands records to the handler as the mapping would: bisect on error, retry from a partial failure. */
  async function deliver(records: DynamoDBRecord[], attempt = 0): Promise<void> {
    if (records.length === 0) return;
    stats.batches++;
    let response: DynamoDBBatchResponse | void;
    try {
      response = await options.handler({ Records: records });
    } catch (error) {
      stats.failures++;
      if (records.length > 1) {
        const half = Math.ceil(records.length / 2);
        await deliver(records.slice(0, half), attempt + 1);
        await deliver(records.slice(half), attempt + 1);
        return;
      }
      if (attempt >= options.retryAttempts) return options.onFailure?.({ records, error });
      await sleep(Math.min(1000, 10 * 2 ** attempt));
      return deliver(records, attempt + 1);
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) {
      stats.records += records.length;
      return;
    }
    stats.failures++;
    const failedAt = records.findIndex((r) => failures.some((f) => f.itemIdentifier === r.dynamodb?.SequenceNumber));
    const from = failedAt < 0 ? 0 : failedAt;
    stats.records += from;
    if (attempt >= options.retryAttempts) return options.onFailure?.({ records: records.slice(from), error: 'batch item failure' });
    await sleep(Math.min(1000, 10 * 2 ** attempt));
    return deliver(records.slice(from), attempt + 1);
  }

  /** One GetRecords on a shard; true when it returned records. */
  async function pollShard(s: ShardState): Promise<boolean> {
    if (!s.iterator) {
      const out = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: s.shard.ShardId,
          ...(s.lastSequence ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: s.lastSequence } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      s.iterator = out.ShardIterator;
    }
    let out;
    try {
      out = await streams.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: options.batchSize }));
    } catch (e) {
      // Iterators expire after 15 minutes: take a new one after the last record handled.
      if ((e as Error).name === 'ExpiredIteratorException') {
        s.iterator = undefined;
        return true;
      }
      throw e;
    }
    const records = (out.Records ?? []).map((r) => toLambdaRecord(r, streamArn!));
    if (records.length) s.lastSequence = records[records.length - 1]!.dynamodb?.SequenceNumber;
    await deliver(records.filter(options.filter));
    s.iterator = out.NextShardIterator;
    // A closed shard has no next iterator once drained; its children may start.
    if (!s.iterator) s.done = true;
    return records.length > 0;
  }

  const parentDone = (s: ShardState) => {
    const parent = s.shard.ParentShardId && shards.get(s.shard.ParentShardId);
    return !parent || parent.done;
  };

  async function loop(): Promise<void> {
    let passes = 0;
    while (!stopped) {
      const settling = waiting;
      waiting = [];
      // Shards appear as DynamoDB rolls them: look again before a pass someone waits on.
      if (settling.length || passes % 40 === 0) await refreshShards();
      passes++;
      let busy = false;
      for (const s of shards.values()) {
        if (s.done || !parentDone(s)) continue;
        if (await pollShard(s)) busy = true;
      }
      if (busy) {
        // Not quiet yet: whoever waited needs another pass.
        waiting.push(...settling);
        continue;
      }
      for (const resolve of settling) resolve();
      if (!waiting.length) await sleep(idleMs);
    }
  }

  let failure: unknown;
  const running = loop().catch((e: unknown) => {
    failure = e;
    for (const resolve of waiting) resolve();
  });

  return {
    stats,
    settled: () =>
      stopped || failure
        ? Promise.reject(new Error(`the stream poller is not running${failure ? `: ${String(failure)}` : ''}`))
        : new Promise<void>((resolve) => waiting.push(resolve)).then(() => {
            if (failure) throw new Error(`the stream poller failed: ${String(failure)}`);
          }),
    stop: async () => {
      stopped = true;
      await running;
      streams.destroy();
    },
  };
}
