import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal, type RouteImplementation } from '#shared/http/api.js';
import { documentClient, tableName } from '#shared/data/client.js';
import { accountPath, SETTINGS_DEFAULTS, SETTINGS_SCHEMAS, settingsPatchSchemas, type SettingsSection } from '#shared/contracts/invoicing.js';
import { decide, type Principal } from '#shared/authz/engine.js';
import type { Action } from '#shared/authz/catalogue.js';
import { Forbidden, StaleVersion } from '#shared/domain/errors.js';
import { getSettings, putSettings } from '#shared/data/settings-repository.js';
import type { SettingsItem } from '#shared/data/items.js';

/*
 * Settings (SPEC 1): business information, payment methods and other settings. Everyone
 * with settings.view reads; each section has its own edit permission (Owner and Manager
 * hold all three; Accountant none, SPEC 1.4). A change is a partial patch on the version
 * it was read at (0 = never written); a stale version is a 409, never a lost update.
 */
const store = () => ({ db: documentClient(), table: tableName() });

const EDIT: Readonly<Record<SettingsSection, Action>> = {
  business: 'settings.edit-business',
  'payment-methods': 'settings.edit-payment-methods',
  other: 'settings.edit-other',
};

function allow(p: Principal, action: Action): void {
  const d = decide(p, action, { organizationId: p.organizationId, accountId: p.accountId });
  if (!d.allowed) throw new Forbidden(`you may not ${action} (${d.reason})`);
}

const view = (section: SettingsSection, item: SettingsItem | undefined) => ({
  section,
  settings: { ...SETTINGS_DEFAULTS[section], ...(item?.data ?? {}) },
  version: item?.version ?? 0,
  updatedAt: item?.updatedAt ?? null,
  updatedBy: item?.updatedBy ?? null,
});

function routes(section: SettingsSection, get: string, update: string): Record<string, RouteImplementation> {
  return {
    [get]: async (req) => {
      const p = requirePrincipal(req);
      parse('path', accountPath, req.pathParameters);
      allow(p, 'settings.view');
      return jsonResponse(200, view(section, await getSettings(store(), p.accountId, section)));
    },
    [update]: async (req) => {
      const p = requirePrincipal(req);
      parse('path', accountPath, req.pathParameters);
      const { version, ...patch } = parseJsonBody(req, settingsPatchSchemas[section]) as { version: number } & Record<string, unknown>;
      allow(p, EDIT[section]);
      const current = view(section, await getSettings(store(), p.accountId, section, true));
      if (current.version !== version) {
        throw new StaleVersion(`version ${version} is stale; the settings are at version ${current.version}`, {
          extensions: { currentVersion: current.version },
        });
      }
      // The merged whole is validated again, so a section is never stored half-valid.
      const merged = parse('body', SETTINGS_SCHEMAS[section], { ...current.settings, ...patch });
      const saved = await putSettings(
        store(),
        { accountId: p.accountId, section, data: merged as Record<string, unknown>, updatedBy: p.userId, updatedAt: new Date().toISOString() },
        version,
      );
      return jsonResponse(200, view(section, saved));
    },
  };
}

export const handler = createApiHandler('settings', {
  ...routes('business', 'getBusinessSettings', 'updateBusinessSettings'),
  ...routes('payment-methods', 'getPaymentMethodSettings', 'updatePaymentMethodSettings'),
  ...routes('other', 'getOtherSettings', 'updateOtherSettings'),
});
