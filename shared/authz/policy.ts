import { ACCOUNT_PREFIX, ROUTES, isAccountRoute, type Route } from '../http/routes.js';
import { mayUse, type Principal } from './engine.js';
import { arnMatches, methodArnFor } from './arn.js';
import { toHex } from './permission-set.js';

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

/**
 * Which account routes to allow and which shadowed ones to deny depends only on the
 * permission set: the account id and the API prefix appear identically in every pattern
 * and sample, so they cannot change a match. Working it out costs a glob match per (route,
 * allowed pattern) pair; it is done once per distinct permission set in a container, not
 * on every uncached decision. Few distinct sets exist (built-in roles, custom roles).
 */
interface RouteSelection {
  allow: readonly Route[];
  deny: readonly Route[];
}
const selections = new Map<string, RouteSelection>();
const SAMPLE_PREFIX = 'arn:aws:execute-api:region:000000000000:api/stage';
const SAMPLE_ACCOUNT = 'acc_SAMPLE';

function routeSelection(principal: Principal): RouteSelection {
  const key = toHex(principal.permissions);
  const known = selections.get(key);
  if (known) return known;
  const permitted = new Set(permittedAccountRoutes(principal));
  const patterns = [...permitted].map((r) => routeArnPattern(SAMPLE_PREFIX, r, SAMPLE_ACCOUNT));
  const selection: RouteSelection = {
    allow: [...permitted],
    deny: (ROUTES as readonly Route[])
      .filter((r) => isAccountRoute(r) && !permitted.has(r))
      .filter((r) => patterns.some((pattern) => arnMatches(pattern, sampleArn(SAMPLE_PREFIX, r, SAMPLE_ACCOUNT)))),
  };
  // Bounded: custom roles are capped per organization, but a container serves many.
  if (selections.size >= 1000) selections.clear();
  selections.set(key, selection);
  return selection;
}

/**
 * Policy for a principal in its account: exactly the routes it may call there. `segment` is
 * the account's path segment as the methodArn carries it (the raw, possibly percent-encoded
 * form the authorizer decoded to this very account); the account id by default.
 */
export function accountPolicy(prefix: string, principal: Principal, segment: string = principal.accountId): PolicyDocument {
  const { allow, deny } = routeSelection(principal);
  const pattern = (r: Route) => routeArnPattern(prefix, r, segment);
  return document(allow.map(pattern), deny.map(pattern));
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
