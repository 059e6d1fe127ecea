import { integrationsContracts } from '#shared/contracts/integrations.js';
import { createApiHandler, jsonResponse, parse, parseJsonBody, requireActor, requirePrincipal, type ApiRequest } from '#shared/http/api.js';
import { accountPath, pageQuery } from '#shared/contracts/admin-common.js';
import {
  activateIntegrationBody,
  configureIntegrationBody,
  deliveryPath,
  integrationPath,
  integrationVersionBody,
} from '#shared/contracts/integrations.js';
import { defaultStore } from '#shared/data/context.js';
import { listOrders } from '#shared/data/entities/order.js';
import { secretBox } from '#shared/integrations/secret-box.js';
import * as integrations from '#shared/usecases/integrations.js';
import * as webhooks from '#shared/usecases/webhooks.js';
import { pageView } from '#shared/views/page.js';
import { deliveryView, integrationView, integrationWithSecretView, orderView } from '#shared/views/integrations.js';

/**
 * The API's public base as the caller reached it: PUBLIC_API_URL when the stage has a custom
 * domain; else the scheme and host of the request, plus the stage's base path on API
 * Gateway's own domain (WEBHOOK_BASE_PATH, set by the stack).
 */
function baseUrl(req: ApiRequest): string {
  if (process.env.PUBLIC_API_URL) return process.env.PUBLIC_API_URL;
  const proto = req.headers['x-forwarded-proto']?.split(',')[0]?.trim() ?? 'https';
  return `${proto}://${req.headers.host ?? 'localhost'}${process.env.WEBHOOK_BASE_PATH ?? ''}`;
}

/* Integrations catalogue, delivery logs and shop orders: parse, one use case, the view. */
export const handler = createApiHandler('integrations', {
  listIntegrations: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const page = await integrations.list(defaultStore(), requirePrincipal(req), parse('query', pageQuery, req.query));
    return jsonResponse(200, pageView(page, (i) => integrationView(i, baseUrl(req))));
  },
  activateIntegration: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const out = await integrations.activate(defaultStore(), await secretBox(), requireActor(req), parseJsonBody(req, activateIntegrationBody));
    return jsonResponse(201, integrationWithSecretView(out, baseUrl(req)));
  },
  getIntegration: async (req) => {
    const { integrationId } = parse('path', integrationPath, req.pathParameters);
    return jsonResponse(200, integrationView(await integrations.get(defaultStore(), requirePrincipal(req), integrationId), baseUrl(req)));
  },
  configureIntegration: async (req) => {
    const { integrationId } = parse('path', integrationPath, req.pathParameters);
    const out = await integrations.configure(defaultStore(), await secretBox(), requireActor(req), integrationId, parseJsonBody(req, configureIntegrationBody));
    return jsonResponse(200, integrationWithSecretView(out, baseUrl(req)));
  },
  deactivateIntegration: async (req) => {
    const { integrationId } = parse('path', integrationPath, req.pathParameters);
    const { version } = parseJsonBody(req, integrationVersionBody);
    return jsonResponse(200, integrationView(await integrations.deactivate(defaultStore(), requireActor(req), integrationId, version), baseUrl(req)));
  },
  reactivateIntegration: async (req) => {
    const { integrationId } = parse('path', integrationPath, req.pathParameters);
    const { version } = parseJsonBody(req, integrationVersionBody);
    return jsonResponse(200, integrationView(await integrations.reactivate(defaultStore(), requireActor(req), integrationId, version), baseUrl(req)));
  },
  listDeliveries: async (req) => {
    const { integrationId } = parse('path', integrationPath, req.pathParameters);
    const page = await webhooks.listLog(defaultStore(), requirePrincipal(req), integrationId, parse('query', pageQuery, req.query));
    return jsonResponse(200, pageView(page, deliveryView));
  },
  getDelivery: async (req) => {
    const { integrationId, deliveryId } = parse('path', deliveryPath, req.pathParameters);
    return jsonResponse(200, deliveryView(await webhooks.getLogEntry(defaultStore(), requirePrincipal(req), integrationId, deliveryId)));
  },
  replayDelivery: async (req) => {
    const { integrationId, deliveryId } = parse('path', deliveryPath, req.pathParameters);
    const out = await webhooks.replay(defaultStore(), requireActor(req), integrationId, deliveryId);
    return jsonResponse(200, deliveryView(out.delivery));
  },
  listOrders: async (req) => {
    parse('path', accountPath, req.pathParameters);
    const p = requirePrincipal(req);
    const q = parse('query', pageQuery, req.query);
    const page = await listOrders(defaultStore(), p.accountId, { ...q, boundTo: p.userId });
    return jsonResponse(200, pageView(page, orderView));
  },
}, integrationsContracts);
