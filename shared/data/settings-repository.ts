import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StaleVersion } from '../domain/errors.js';
import { invoicingKeys } from './keys.js';
import { settingsItem, type SettingsItem } from './items.js';
import { isConditionalCheckFailed } from './conditions.js';

/*
 * Settings sections of an account (business, payment-methods, other): one item each beside
 * the account item. A section never written reads as its defaults at version 0; a change
 * names the version it was based on (0 = "never written": attribute_not_exists).
 */
export interface SettingsStore {
  db: DynamoDBDocumentClient;
  table: string;
}

// Pattern "one settings section": GetItem.
export async function getSettings({ db, table }: SettingsStore, accountId: string, section: string, consistent = false): Promise<SettingsItem | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: invoicingKeys.settings(accountId, section), ConsistentRead: consistent }));
  return out.Item as SettingsItem | undefined;
}

export async function putSettings(
  store: SettingsStore,
  input: { accountId: string; section: string; data: Record<string, unknown>; updatedBy: string; updatedAt: string },
  expectedVersion: number,
): Promise<SettingsItem> {
  const item = settingsItem({ ...input, version: expectedVersion + 1 });
  try {
    await store.db.send(
      new PutCommand({
        TableName: store.table,
        Item: item,
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#version = :version',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':version': expectedVersion },
            }),
      }),
    );
  } catch (e) {
    if (!isConditionalCheckFailed(e)) throw e;
    const now = await getSettings(store, input.accountId, input.section, true);
    throw new StaleVersion(`version ${expectedVersion} is stale; the settings are at version ${now?.version ?? 0}`, {
      extensions: { currentVersion: now?.version ?? 0 },
    });
  }
  return item;
}
