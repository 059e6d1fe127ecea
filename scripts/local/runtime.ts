import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { AGGREGATOR_SOURCE, DOCUMENT_TYPE, REPORT_AGGREGATOR_ENTRY, isDocumentRecord } from '#functions/report-aggregator/source.js';
import { FUNCTIONS, type FunctionName } from '#shared/http/routes.js';
import { DEMO_USERS, demoItems } from './demo.js';
import { ensureTable, localClients, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.js';
import { createGateway, type AuthorizerHandler, type GatewayOptions, type ProxyHandler } from './gateway.js';
import { createIssuer, loadSigningKey, type LocalIssuer } from './issuer.js';
import { loadLocalSecretKey } from './secret-key.js';
import { startStreamPoller, type StreamPoller } from './streams.js';
import { startAllegroTimer, type AllegroTimer } from './allegro-timer.js';

/*
 * The whole API on one machine: DynamoDB Local (or any DynamoDB at an endpoint), the table,
 * the demo organization, the local issuer, and the API Gateway emulation in front of the
 * real authorizer and handlers. `npm start` and the test suite's global setup both use it.
 */
export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const DEFAULT_TABLE_NAME = 'kontor-local';
/** Local only: waits until the stream poller has handed every earlier write to the aggregator (204). */
export const STREAMS_SETTLE_PATH = '/_local/streams/settle';
/**
 * Local only: the demo users with fresh tokens, for the access explorer's sign-in. Answered
 * to loopback callers only (HOST=0.0.0.0 must not hand tokens to the network); no route of
 * the table, so a deployed API has nothing like it.
 */
export const DEMO_TOKENS_PATH = '/_local/demo-tokens';

const isLoopback = (address: string | undefined): boolean =>
  address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';

export interface RuntimeOptions {
  /** 0 for any free port. */
  port: number;
  host?: string;
  /** Where DynamoDB Local keeps its data; undefined keeps it in memory. */
  dataDir?: string | undefined;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string | undefined;
  /** The issuer's signing key file; undefined makes a key in memory. */
  keyFile?: string | undefined;
  tableName?: string;
  cacheTtlSeconds: number;
  /** Start from an empty table (the signing key is kept). */
  reset?: boolean;
  /** Run the Allegro poller this often, as the stack's EventBridge rule does; off when absent or 0. */
  allegroPollSeconds?: number | undefined;
  log?: (line: Record<string, unknown>) => void;
  /** Every authorization the gateway makes, timed (bench/load.ts). */
  onAuthorization?: GatewayOptions['onAuthorization'];
}

export interface Runtime {
  url: string;
  port: number;
  dynamodbEndpoint: string;
  tableName: string;
  issuer: LocalIssuer;
  seeded: number;
  /** Resolves once every write made before the call has reached the report aggregates. */
  streamsSettled(): Promise<void>;
  stop(): Promise<void>;
}

/** Puts every demo item that is not there yet: a restart never overwrites what users changed. */
export async function seedDemo(doc: ReturnType<typeof localClients>['doc'], tableName: string): Promise<number> {
  let written = 0;
  await Promise.all(
    demoItems().map(async (item) => {
      try {
        await doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
        written++;
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      }
    }),
  );
  return written;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  let dynamo: DynamoDbLocal | undefined;
  if (!options.dynamodbEndpoint) {
    if (options.reset && options.dataDir) rmSync(options.dataDir, { recursive: true, force: true });
    dynamo = await startDynamoDbLocal({ dataDir: options.dataDir });
  }
  const endpoint = options.dynamodbEndpoint ?? dynamo!.endpoint;
  const { client, doc } = localClients(endpoint);
  let server: Server | undefined;
  let poller: StreamPoller | undefined;
  let allegro: AllegroTimer | undefined;
  try {
    if (options.reset && options.dynamodbEndpoint) {
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch((e: Error) => {
        if (e.name !== 'ResourceNotFoundException') throw e;
      });
    }
    let backfill = false;
    await ensureTable(client, tableName, () => (backfill = true));
    const seeded = await seedDemo(doc, tableName);
    const issuer = await createIssuer(await loadSigningKey(options.keyFile));

    server = createGateway({
      cacheTtlSeconds: options.cacheTtlSeconds,
      log: options.log,
      onAuthorization: options.onAuthorization,
      extra: (method, path, res, req) => {
        if (method === 'POST' && path === STREAMS_SETTLE_PATH) {
          void poller!.settled().then(
            () => res.writeHead(204).end(),
            (e: Error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(e.message),
          );
          return true;
        }
        if (method === 'GET' && path === DEMO_TOKENS_PATH) {
          if (!isLoopback(req.socket.remoteAddress)) {
            res.writeHead(404, { 'content-type': 'application/problem+json' });
            res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'demo tokens are given to loopback callers only' }));
            return true;
          }
          void Promise.all(
            DEMO_USERS.map(async (u) => ({ email: u.email, name: u.name, role: u.role, accountId: u.accountId, token: await issuer.sign({ sub: u.userId, email: u.email, name: u.name }) })),
          ).then(
            (users) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ users })),
            (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(e.message),
          );
          return true;
        }
        if (method !== 'GET' || path !== '/.well-known/jwks.json') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(issuer.jwks));
        return true;
      },
      authorizer: () => loadHandler<AuthorizerHandler>('functions/authorizer/handler.ts'),
      webhookAuthorizer: () => loadHandler<AuthorizerHandler>('functions/webhook-authorizer/handler.ts'),
      handler: (fn: FunctionName) => loadHandler<ProxyHandler>(FUNCTIONS[fn].entry),
    });
    const port = await new Promise<number>((resolvePort, reject) => {
      server!.once('error', reject);
      server!.listen(options.port, options.host ?? '127.0.0.1', () => resolvePort((server!.address() as AddressInfo).port));
    });
    const url = `http://localhost:${port}`;

    // The handlers read their configuration from the environment, as in Lambda. Set before
    // the first handler module loads (they load on first request).
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: endpoint,
      JWT_ISSUER: issuer.issuer,
      JWT_AUDIENCE: issuer.audience,
      JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AWS_REGION: process.env.AWS_REGION ?? 'local',
      // Webhook URLs the integrations answer point at this runtime.
      PUBLIC_API_URL: url,
      // The local key that seals integration secrets (KMS in AWS): kept beside the signing
      // key, so secrets stored in a local data dir open again after a restart.
      KONTOR_SECRET_KEY: process.env.KONTOR_SECRET_KEY ?? loadLocalSecretKey(options.keyFile && join(dirname(options.keyFile), 'integration-secrets.key')),
    });

    // The table's stream -> the report aggregator, as the deployed event source mapping does.
    const aggregate = (event: DynamoDBStreamEvent) => loadHandler<(e: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>>(REPORT_AGGREGATOR_ENTRY).then((h) => h(event));
    poller = await startStreamPoller({
      client,
      endpoint,
      tableName,
      handler: aggregate,
      filter: isDocumentRecord,
      batchSize: AGGREGATOR_SOURCE.batchSize,
      retryAttempts: AGGREGATOR_SOURCE.retryAttempts,
      onFailure: ({ records, error }) =>
        options.log?.({ level: 'ERROR', message: 'report aggregator gave up on records', records: records.map((r) => r.dynamodb?.SequenceNumber), error: String(error) }),
    });
    // Documents written before the table had a stream are in no aggregate yet: hand each to
    // the aggregator once as a fresh write (idempotent: the stream's own records are stale after it).
    if (backfill) await backfillDocuments(doc, tableName, aggregate);
    if (options.allegroPollSeconds) {
      allegro = startAllegroTimer({ intervalMs: options.allegroPollSeconds * 1000, load: (entry) => loadHandler(entry), log: options.log });
    }

    return {
      url,
      port,
      dynamodbEndpoint: endpoint,
      tableName,
      issuer,
      seeded,
      streamsSettled: () => poller!.settled(),
      stop: async () => {
        await allegro?.stop();
        await poller?.stop();
        await new Promise<void>((r) => {
          server!.closeAllConnections();
          server!.close(() => r());
        });
        client.destroy();
        await dynamo?.stop();
      },
    };
  } catch (e) {
    await allegro?.stop();
    await poller?.stop();
    server?.close();
    client.destroy();
    await dynamo?.stop();
    throw e;
  }
}

/** Every document of the table, as INSERT records to the aggregator (a local table's one-time backfill). */
async function backfillDocuments(
  doc: ReturnType<typeof localClients>['doc'],
  tableName: string,
  aggregate: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
): Promise<void> {
  const { marshall } = await import('@aws-sdk/util-dynamodb');
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, FilterExpression: '#type = :doc', ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':doc': DOCUMENT_TYPE }, ExclusiveStartKey: start }),
    );
    const records = (page.Items ?? []).map((item, i) => ({
      eventName: 'INSERT' as const,
      dynamodb: { Keys: marshall({ pk: item.pk, sk: item.sk }) as never, NewImage: marshall(item, { removeUndefinedValues: true }) as never, SequenceNumber: String(i) },
    }));
    const failed = records.length ? (await aggregate({ Records: records })).batchItemFailures : [];
    if (failed.length) throw new Error(`the report backfill failed on ${failed.length} document(s); see the log`);
    start = page.LastEvaluatedKey;
  } while (start);
}

const loaded = new Map<string, Promise<unknown>>();
/** Imports a Lambda entry once, as a warm container would keep it. */
function loadHandler<T>(entry: string): Promise<T> {
  let p = loaded.get(entry);
  if (!p) {
    p = import(pathToFileURL(join(ROOT, entry)).href).then((m: { handler?: unknown }) => {
      if (typeof m.handler !== 'function') throw new Error(`${entry} exports no handler`);
      return m.handler;
    });
    // A failed import is retried on the next request (e.g. after fixing a syntax error).
    p.catch(() => loaded.delete(entry));
    loaded.set(entry, p);
  }
  return p as Promise<T>;
}
