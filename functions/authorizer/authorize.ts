import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { resolveAccess } from '#shared/authz/engine.js';
import { apiArnPrefix } from '#shared/authz/arn.js';
import { accountPolicy, denyAccountPolicy, userPolicy } from '#shared/authz/policy.js';
import { toHex } from '#shared/authz/permission-set.js';
import { bearerToken, InvalidToken, KeySetUnavailable, type TokenVerifier } from '#shared/auth/token.js';
import { parseAccountId, type AccountRef } from '#shared/domain/ids.js';
import { loadAccessFacts } from '#shared/data/entities/access-facts.js';
import type { DynamoDb } from '#shared/data/dynamo.js';
import { log, errorFields } from '#shared/http/log.js';
import { authorizerDecision } from '#shared/observability/metrics.js';

/*
 * The REQUEST authorizer's decision, with its I/O injected. Outcomes, as API Gateway
 * understands them:
 *   - throw Error('Unauthorized')   -> 401 (no token, or a token that does not verify);
 *   - a Deny policy                  -> 403 (valid caller, no access to that account);
 *   - throw any other error          -> AUTHORIZER_FAILURE, mapped to a 503 problem
 *                                       (e.g. DynamoDB unavailable): never an allow.
 */
export interface AuthorizerDeps {
  verify: TokenVerifier;
  db: DynamoDb;
  table: string;
}

export class AuthorizerUnavailable extends Error {
  constructor() {
    super('authorizer unavailable');
    this.name = 'AuthorizerUnavailable';
  }
}

/**
 * The account a request addresses, and its path segment as the policy must name it. API
 * Gateway gives the Lambdas the path parameter decoded, but matches the policy against the
 * methodArn, which keeps the path as sent: for `/accounts/%61cc_…` the handler sees the
 * owner's `acc_…`, and a policy naming `acc_…` would never match. So the segment is read
 * raw from the methodArn, decoded exactly once, and must then be an account id (the strict
 * grammar) and agree with the path parameter. The policy then names that raw segment, which
 * can only be made of the grammar's characters and `%` escapes of them (no `*` or `?`), so
 * it matches this one account's paths and nothing else. Undefined: deny.
 */
function addressedAccount(methodArn: string, prefix: string, param: string): { segment: string; ref: AccountRef } | undefined {
  // methodArn = prefix/METHOD/accounts/<segment>[/...]
  const [, root, segment] = methodArn.slice(prefix.length + 1).split('/');
  if (root !== 'accounts' || !segment) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  // The parameter API Gateway passes is the decoded segment (the raw one is accepted too:
  // either way it must name the account the methodArn's segment decodes to).
  if (param !== decoded && param !== segment) return undefined;
  const ref = parseAccountId(decoded);
  return ref ? { segment, ref } : undefined;
}

export async function authorize(
  deps: AuthorizerDeps,
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> {
  // Every outcome is counted (AuthorizerDecision by outcome and reason); the reasons are
  // a small fixed set, so the metric's dimensions stay bounded.
  const token = bearerToken(event.headers);
  if (!token) {
    authorizerDecision('deny', 'no-token');
    throw new Error('Unauthorized');
  }
  let identity;
  try {
    identity = await deps.verify(token);
  } catch (e) {
    if (e instanceof KeySetUnavailable) {
      // Fail closed, as an outage: AUTHORIZER_FAILURE is a 503 problem (never an allow, never a 401).
      log.error('signing keys unavailable', { reason: e.code });
      authorizerDecision('unavailable', 'jwks');
      throw new AuthorizerUnavailable();
    }
    log.info('token rejected', { reason: e instanceof InvalidToken ? e.code : 'error' });
    authorizerDecision('deny', 'invalid-token');
    throw new Error('Unauthorized');
  }
  const prefix = apiArnPrefix(event.methodArn);
  if (!prefix) {
    authorizerDecision('deny', 'unknown-api');
    throw new Error('Unauthorized');
  }

  const base = {
    userId: identity.userId,
    email: identity.email ?? '',
    emailVerified: identity.emailVerified,
  };
  const accountParam = event.pathParameters?.accountId;
  if (accountParam === undefined) {
    authorizerDecision('allow', 'user');
    return { principalId: identity.userId, policyDocument: userPolicy(prefix), context: { ...base, scope: 'user' } };
  }

  const addressed = addressedAccount(event.methodArn, prefix, accountParam);
  if (!addressed) {
    authorizerDecision('deny', 'unknown-account');
    return {
      principalId: identity.userId,
      policyDocument: denyAccountPolicy(prefix, encodeURIComponent(accountParam).replace(/[*?]/g, '_')),
      context: { ...base, scope: 'denied', reason: 'unknown-account' },
    };
  }
  const { segment, ref } = addressed;

  // Revocation facts (memberships, grant) strongly consistent, organization and account
  // eventually: 2 RCU in a main account, 4 in a sub-account (docs/authorization.md,
  // "Consistency of the facts"); every change is re-decided on all-strong facts anyway.
  let facts;
  try {
    ({ facts } = await loadAccessFacts(deps.db, deps.table, identity.userId, ref, 'revocation'));
  } catch (e) {
    log.error('access facts unavailable', errorFields(e));
    authorizerDecision('unavailable', 'dynamodb');
    throw new AuthorizerUnavailable();
  }
  const access = resolveAccess(facts);
  if (!access.allowed) {
    log.info('access denied', { userId: identity.userId, accountId: ref.accountId, reason: access.reason });
    authorizerDecision('deny', access.reason);
    return {
      principalId: identity.userId,
      policyDocument: denyAccountPolicy(prefix, segment),
      context: { ...base, scope: 'denied', reason: access.reason },
    };
  }
  const p = access.principal;
  authorizerDecision('allow', p.via);
  return {
    principalId: identity.userId,
    policyDocument: accountPolicy(prefix, p, segment),
    context: {
      ...base,
      scope: 'account',
      organizationId: p.organizationId,
      accountId: p.accountId,
      role: p.role,
      via: p.via,
      permissions: toHex(p.permissions),
    },
  };
}
