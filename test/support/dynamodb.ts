import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClients } from '../../scripts/local/dynamodb.js';

/** The shared DynamoDB Local of the run, as a document client. */
export function localDb(): DynamoDBDocumentClient {
  return localClients(inject('dynamodbEndpoint')).doc;
}

/** A fresh, empty table with the real table definition, on the shared DynamoDB Local. */
export async function createTestTable(): Promise<{ db: DynamoDBDocumentClient; table: string }> {
  const { client, doc } = localClients(inject('dynamodbEndpoint'));
  const table = `it-${randomUUID()}`;
  await ensureTable(client, table);
  return { db: doc, table };
}
