import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { vi } from 'vitest';
import { compile, toHex } from '#shared/authz/permission-set.js';
import { BUILT_IN_PERMISSIONS, type BuiltInRole } from '#shared/authz/roles.js';
import { jsonResponse, type AccessRecheck, type RouteImplementation } from '#shared/http/api.js';
import { routesOf, type FunctionName } from '#shared/http/routes.js';

/* Synthetic API Gateway proxy events for the wrapper's unit tests. */
const ULID = `01JTEST${'0'.repeat(19)}`;
export const ORG = `org_${ULID}`;
export const MAIN = `acc_${ULID}`;
/** Another organization's main account. */
export const OTHER = `acc_01JQTHER${'0'.repeat(18)}`;

export const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

export interface AccountContext {
  userId?: string;
  accountId?: string;
  organizationId?: string;
  role?: BuiltInRole;
  /** Permission names instead of the role's. */
  permissions?: string[];
}

export function authorizerContext(over: AccountContext = {}): Record<string, string> {
  const role = over.role ?? 'manager';
  return {
    principalId: over.userId ?? 'u-1',
    userId: over.userId ?? 'u-1',
    email: 'u1@example.com',
    emailVerified: 'true',
    scope: 'account',
    organizationId: over.organizationId ?? ORG,
    accountId: over.accountId ?? MAIN,
    role,
    via: role === 'owner' ? 'owner' : 'member',
    permissions: toHex(over.permissions ? compile(over.permissions) : BUILT_IN_PERMISSIONS[role]),
  };
}

/** An event for `METHOD /accounts/{accountId}/<rest>` as API Gateway sends it. */
export function accountEvent(
  method: string,
  resource: string,
  options: {
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string | null;
    context?: AccountContext;
  } = {},
): APIGatewayProxyEvent {
  const pathParameters = { accountId: MAIN, ...options.pathParameters };
  const path = resource.replace(/\{(\w+)\}/g, (_, k: string) => pathParameters[k as keyof typeof pathParameters] ?? k);
  return {
    httpMethod: method,
    resource,
    path,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    pathParameters,
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: { requestId: 'apigw-1', authorizer: authorizerContext(options.context) },
  } as unknown as APIGatewayProxyEvent;
}

/** Every route of a function answered by one spy (which, by default, echoes the request). */
export function stubImplementations(fn: FunctionName, impl?: RouteImplementation) {
  const spy = vi.fn<RouteImplementation>(
    impl ?? (async (req) => jsonResponse(200, { route: req.route.id, body: req.body, query: req.query })),
  );
  return { spy, implementations: Object.fromEntries(routesOf(fn).map((r) => [r.id, spy])) };
}

export const problemOf = (body: string) =>
  JSON.parse(body) as { type: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> } & Record<string, unknown>;

/**
 * The re-read a change makes of the caller's access, answering that nothing changed since
 * the authorizer's context: for tests of the wrapper that are not about revocation.
 */
export const unchangedAccess: AccessRecheck = async (cached) => ({
  allowed: true,
  actor: { ...cached, basis: { membership: { accountId: cached.accountId, userId: cached.userId, role: cached.role, version: 1 } } },
});
