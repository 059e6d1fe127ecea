import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import { fromHex } from '../authz/permission-set.js';
import { decide, type Principal, type Via } from '../authz/engine.js';
import type { RoleRef } from '../authz/roles.js';
import { parseAccountId, type AccountRef } from '../domain/ids.js';
import {
  DomainError,
  Forbidden,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  PreconditionFailed,
  ServiceUnavailable,
  StaleVersion,
  ValidationError,
  type FieldError,
} from '../domain/errors.js';
import { documentClient, tableName } from '../data/client.js';
import { loadFreshAccess, type FreshAccess } from '../data/entities/access-facts.js';
import type { Actor } from '../data/entities/membership.js';
import { logger } from '../observability/logger.js';
import { idempotentReplay, routeError, routeLatency } from '../observability/metrics.js';
import { findRoute, routesOf, type FunctionName, type Route } from './routes.js';
import { jsonResponse, problem, problemResponse, type HttpResponse } from './problem.js';
import { errorFields, log } from './log.js';
import { applyIfMatch, MAX_BODY_BYTES, parseIfMatch, requireJsonBody, withETag, withResponseHeaders } from './conventions.js';
import { idempotencyKeyOf, isReplay } from './idempotency-key.js';
import { conformResponse } from './response-contract.js';
import type { RouteContract } from '../contracts/types.js';
import type * as IdempotencyModule from './idempotency.js';

/*
 * The one way an API Lambda is built: middy wraps a table of route implementations keyed
 * by the route table's ids. For every request, in this order, the wrapper
 *   1. finds the route from API Gateway's `resource` and method;
 *   2. rebuilds the caller from the authorizer's context and re-checks the route's
 *      permission in the path's account (before anything of the body is read); for a
 *      change (POST, PUT, PATCH, DELETE on an account route) it re-reads the caller's
 *      access and decides again on that, since the context may be cached;
 *   3. applies the HTTP conventions (shared/http/conventions.ts): a JSON body or 415,
 *      If-Match as the optimistic-locking version;
 *   4. runs the route, under its Idempotency-Key when the route is `idempotent`;
 *   5. adds ETag, Cache-Control and nosniff, and turns every thrown DomainError into
 *      problem+json; anything else becomes an opaque 500.
 * Each request is logged with its ids and measured (latency, errors) per route.
 */

export interface Caller {
  userId: string;
  email: string | undefined;
  emailVerified: boolean;
}

export interface ApiRequest {
  route: Route;
  caller: Caller;
  /**
   * Present on account routes: the caller's compiled access in the path's account. For a
   * change it is the freshly read one (`actor`); for a read, the authorizer's context.
   */
  principal: Principal | undefined;
  /** Present on changes to an account: the caller's access as read for this request, with the items it rests on. */
  actor: Actor | undefined;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | null;
  /**
   * Webhook routes only: the body exactly as received, whatever its media type (a provider
   * signs these bytes). Such routes skip the JSON-body convention; the size limit holds.
   */
  bodyBytes: Buffer | undefined;
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

/** What the webhook authorizer hands a webhook route: the integration it admitted. */
const webhookContext = z.object({ scope: z.literal('webhook'), integrationId: z.string().min(1), activatedBy: z.string().min(1) });

function callerOf(event: APIGatewayProxyEvent, route: Route): { caller: Caller; principal: Principal | undefined } {
  if (route.auth === 'public') {
    return { caller: { userId: '', email: undefined, emailVerified: false }, principal: undefined };
  }
  if (route.auth === 'webhook') {
    // The webhook authorizer admitted THIS integration: its context must name the path's.
    const parsed = webhookContext.safeParse(event.requestContext.authorizer ?? {});
    if (!parsed.success || parsed.data.integrationId !== event.pathParameters?.integrationId) {
      throw new Forbidden('no webhook authorization for this integration');
    }
    return { caller: { userId: parsed.data.activatedBy, email: undefined, emailVerified: false }, principal: undefined };
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

/**
 * The route's permission, checked again in the handler from the authorizer's context: the
 * API Gateway policy is one line of defence, this is the second, so a policy bug (or a
 * cached policy) can never run a route the caller may not use. Scoped actions pass with
 * either scope (`decide` says `not-own-object` when only `.own` is held and there is no
 * object yet); the use cases narrow to the caller's own objects.
 */
function requireRoutePermission(route: Route, principal: Principal | undefined, accountId: string | undefined): void {
  if (typeof route.auth === 'string') return;
  const ref = accountId === undefined ? undefined : parseAccountId(accountId);
  if (!principal || !ref) throw new Forbidden('this route needs an account context');
  const decision = decide(principal, route.auth.action, { organizationId: ref.organizationId, accountId: ref.accountId });
  if (!decision.allowed && decision.reason !== 'not-own-object') {
    throw new Forbidden(`the caller may not ${route.auth.action} in this account`, { extensions: { reason: decision.reason } });
  }
}

/** How a change re-checks the (possibly cached) principal in the path's account; tests replace it (`setAccessRecheck`). */
export type AccessRecheck = (cached: Principal, ref: AccountRef) => Promise<FreshAccess>;
const fromTable: AccessRecheck = (cached, ref) => loadFreshAccess(documentClient(), tableName(), cached.userId, ref);
let recheckAccess: AccessRecheck = fromTable;

/** Test seam: replaces the re-read of the caller's access; without an argument, restores the table read. */
export function setAccessRecheck(recheck: AccessRecheck = fromTable): void {
  recheckAccess = recheck;
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The authorizer's answer may come from API Gateway's result cache, up to its TTL old, so
 * a caller demoted or removed a moment ago would still pass on a path they called before.
 * Reads accept that window; changes do not: the caller's access is read again, exactly as
 * the authorizer reads it (one strongly consistent BatchGetItem), and the route's action
 * decided on that. A read that fails is a 503, never the cached allow.
 */
async function freshActor(route: Route, cached: Principal, accountId: string | undefined): Promise<Actor> {
  const ref = accountId === undefined ? undefined : parseAccountId(accountId);
  if (!ref) throw new Forbidden('this route needs an account context');
  let access: FreshAccess;
  try {
    access = await recheckAccess(cached, ref);
  } catch (e) {
    log.warn('access re-read failed', errorFields(e));
    if (e instanceof ServiceUnavailable) throw e;
    throw new ServiceUnavailable('your access could not be confirmed; retry shortly', { retryAfterSeconds: 1 });
  }
  if (!access.allowed) {
    throw new Forbidden(`the caller may not ${typeof route.auth === 'string' ? 'use this route' : route.auth.action} in this account`, {
      extensions: { reason: access.reason },
    });
  }
  requireRoutePermission(route, access.actor, accountId);
  return access.actor;
}

/** A correlation id the client sent, if it is a sane one; else API Gateway's request id. */
function correlationIdOf(event: APIGatewayProxyEvent, headers: Record<string, string>): string {
  const sent = headers['x-correlation-id'];
  if (sent !== undefined && /^[\x21-\x7e]{1,128}$/.test(sent)) return sent;
  return event.requestContext?.requestId ?? '';
}

const lowerKeys = (h: Record<string, string | undefined> | null): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])));

type Contracts = Readonly<Record<string, RouteContract | undefined>>;

/**
 * A function's handler: its routes' implementations, and their contracts (the same objects
 * the OpenAPI document is generated from), through which every success answer is serialized.
 * Every deployed function passes its contracts (test/unit/http/response-contract.test.ts
 * checks each one, through `contracts` on the handler); unit tests of the wrapper's other
 * behaviour may leave them out.
 */
export function createApiHandler(
  fn: FunctionName,
  implementations: Record<string, RouteImplementation>,
  contracts: Contracts = {},
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> & { readonly contracts: Contracts } {
  const missing = routesOf(fn).filter((r) => !implementations[r.id]);
  if (missing.length) throw new Error(`function ${fn} lacks routes: ${missing.map((r) => r.id).join(', ')}`);

  const base = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const route = findRoute(event.httpMethod, event.resource);
    if (!route || route.fn !== fn) {
      if (routesOf(fn).some((r) => r.path === event.resource)) throw new MethodNotAllowed(`${event.httpMethod} is not allowed here`);
      throw new NotFound(`no route for ${event.httpMethod} ${event.path}`);
    }
    routeOf.set(event, route);
    logger.appendKeys({ route: route.id });
    const { caller, principal } = callerOf(event, route);
    if (caller.userId) logger.appendKeys({ userId: caller.userId });
    if (principal) logger.appendKeys({ accountId: principal.accountId });
    requireRoutePermission(route, principal, event.pathParameters?.accountId);
    const actor =
      principal && CHANGES.has(event.httpMethod) ? await freshActor(route, principal, event.pathParameters?.accountId) : undefined;

    const headers = lowerKeys(event.headers);
    const bodyBytes = route.auth === 'webhook' ? webhookBody(event) : undefined;
    const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    // A webhook's body is its provider's bytes, verified by signature, never parsed here; any
    // other route takes JSON, or the raw media types its route names (Route.rawBody).
    if (!bodyBytes) requireJsonBody(event.httpMethod, headers, raw, route.rawBody);
    const ifMatch = parseIfMatch(headers['if-match']);
    const { body, query } = applyIfMatch(
      route,
      ifMatch,
      raw,
      Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]]))),
    );
    const idempotencyKey = route.idempotent ? idempotencyKeyOf(headers) : undefined;

    const req: ApiRequest = {
      route,
      caller,
      principal: actor ?? principal,
      actor,
      pathParameters: Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
      ),
      query,
      headers,
      body,
      bodyBytes,
      requestId: context.awsRequestId ?? event.requestContext.requestId,
    };
    const run = async () => conformResponse(route, contracts[route.id], await implementations[route.id]!(req));
    let res: HttpResponse;
    try {
      res =
        idempotencyKey === undefined
          ? await run()
          : await (await loadIdempotency()).runIdempotent(
              { route, userId: caller.userId, accountId: principal?.accountId, key: idempotencyKey, body, context },
              run,
            );
    } catch (e) {
      // RFC 9110 13.1.1: a change conditioned on If-Match that finds another version is a
      // failed precondition (412), not the body-version conflict (409) it is without it.
      if (ifMatch.kind === 'version' && route.versioned && e instanceof StaleVersion) {
        throw new PreconditionFailed(e.message, { extensions: e.extensions });
      }
      throw e;
    }
    if (isReplay(res)) idempotentReplay(route.id);
    return withResponseHeaders(route, withETag(event.httpMethod, res));
  };

  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(base)
    .use(observe())
    .use({
      onError: async (request) => {
        // Middy's early timeout (just before the Lambda deadline) and any SDK time-out that
        // escaped the DynamoDB mapper: the work did not finish in time, which is an outage to
        // retry (a creating POST safely, under its Idempotency-Key), not an internal error.
        const e =
          request.error?.name === 'TimeoutError' && !(request.error instanceof DomainError)
            ? new ServiceUnavailable('the request ran out of time; retry shortly', { retryAfterSeconds: 1 })
            : request.error;
        const instance = request.event?.path;
        const route = request.event ? routeOf.get(request.event) : undefined;
        if (e instanceof DomainError) {
          request.response = withResponseHeaders(
            route,
            problemResponse(
              {
                ...problem(e.status, e.slug, e.title, e.message, { errors: e.errors, extensions: e.extensions }),
                ...(instance ? { instance } : {}),
              },
              e.headers,
            ),
          );
          return;
        }
        log.error('unhandled error', { ...errorFields(e), path: instance, requestId: request.context?.awsRequestId });
        request.response = withResponseHeaders(
          route,
          problemResponse(problem(500, 'internal-error', 'Internal error', 'The request failed; it has been logged.')),
        );
      },
    });
  return Object.assign(handler, { contracts });
}

/**
 * A webhook's body as bytes: base64-decoded when API Gateway passed it so (a binary media
 * type), else the UTF-8 of the string it passed, which for the JSON and form bodies
 * providers send is the bytes they signed. Over MAX_BODY_BYTES is a 413, as for any route.
 */
function webhookBody(event: APIGatewayProxyEvent): Buffer {
  const bytes = event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new PayloadTooLarge(`the request body is ${bytes.length} bytes; at most ${MAX_BODY_BYTES} are read`, { extensions: { maxBytes: MAX_BODY_BYTES } });
  }
  return bytes;
}

/**
 * The idempotency store, loaded on the first request that sends an Idempotency-Key: it
 * brings Powertools Idempotency and JMESPath, which no other request needs at cold start.
 */
let idempotency: Promise<typeof IdempotencyModule> | undefined;
const loadIdempotency = () => (idempotency ??= import('./idempotency.js'));

/** The route each event was matched to, for the error and metrics middlewares. */
const routeOf = new WeakMap<APIGatewayProxyEvent, Route>();

/**
 * Per-request logging keys and metrics: the request and correlation ids and the cold start
 * before anything runs; latency and errors per route when the answer (or problem) is known.
 * Runs outermost of the wrapper's own middlewares, so it sees the final response.
 */
function observe(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const started = new WeakMap<object, number>();
  const finish = (request: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>) => {
    const route = request.event ? routeOf.get(request.event) : undefined;
    const status = request.response?.statusCode ?? 500;
    const id = route?.id ?? 'unmatched';
    routeLatency(id, performance.now() - (started.get(request) ?? performance.now()));
    if (status >= 400) routeError(id, status);
    // One summary line per request in Lambda; the local runtime's gateway logs its own.
    if (process.env.AWS_LAMBDA_FUNCTION_NAME) log.info('request', { method: request.event?.httpMethod, status });
  };
  return {
    before: async (request) => {
      started.set(request, performance.now());
      logger.resetKeys();
      if (request.context) logger.addContext(request.context);
      logger.appendKeys({ correlationId: correlationIdOf(request.event, lowerKeys(request.event?.headers ?? null)) });
    },
    after: async (request) => finish(request),
    onError: async (request) => {
      // The error middleware (registered after this one, so it runs first on errors) has
      // already turned the error into a response; without one, it is a 500.
      finish(request);
    },
  };
}

/*
 * Input parsing: zod schemas for path, query and body; every issue becomes a field error
 * named after where it was (`body.lines.0.quantity`). A 400 stays small whatever was sent:
 * the first MAX_FIELD_ERRORS issues, the rest counted in `moreErrors`, and field names and
 * messages clipped (one issue about 100,000 unknown keys would otherwise list every key).
 */
const MAX_FIELD_ERRORS = 20;
const MAX_ERROR_TEXT = 200;
const clip = (s: string): string => (s.length <= MAX_ERROR_TEXT ? s : `${s.slice(0, MAX_ERROR_TEXT - 1)}…`);

export function parse<T extends z.ZodType>(where: 'path' | 'query' | 'body', schema: T, value: unknown): z.infer<T> {
  const out = schema.safeParse(value);
  if (out.success) return out.data;
  const { issues } = out.error;
  const errors: FieldError[] = issues.slice(0, MAX_FIELD_ERRORS).map((i) => ({
    field: clip([where, ...i.path.map(String)].join('.')),
    message: clip(i.message),
  }));
  const moreErrors = issues.length - errors.length;
  throw new ValidationError(`${issues.length} invalid field${issues.length === 1 ? '' : 's'}`, {
    errors,
    ...(moreErrors > 0 ? { extensions: { moreErrors } } : {}),
  });
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

/** The caller of a change, as read for this request; its absence is a wiring bug, so it refuses. */
export function requireActor(req: ApiRequest): Actor {
  if (!req.actor) throw new Forbidden('this route needs an account context');
  return req.actor;
}

export { jsonResponse };
