import type { Action } from '../authz/catalogue.js';

/*
 * The route table: the single source of truth for the API. The CDK stack builds its API
 * Gateway resources from it, the authorizer builds its IAM policy from it, and the local
 * server routes with it. A route's `auth` says who may reach it:
 *   - 'public': no authorizer (liveness, the OpenAPI document);
 *   - 'user': any caller with a valid token, not tied to an account (/me, sign-up);
 *   - an action: a caller whose permissions in the path's account include that action
 *     (for scoped actions, either scope: the handler narrows to own objects).
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The Lambda functions behind the API, with the table access each one needs. */
export const FUNCTIONS = {
  system: { entry: 'functions/system/handler.ts', table: 'none', description: 'Health and API description' },
  identity: { entry: 'functions/identity/handler.ts', table: 'read', description: 'The caller and their accounts' },
  // --- organization administration (issue 4)
  // --- invoicing (issue 5)
} as const satisfies Record<string, { entry: string; table: 'none' | 'read' | 'readwrite'; description: string }>;
export type FunctionName = keyof typeof FUNCTIONS;

export type RouteAuth = 'public' | 'user' | { readonly action: Action };

export interface Route {
  /** Stable operation id: the OpenAPI operationId and the handler's dispatch key. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway path template; every tenant route starts with /accounts/{accountId}. */
  readonly path: string;
  readonly fn: FunctionName;
  readonly auth: RouteAuth;
  readonly summary: string;
}

export const ACCOUNT_PREFIX = '/accounts/{accountId}';

export const ROUTES = [
  // --- system and identity
  { id: 'health', method: 'GET', path: '/health', fn: 'system', auth: 'public', summary: 'Liveness' },
  { id: 'getMe', method: 'GET', path: '/me', fn: 'identity', auth: 'user', summary: 'The caller and their memberships' },
  // --- organization administration (issue 4)
  // --- invoicing (issue 5)
] as const satisfies readonly Route[];

export type RouteId = (typeof ROUTES)[number]['id'];

export const isAccountRoute = (route: Route): boolean =>
  route.path === ACCOUNT_PREFIX || route.path.startsWith(`${ACCOUNT_PREFIX}/`);

export const routesOf = (fn: FunctionName): readonly Route[] => ROUTES.filter((r) => r.fn === fn);

export function findRoute(method: string, resource: string): Route | undefined {
  return (ROUTES as readonly Route[]).find((r) => r.method === method && r.path === resource);
}

/**
 * Matches a concrete path against the table as API Gateway would: literal segments win
 * over `{param}` segments at the same position. Returns the route and its parameters.
 */
export function matchPath(
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | { route: undefined; pathExists: boolean } {
  const parts = splitPath(path);
  let best: { route: Route; pathParameters: Record<string, string>; score: number } | undefined;
  let pathExists = false;
  for (const route of ROUTES as readonly Route[]) {
    const template = splitPath(route.path);
    if (template.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < template.length && ok; i++) {
      const t = template[i]!;
      if (t.startsWith('{') && t.endsWith('}')) {
        if (parts[i] === '') ok = false;
        else params[t.slice(1, -1)] = safeDecode(parts[i]!);
      } else if (t === parts[i]) score += 1 << (template.length - i);
      else ok = false;
    }
    if (!ok) continue;
    pathExists = true;
    if (route.method !== method) continue;
    if (!best || score > best.score) best = { route, pathParameters: params, score };
  }
  return best ? { route: best.route, pathParameters: best.pathParameters } : { route: undefined, pathExists };
}

const splitPath = (p: string): string[] => p.replace(/^\/+|\/+$/g, '').split('/');
const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
