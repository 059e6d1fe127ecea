import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { envReader, tableEnvSchema } from '../config/env.js';
import { instrumentSdkClient } from '../observability/sdk-clients.js';

/* One DynamoDB document client per container, shared by every repository. */
const env = envReader(tableEnvSchema);
let client: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  if (client) return client;
  const { DYNAMODB_ENDPOINT } = env();
  // Traced where the function installed a tracer (the API functions); the authorizer does not.
  const base = instrumentSdkClient(
    new DynamoDBClient(
      DYNAMODB_ENDPOINT
        ? {
            endpoint: DYNAMODB_ENDPOINT,
            region: process.env.AWS_REGION ?? 'local',
            // DynamoDB Local accepts any credentials; never fall back to a developer's real ones.
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {},
    ),
  );
  client = DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return client;
}

export const tableName = (): string => env().TABLE_NAME;
