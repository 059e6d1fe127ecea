import type { Action } from '../../authz/catalogue.js';
import type { Route } from '../routes.js';
import { ACCOUNT_PREFIX } from '../account-prefix.js';

/*
 * Integrations (SPEC 2.3, 6): the catalogue of an account's integrations and their delivery
 * logs behind "integrations and add-ons", and the webhook route the providers call. That one
 * carries no token: `auth: 'webhook'` puts it behind the webhook authorizer (the
 * integration gate of SPEC 6.3) instead of the token authorizer, and its function verifies
 * the provider's signature over the raw body.
 */
const A = ACCOUNT_PREFIX;
const I = `${A}/integrations/{integrationId}`;
const act = (action: Action) => ({ action }) as const;

export const INTEGRATION_ROUTES = [
  { id: 'listIntegrations', method: 'GET', path: `${A}/integrations`, fn: 'integrations', auth: act('integrations.view'), summary: "The account's integrations" },
  { id: 'activateIntegration', method: 'POST', path: `${A}/integrations`, fn: 'integrations', auth: act('integrations.manage'), summary: 'Activate an integration (answers its webhook URL and, once, its secret)', idempotent: true },
  { id: 'getIntegration', method: 'GET', path: I, fn: 'integrations', auth: act('integrations.view'), summary: 'An integration' },
  { id: 'configureIntegration', method: 'PATCH', path: I, fn: 'integrations', auth: act('integrations.manage'), summary: 'Rename or configure an integration, or rotate its secret', versioned: 'body' },
  { id: 'deactivateIntegration', method: 'POST', path: `${I}/deactivate`, fn: 'integrations', auth: act('integrations.manage'), summary: 'Deactivate an integration (its deliveries are refused)', versioned: 'body' },
  { id: 'reactivateIntegration', method: 'POST', path: `${I}/activate`, fn: 'integrations', auth: act('integrations.manage'), summary: 'Activate an inactive integration again; the caller becomes its activator', versioned: 'body' },
  { id: 'listDeliveries', method: 'GET', path: `${I}/deliveries`, fn: 'integrations', auth: act('integrations.view'), summary: "The integration's delivery log, newest first" },
  { id: 'getDelivery', method: 'GET', path: `${I}/deliveries/{deliveryId}`, fn: 'integrations', auth: act('integrations.view'), summary: 'One delivery with its status and error' },
  { id: 'replayDelivery', method: 'POST', path: `${I}/deliveries/{deliveryId}/replay`, fn: 'integrations', auth: act('integrations.manage'), summary: 'Process a failed delivery again (a processed one is answered as it is)' },
  { id: 'listOrders', method: 'GET', path: `${A}/orders`, fn: 'integrations', auth: act('integrations.view'), summary: 'Shop orders received by the integrations, newest first' },
  { id: 'receiveWebhook', method: 'POST', path: '/webhooks/{integrationId}', fn: 'webhooks', auth: 'webhook', summary: 'A provider delivers an event (signed; WooCommerce, Shopify)' },
] as const satisfies readonly Route[];
