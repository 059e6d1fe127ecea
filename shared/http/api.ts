import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { fromHex } from '../authz/permission-set.js';
import type { Principal, Via } from '../authz/engine.js';
import type { RoleRef } from '../authz/roles.js';
import { DomainError, Forbidden, MethodNotAllowed, NotFound, ValidationError, type FieldError } from '../domain/errors.js';
import { findRoute, routesOf, type FunctionName, type Route } from './routes.js';
import { jsonResponse, problem, problemResponse, type HttpResponse } from './problem.js';
import { errorFields, log } from './log.js';

/*
 * The one way an API Lambda is built: middy wraps a table of route implementations keyed
 * by the route table's ids. The wrapper finds the route from API Gateway's `resource` and
 * method, rebuilds the caller from the authorizer's context, and turns every thrown
 * DomainError into problem+json; anything else becomes an opaque 500.
 */

export interface Caller {
  userId: string;
  email: string | undefined;
  emailVerified: boolean;
}

export interface ApiRequest {
  route: Route;
  caller: Caller;
  /** Present on account routes: the caller's compiled access in the path's account. */
  principal: Principal | undefined;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | null;
  requestId: string;
}

export type RouteImplementation = (req: ApiRequest) => Promise<HttpResponse>;

const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const authorizerContext = z.object({
  userId: z.string().min(1),
  email: z.string().optional(),
  emailVerified: boolish.optional(),
  scope: z.enum(['user', 'account']),
  organizationId: z.string().optional(),
  accountId: z.string().optional(),
  role: z.string().optional(),
  via: z.enum(['member', 'grant', 'owner', 'backoffice']).optional(),
  permissions: z.string().optional(),
});

function callerOf(event: APIGatewayProxyEvent, route: Route): { caller: Caller; principal: Principal | undefined } {
  if (route.auth === 'public') {
    return { caller: { userId: '', email: undefined, emailVerified: false }, principal: undefined };
  }
  const parsed = authorizerContext.safeParse(event.requestContext.authorizer ?? {});
  // The authorizer always sets these for a non-public route; without them, refuse.
  if (!parsed.success) throw new Forbidden('no authorization context');
  const ctx = parsed.data;
  const caller = { userId: ctx.userId, email: ctx.email || undefined, emailVerified: ctx.emailVerified ?? false };
  if (typeof route.auth === 'string') return { caller, principal: undefined };

  const accountId = event.pathParameters?.accountId;
  const permissions = ctx.permissions ? fromHex(ctx.permissions) : undefined;
  if (
    ctx.scope !== 'account' ||
    !permissions ||
    !ctx.organizationId ||
    !ctx.role ||
    !ctx.via ||
    ctx.accountId === undefined ||
    ctx.accountId !== accountId
  ) {
    throw new Forbidden('the authorization context does not match this account');
  }
  return {
    caller,
    principal: {
      userId: ctx.userId,
      organizationId: ctx.organizationId,
      accountId: ctx.accountId,
      role: ctx.role as RoleRef,
      via: ctx.via as Via,
      permissions,
    },
  };
}

const lowerKeys = (h: Record<string, string | undefined> | null): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])));

export function createApiHandler(
  fn: FunctionName,
  implementations: Record<string, RouteImplementation>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const missing = routesOf(fn).filter((r) => !implementations[r.id]);
  if (missing.length) throw new Error(`function ${fn} lacks routes: ${missing.map((r) => r.id).join(', ')}`);

  const base = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const route = findRoute(event.httpMethod, event.resource);
    if (!route || route.fn !== fn) {
      if (routesOf(fn).some((r) => r.path === event.resource)) throw new MethodNotAllowed(`${event.httpMethod} is not allowed here`);
      throw new NotFound(`no route for ${event.httpMethod} ${event.path}`);
    }
    const { caller, principal } = callerOf(event, route);
    const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const req: ApiRequest = {
      route,
      caller,
      principal,
      pathParameters: Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
      ),
      query: Object.fromEntries(
        Object.entries(event.queryStringParameters ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
      ),
      headers: lowerKeys(event.headers),
      body: raw,
      requestId: context.awsRequestId ?? event.requestContext.requestId,
    };
    return implementations[route.id]!(req);
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>(base).use({
    onError: async (request) => {
      const e = request.error;
      const instance = request.event?.path;
      if (e instanceof DomainError) {
        request.response = problemResponse(
          {
            ...problem(e.status, e.slug, e.title, e.message, { errors: e.errors, extensions: e.extensions }),
            ...(instance ? { instance } : {}),
          },
          e.headers,
        );
        return;
      }
      log.error('unhandled error', { ...errorFields(e), path: instance, requestId: request.context?.awsRequestId });
      request.response = problemResponse(
        problem(500, 'internal-error', 'Internal error', 'The request failed; it has been logged.'),
      );
    },
  });
}

/*
 * Input parsing: zod schemas for path, query and body; every issue becomes a field error
 * named after where it was (`body.lines.0.quantity`).
 */
export function parse<T extends z.ZodType>(where: 'path' | 'query' | 'body', schema: T, value: unknown): z.infer<T> {
  const out = schema.safeParse(value);
  if (out.success) return out.data;
  const errors: FieldError[] = out.error.issues.map((i) => ({
    field: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ValidationError(`${errors.length} invalid field${errors.length === 1 ? '' : 's'}`, { errors });
}

export function parseJsonBody<T extends z.ZodType>(req: ApiRequest, schema: T): z.infer<T> {
  if (req.body === null || req.body === '') return parse('body', schema, undefined);
  let json: unknown;
  try {
    json = JSON.parse(req.body);
  } catch {
    throw new ValidationError('the body is not valid JSON', { errors: [{ field: 'body', message: 'invalid JSON' }] });
  }
  return parse('body', schema, json);
}

/** The principal of an account route; its absence is a wiring bug, so it refuses. */
export function requirePrincipal(req: ApiRequest): Principal {
  if (!req.principal) throw new Forbidden('this route needs an account context');
  return req.principal;
}

export { jsonResponse };
