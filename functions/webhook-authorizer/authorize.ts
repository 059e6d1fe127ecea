import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { DynamoDb } from '#shared/data/dynamo.js';
import { apiArnPrefix, methodArnFor } from '#shared/authz/arn.js';
import { log, errorFields } from '#shared/http/log.js';
import { authorizerDecision } from '#shared/observability/metrics.js';
import { integrationGate } from '#shared/usecases/integration-gate.js';

/*
 * The webhook authorizer: the second REQUEST authorizer, in front of `/webhooks/{id}` only.
 * Providers send no bearer token, so its identity source is the request path alone
 * (`$context.path`): API Gateway caches one decision per integration for the TTL. It admits
 * a delivery only while the integration gate allows (shared/usecases/integration-gate.ts:
 * integration active, account active, activator still holds integrations.manage), deciding
 * with the same access facts and engine as the API authorizer.
 *
 * It does not verify the provider's signature: an authorizer never sees the body. The
 * webhook function does that, over the raw body, and answers 401 when it fails.
 *   - an allow: a policy for exactly this path (`POST /webhooks/<segment>`);
 *   - a deny (unknown or inactive integration, account archived, activator lost the
 *     permission): an explicit Deny -> 403;
 *   - DynamoDB unavailable: an error -> AUTHORIZER_FAILURE (503), never an allow.
 */
export interface WebhookAuthorizerDeps {
  db: DynamoDb;
  table: string;
}

export class WebhookAuthorizerUnavailable extends Error {
  constructor() {
    super('webhook authorizer unavailable');
    this.name = 'WebhookAuthorizerUnavailable';
  }
}

const policy = (effect: 'Allow' | 'Deny', resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: [resource] }],
});

export async function authorizeWebhook(deps: WebhookAuthorizerDeps, event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const prefix = apiArnPrefix(event.methodArn);
  // methodArn = prefix/METHOD/webhooks/<segment>: the segment as sent, which the policy must name.
  const [, method, root, segment, ...rest] = prefix ? event.methodArn.slice(prefix.length).split('/') : [];
  const integrationId = event.pathParameters?.integrationId;
  if (!prefix || root !== 'webhooks' || !segment || rest.length || !method || !integrationId || segment !== integrationId) {
    authorizerDecision('deny', 'unknown-integration');
    throw new Error('Unauthorized');
  }
  // Only this path, whatever the method: the cache key is the path, so the cached answer
  // must be right for every method on it (only POST exists).
  const resource = methodArnFor(prefix, '*', `/webhooks/${segment}`);
  let gate;
  try {
    gate = await integrationGate(deps.db, deps.table, integrationId);
  } catch (e) {
    log.error('integration gate unavailable', errorFields(e));
    authorizerDecision('unavailable', 'dynamodb');
    throw new WebhookAuthorizerUnavailable();
  }
  if (!gate.allowed) {
    log.info('webhook denied', { integrationId, reason: gate.reason });
    authorizerDecision('deny', gate.reason);
    return { principalId: `integration:${integrationId}`, policyDocument: policy('Deny', resource), context: { scope: 'denied', reason: gate.reason } };
  }
  const i = gate.integration;
  authorizerDecision('allow', 'webhook');
  return {
    principalId: `integration:${integrationId}`,
    policyDocument: policy('Allow', resource),
    context: {
      scope: 'webhook',
      integrationId: i.integrationId,
      organizationId: i.organizationId,
      accountId: i.accountId,
      activatedBy: i.activatedBy,
      kind: i.kind,
    },
  };
}
