import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { envReader, tableEnvSchema } from '../config/env.js';
import { useSdkCommands } from './dynamo.js';

// The gateway (./dynamo.ts) sends through a document client with these; it imports no SDK
// code itself, so that the authorizer, which talks to DynamoDB through
// ./signed-transport.ts and never imports this module, does not carry the SDK.
useSdkCommands({
  GetItem: GetCommand,
  BatchGetItem: BatchGetCommand,
  PutItem: PutCommand,
  UpdateItem: UpdateCommand,
  DeleteItem: DeleteCommand,
  TransactWriteItems: TransactWriteCommand,
  Query: QueryCommand,
});

/* One DynamoDB document client per container, shared by every repository. */
const env = envReader(tableEnvSchema);
let client: DynamoDBDocumentClient | undefined;

/** DynamoDB Local at `endpoint`: it accepts any credentials; never fall back to a developer's real ones. */
export const localEndpointConfig = (endpoint: string, region: string): DynamoDBClientConfig => ({
  endpoint,
  region,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/**
 * Bounds on one DynamoDB call, so that a DynamoDB that accepts a connection and never answers
 * cannot hold a request until the Lambda's timeout (10 s) kills it without an answer: each
 * attempt gives up after REQUEST_TIMEOUT_MS (1 s to connect), and the SDK makes at most
 * MAX_ATTEMPTS of them, so the call fails — mapped to a 503 with Retry-After by the one error
 * mapper — within CALL_BOUND_MS. The SDK's own defaults have no request timeout at all.
 */
export const DYNAMODB_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 3000, maxAttempts: 2 } as const;
// Without throwOnRequestTimeout the handler only logs a warning when requestTimeout passes
// and keeps waiting: the call would still hang to the Lambda's timeout.
/** attempts × request timeout, plus the standard retry strategy's backoff between them (well under 1 s for one retry). */
export const CALL_BOUND_MS = DYNAMODB_TIMEOUTS.maxAttempts * DYNAMODB_TIMEOUTS.requestTimeout + 1000;

/**
 * The function's low-level DynamoDB client: DynamoDB Local when DYNAMODB_ENDPOINT is set,
 * the Lambda's own configuration otherwise (the authorizer does not use it).
 */
export function sdkClient(): DynamoDBClient {
  const { DYNAMODB_ENDPOINT } = env();
  const { connectionTimeout, requestTimeout, maxAttempts } = DYNAMODB_TIMEOUTS;
  return new DynamoDBClient({
    ...(DYNAMODB_ENDPOINT ? localEndpointConfig(DYNAMODB_ENDPOINT, process.env.AWS_REGION ?? 'local') : {}),
    maxAttempts,
    requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
  });
}

/** The document client over `base`: attributes left undefined are simply not written. */
export const toDocumentClient = (base: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });

export function documentClient(): DynamoDBDocumentClient {
  client ??= toDocumentClient(sdkClient());
  return client;
}

export const tableName = (): string => env().TABLE_NAME;
