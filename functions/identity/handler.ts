import { identityContracts } from '#shared/contracts/identity.js';
import { createApiHandler, jsonResponse } from '#shared/http/api.js';
import { defaultStore } from '#shared/data/context.js';
import { me } from '#shared/usecases/identity.js';
import { meView } from '#shared/views/identity.js';

/* GET /me: one use case, the view. */
export const handler = createApiHandler('identity', {
  getMe: async (req) => jsonResponse(200, meView(await me(defaultStore(), req.caller))),
}, identityContracts);
