import type * as z from 'zod';
import type { Principal } from '../authz/engine.js';
import { SETTINGS_DEFAULTS, SETTINGS_SCHEMAS, type settingsPatchSchemas, type SettingsSection } from '../contracts/invoicing.js';
import type { Store } from '../data/context.js';
import { getSettings, putSettings, type Settings } from '../data/entities/settings.js';
import { StaleVersion } from '../domain/errors.js';
import { parse } from '../http/api.js';

/*
 * Settings (SPEC 1): business information, payment methods and other settings. Everyone
 * with settings.view reads; each section has its own edit permission (Owner and Manager
 * hold all three; Accountant none, SPEC 1.4), the route's permission. A change is a
 * partial patch on the version it was read at (0 = never written); a stale version is a
 * 409, never a lost update.
 */
export type SettingsPatch = z.infer<(typeof settingsPatchSchemas)[SettingsSection]>;

/** The section as stored, or undefined when it was never written (its defaults apply). */
export const read = (store: Store, p: Principal, section: SettingsSection): Promise<Settings | undefined> =>
  getSettings(store, p.accountId, section);

export async function update(store: Store, p: Principal, section: SettingsSection, input: SettingsPatch): Promise<Settings> {
  const { version, ...patch } = input;
  const current = await getSettings(store, p.accountId, section, true);
  const currentVersion = current?.version ?? 0;
  if (currentVersion !== version) {
    throw new StaleVersion(`version ${version} is stale; the settings are at version ${currentVersion}`, { extensions: { currentVersion } });
  }
  // The merged whole is validated again, so a section is never stored half-valid.
  const merged: Record<string, unknown> = parse('body', SETTINGS_SCHEMAS[section], { ...SETTINGS_DEFAULTS[section], ...current?.data, ...patch });
  return putSettings(store, { accountId: p.accountId, section, data: merged, updatedBy: p.userId, updatedAt: store.now().toISOString() }, version);
}

/**
 * What a document is shown with (its single read): the branding section and the terms and
 * conditions of the other section, defaults where never written. Two reads by key; any
 * holder of documents.view sees them, as they are printed on the documents anyway.
 */
export async function presentation(store: Store, accountId: string): Promise<{ branding: (typeof SETTINGS_DEFAULTS)['branding']; termsAndConditions: string | null }> {
  const [branding, other] = await Promise.all([getSettings(store, accountId, 'branding'), getSettings(store, accountId, 'other')]);
  const terms = { ...SETTINGS_DEFAULTS.other, ...other?.data }.termsAndConditions;
  return { branding: { ...SETTINGS_DEFAULTS.branding, ...branding?.data } as (typeof SETTINGS_DEFAULTS)['branding'], termsAndConditions: terms ?? null };
}
