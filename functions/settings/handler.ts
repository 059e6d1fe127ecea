import { invoicingContracts } from '#shared/contracts/invoicing.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal, type RouteImplementation } from '#shared/http/api.js';
import { accountPath } from '#shared/contracts/admin-common.js';
import { settingsPatchSchemas, type SettingsSection } from '#shared/contracts/invoicing.js';
import { defaultStore } from '#shared/data/context.js';
import * as settings from '#shared/usecases/settings.js';
import { settingsView } from '#shared/views/settings.js';

/* Settings: parse, one use case, the view; each section has a read and a change route. */
function routes(section: SettingsSection, get: string, update: string): Record<string, RouteImplementation> {
  return {
    [get]: async (req) => {
      parse('path', accountPath, req.pathParameters);
      return jsonResponse(200, settingsView(section, await settings.read(defaultStore(), requirePrincipal(req), section)));
    },
    [update]: async (req) => {
      parse('path', accountPath, req.pathParameters);
      const patch = parseJsonBody(req, settingsPatchSchemas[section]);
      return jsonResponse(200, settingsView(section, await settings.update(defaultStore(), requirePrincipal(req), section, patch)));
    },
  };
}

export const handler = createApiHandler('settings', {
  ...routes('business', 'getBusinessSettings', 'updateBusinessSettings'),
  ...routes('payment-methods', 'getPaymentMethodSettings', 'updatePaymentMethodSettings'),
  ...routes('other', 'getOtherSettings', 'updateOtherSettings'),
  ...routes('branding', 'getBrandingSettings', 'updateBrandingSettings'),
}, invoicingContracts);
