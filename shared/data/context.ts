import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';

/* What the administration use cases need from the outside world: the table and a clock. */
export interface Store {
  db: DynamoDBDocumentClient;
  table: string;
  now: () => Date;
}

export const defaultStore = (): Store => ({ db: documentClient(), table: tableName(), now: () => new Date() });
