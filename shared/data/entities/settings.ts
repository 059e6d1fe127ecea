import * as z from 'zod/mini';
import { StaleVersion } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, putItem } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';

/*
 * One settings section of an account (business, payment-methods, other), beside the account
 * item. A section never written reads as its defaults at version 0, so a change always
 * names the version it was based on (0 = "never written": attribute_not_exists). What a
 * section holds is validated by its contract before it is written; here it is opaque data.
 *
 *   table  pk ACCOUNT#<acc>    sk SETTINGS#<section>
 */
export const settingsSchema = z.object({
  accountId: z.string(),
  section: z.string(),
  data: z.record(z.string(), z.unknown()),
  updatedBy: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type Settings = z.infer<typeof settingsSchema>;

const settingsKey = (accountId: string, section: string) => ({ pk: `ACCOUNT#${seg(accountId)}`, sk: `SETTINGS#${section}` });

export const settingsEntity = defineEntity({
  type: 'settings',
  schema: settingsSchema,
  key: (s) => settingsKey(s.accountId, s.section),
});

// Pattern "one settings section": GetItem on its key in the principal's account.
export const getSettings = async (store: Store, accountId: string, section: string, consistent = false): Promise<Settings | undefined> =>
  parseOptional(settingsEntity, await getItem(store, settingsKey(accountId, section), consistent));

// Pattern "write a settings section": Put guarded by the version read (attribute_not_exists at version 0); writes version + 1.
export async function putSettings(store: Store, settings: Omit<Settings, 'version'>, expectedVersion: number): Promise<Settings> {
  const written: Settings = { ...settings, version: expectedVersion + 1 };
  await putItem(
    store,
    settingsEntity.item(written),
    expectedVersion === 0
      ? { expression: 'attribute_not_exists(pk)' }
      : { expression: '#version = :version', names: { '#version': 'version' }, values: { ':version': expectedVersion } },
    (now) => {
      const version = now ? settingsEntity.parse(now).version : 0;
      return new StaleVersion(`version ${expectedVersion} is stale; the settings are at version ${version}`, { extensions: { currentVersion: version } });
    },
  );
  return written;
}
