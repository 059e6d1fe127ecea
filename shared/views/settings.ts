import type * as z from 'zod';
import { SETTINGS_DEFAULTS, type settingsResponse, type SettingsSection } from '../contracts/invoicing.js';
import type { Settings } from '../data/entities/settings.js';

/*
 * A settings section as the API shows it: a section never written is its defaults at
 * version 0; a written one is its stored values over the defaults, so a field added to a
 * section later reads as its default until someone sets it.
 */
export const settingsView = (section: SettingsSection, stored: Settings | undefined): z.output<ReturnType<typeof settingsResponse>> => ({
  section,
  settings: { ...SETTINGS_DEFAULTS[section], ...stored?.data },
  version: stored?.version ?? 0,
  updatedAt: stored?.updatedAt ?? null,
  updatedBy: stored?.updatedBy ?? null,
});
