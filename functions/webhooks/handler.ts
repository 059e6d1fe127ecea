import { integrationsContracts } from '#shared/contracts/integrations.js';
import { createApiHandler, jsonResponse, parse } from '#shared/http/api.js';
import { webhookPath } from '#shared/contracts/integrations.js';
import { defaultStore } from '#shared/data/context.js';
import { secretBox } from '#shared/integrations/secret-box.js';
import * as webhooks from '#shared/usecases/webhooks.js';
import { webhookView } from '#shared/views/integrations.js';

/* Webhook deliveries: behind the webhook authorizer; the use case verifies the signature over the raw body. */
export const handler = createApiHandler('webhooks', {
  receiveWebhook: async (req) => {
    const { integrationId } = parse('path', webhookPath, req.pathParameters);
    const out = await webhooks.receive(defaultStore(), await secretBox(), { integrationId, headers: req.headers, body: req.bodyBytes ?? Buffer.alloc(0) });
    return jsonResponse(200, webhookView(out));
  },
}, integrationsContracts);
