import { createApiHandler, jsonResponse } from '#shared/http/api.js';

export const handler = createApiHandler('system', {
  health: async () => jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' }),
});
