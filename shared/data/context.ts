import type { DynamoDb } from './dynamo.js';
import { documentClient, tableName } from './client.js';

/* What the administration use cases need from the outside world: the table and a clock. */
export interface Store {
  /** The SDK's document client, or another transport (shared/data/dynamo.ts). */
  db: DynamoDb;
  table: string;
  now: () => Date;
}

export const defaultStore = (): Store => ({ db: documentClient(), table: tableName(), now: () => new Date() });
