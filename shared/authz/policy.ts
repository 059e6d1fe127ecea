import { ACCOUNT_PREFIX, ROUTES, isAccountRoute, type Route } from '../http/routes.js';
import { mayUse, type Principal } from './engine.js';
import { arnMatches, methodArnFor } from './arn.js';

/*
 * The authorizer's IAM policy. API Gateway caches the policy per identity source (token +
 * path) and reuses it for every method on that path, so the policy must be right for every
 * route the caller could send with it, not only the first one: it allows every route of the
 * table the principal may use in this account, and explicitly denies any route that one of
 * those allowed wildcards would otherwise cover.
 */

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: 'execute-api:Invoke';
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The ARN pattern of a route in one account: path parameters other than the account become `*`. */
export function routeArnPattern(prefix: string, route: Route, accountId?: string): string {
  const path = route.path
    .replace('{accountId}', accountId ?? '*')
    .replace(/\{[^}]+\}/g, '*');
  return methodArnFor(prefix, route.method, path);
}

/** A concrete ARN of the route, for shadowing checks: each parameter gets a sample value. */
const sampleArn = (prefix: string, route: Route, accountId: string): string =>
  methodArnFor(prefix, route.method, route.path.replace('{accountId}', accountId).replace(/\{[^}]+\}/g, 'x'));

export function permittedAccountRoutes(principal: Principal): Route[] {
  return (ROUTES as readonly Route[]).filter(
    (r) => isAccountRoute(r) && typeof r.auth === 'object' && mayUse(principal, r.auth.action),
  );
}

function document(allow: string[], deny: string[]): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (allow.length) statements.push({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allow });
  if (deny.length || !allow.length) {
    statements.push({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: deny.length ? deny : ['*'] });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Policy for a principal in its account: exactly the routes it may call there. */
export function accountPolicy(prefix: string, principal: Principal): PolicyDocument {
  const accountRoutes = (ROUTES as readonly Route[]).filter(isAccountRoute);
  const permitted = new Set(permittedAccountRoutes(principal));
  const allow = [...permitted].map((r) => routeArnPattern(prefix, r, principal.accountId));
  const deny = accountRoutes
    .filter((r) => !permitted.has(r))
    .map((r) => ({ r, sample: sampleArn(prefix, r, principal.accountId) }))
    .filter(({ sample }) => allow.some((pattern) => arnMatches(pattern, sample)))
    .map(({ r }) => routeArnPattern(prefix, r, principal.accountId));
  return document(allow, deny);
}

/** Policy for an authenticated caller on routes not tied to an account (/me, sign-up). */
export function userPolicy(prefix: string): PolicyDocument {
  const allow = (ROUTES as readonly Route[])
    .filter((r) => r.auth === 'user')
    .map((r) => routeArnPattern(prefix, r));
  return document(allow, []);
}

/** Everything in one account denied: the answer for a caller with no access to it. */
export function denyAccountPolicy(prefix: string, accountId: string): PolicyDocument {
  const base = ACCOUNT_PREFIX.replace('{accountId}', accountId);
  return document([], [methodArnFor(prefix, '*', base), methodArnFor(prefix, '*', `${base}/*`)]);
}
