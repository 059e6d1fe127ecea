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
 * The function's low-level DynamoDB client: DynamoDB Local when DYNAMODB_ENDPOINT is set,
 * the Lambda's own configuration otherwise (the authorizer does not use it).
 */
export function sdkClient(): DynamoDBClient {
  const { DYNAMODB_ENDPOINT } = env();
  return new DynamoDBClient(DYNAMODB_ENDPOINT ? localEndpointConfig(DYNAMODB_ENDPOINT, process.env.AWS_REGION ?? 'local') : {});
}

/** The document client over `base`: attributes left undefined are simply not written. */
export const toDocumentClient = (base: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });

export function documentClient(): DynamoDBDocumentClient {
  client ??= toDocumentClient(sdkClient());
  return client;
}

export const tableName = (): string => env().TABLE_NAME;
