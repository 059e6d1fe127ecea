import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { arnMatches, methodArnFor } from '#shared/authz/arn.js';
import { matchPath, type FunctionName, type Route } from '#shared/http/routes.js';
import { GATEWAY_RESPONSE_HEADERS, GATEWAY_RESPONSES, type GatewayResponse, type GatewayResponseType } from '#shared/http/gateway-responses.js';
import { PROBLEM_CONTENT_TYPE } from '#shared/http/problem.js';

/*
 * A local emulation of API Gateway (REST API, Lambda proxy integrations, two REQUEST
 * authorizers), faithful where it matters for authorization:
 *   - the route comes from the same route table the CDK stack builds the API from;
 *   - a request without the identity source (Authorization header) is refused with 401
 *     before the authorizer runs, as API Gateway does;
 *   - the authorizer gets the REQUEST event shape and its policy is matched against the
 *     request's methodArn with API Gateway's wildcard rules; an explicit Deny wins;
 *   - its result is cached per identity source (Authorization header + path) for the TTL,
 *     so a cached policy answers every method on that path, as it would in AWS;
 *   - `auth: 'webhook'` routes run the webhook authorizer instead: its identity source is
 *     the path alone (no Authorization header needed), its result cached per path for the
 *     same TTL, its policy matched the same way;
 *   - the handler gets the proxy event with requestContext.authorizer filled in from the
 *     authorizer's context (values as strings, plus principalId);
 *   - API Gateway's own refusals are the problem+json gateway responses of the stack.
 */

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface GatewayOptions {
  /** Result cache TTL in seconds; 0 disables the cache (as in API Gateway). */
  cacheTtlSeconds: number;
  authorizer: () => Promise<AuthorizerHandler>;
  /** The webhook authorizer of `auth: 'webhook'` routes (functions/webhook-authorizer). */
  webhookAuthorizer?: () => Promise<AuthorizerHandler>;
  handler: (fn: FunctionName) => Promise<ProxyHandler>;
  /** Served before routing (e.g. the local issuer's JWKS); return true when handled. */
  extra?: (method: string, path: string, res: ServerResponse, req: IncomingMessage) => boolean;
  stage?: string;
  log?: (line: Record<string, unknown>) => void;
  /** For tests of the cache: the clock. */
  now?: () => number;
  maxBodyBytes?: number;
  /**
   * Told of every authorization the gateway makes (the bench's load test): whether the
   * cache answered, and how long the gateway spent from the cache lookup to the policy's
   * answer, the authorizer's run included when the cache did not answer.
   */
  onAuthorization?: (sample: AuthorizationSample) => void;
}

export interface AuthorizationSample {
  /** The request's headers (names as sent), e.g. for a load test to tell its classes apart. */
  headers: Record<string, string>;
  cached: boolean;
  allowed: boolean;
  /** Milliseconds, from the cache lookup to the policy's answer (the authorizer's run included when uncached). */
  ms: number;
  /**
   * This process's CPU time over the same span, in ms. Only the authorization's own when
   * nothing else runs in the process meanwhile (one request at a time); DynamoDB's time is
   * not in it (another process, or the network).
   */
  cpuMs: number;
}

export const LOCAL_API_ARN_PREFIX = 'arn:aws:execute-api:local:000000000000:kontorlocal';

interface CacheEntry {
  result: APIGatewayAuthorizerResult;
  expires: number;
}

/** API Gateway's evaluation of an authorizer policy for one methodArn: explicit Deny wins. */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const statements = (result.policyDocument?.Statement ?? []) as Array<{
    Effect?: string;
    Action?: string | string[];
    Resource?: string | string[];
  }>;
  const matches = (effect: string) =>
    statements.some((s) => {
      if (s.Effect !== effect) return false;
      const actions = ([] as string[]).concat(s.Action ?? []);
      if (!actions.some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*')) return false;
      return ([] as string[]).concat(s.Resource ?? []).some((r) => arnMatches(r, methodArn));
    });
  return !matches('Deny') && matches('Allow');
}

/** The authorizer context as API Gateway hands it to a proxy integration: strings, plus principalId. */
export function integrationAuthorizerContext(result: APIGatewayAuthorizerResult): Record<string, string> {
  const out: Record<string, string> = { principalId: result.principalId };
  for (const [k, v] of Object.entries(result.context ?? {})) {
    if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

export class AuthorizerCache {
  private readonly entries = new Map<string, CacheEntry>();
  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  static key(authorization: string, path: string): string {
    return `${authorization}\n${path}`;
  }

  /** The webhook authorizer's key: the path alone (its only identity source). */
  static webhookKey(path: string): string {
    return `webhook\n${path}`;
  }

  get(key: string): APIGatewayAuthorizerResult | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.result;
  }

  set(key: string, result: APIGatewayAuthorizerResult): void {
    if (this.ttlSeconds <= 0) return;
    // A bounded cache: drop the oldest entries rather than grow without limit.
    if (this.entries.size >= 10_000) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { result, expires: this.now() + this.ttlSeconds * 1000 });
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function gatewayResponse(res: ServerResponse, type: GatewayResponseType, path: string): number {
  const r: GatewayResponse = GATEWAY_RESPONSES[type];
  send(res, r.statusCode, { ...GATEWAY_RESPONSE_HEADERS, ...r.headers, 'content-type': PROBLEM_CONTENT_TYPE }, JSON.stringify({ ...r.problem, instance: path }));
  return r.statusCode;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/*
 * Maps keyed by what the client sent (header and query names) have no prototype: a name
 * like `__proto__`, `constructor` or `hasOwnProperty` is then an entry like any other, as
 * in the JSON event API Gateway hands a Lambda, instead of reaching Object.prototype (and
 * failing the request with a 502).
 */
const entries = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

function headerMaps(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single = entries<string>();
  const multi = entries<string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    (multi[name] ??= []).push(value);
    single[name] = value;
  }
  return { single, multi };
}

/** A request header by name, case-insensitively, as API Gateway resolves identity sources. */
const headerValue = (headers: Record<string, string>, name: string): string | undefined =>
  Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];

function queryMaps(url: URL): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  const single = entries<string>();
  const multi = entries<string[]>();
  for (const [k, v] of url.searchParams) {
    (multi[k] ??= []).push(v);
    single[k] = v;
  }
  return Object.keys(single).length ? { single, multi } : { single: null, multi: null };
}

const TEXT_TYPES = /^(application\/(json|problem\+json|x-www-form-urlencoded|xml|.*\+json|.*\+xml)|text\/)/i;

export function createGateway(options: GatewayOptions): Server {
  const stage = options.stage ?? 'local';
  const cache = new AuthorizerCache(options.cacheTtlSeconds, options.now);
  const log = options.log ?? (() => {});
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (options.extra?.(method, path, res, req)) return res.statusCode;

    const body = await readBody(req, maxBody);
    if (body === 'too-large') return gatewayResponse(res, 'REQUEST_TOO_LARGE', path);

    const matched = matchPath(method, path);
    // API Gateway answers an unknown path or method with MISSING_AUTHENTICATION_TOKEN.
    if (!matched.route) return gatewayResponse(res, 'MISSING_AUTHENTICATION_TOKEN', path);
    const route: Route = matched.route;
    const { single: headers, multi: multiHeaders } = headerMaps(req);
    const query = queryMaps(url);
    const requestId = randomUUID();
    const methodArn = methodArnFor(`${LOCAL_API_ARN_PREFIX}/${stage}`, method, path);
    const pathParameters = Object.keys(matched.pathParameters).length ? matched.pathParameters : null;

    let authorizerContext: Record<string, string> | undefined;
    if (route.auth !== 'public') {
      const webhook = route.auth === 'webhook';
      const authorization = headerValue(headers, 'authorization');
      // The identity source is missing: API Gateway refuses without calling the authorizer.
      // (The webhook authorizer's only source is the path, which is always there.)
      if (!webhook && !authorization) return gatewayResponse(res, 'UNAUTHORIZED', path);
      const authorizer = webhook ? options.webhookAuthorizer : options.authorizer;
      if (!authorizer) return gatewayResponse(res, 'AUTHORIZER_CONFIGURATION_ERROR', path);
      const started = performance.now();
      const cpu = options.onAuthorization && process.cpuUsage();
      const key = webhook ? AuthorizerCache.webhookKey(path) : AuthorizerCache.key(authorization!, path);
      let result = cache.get(key);
      const cached = result !== undefined;
      if (!result) {
        const event: APIGatewayRequestAuthorizerEvent = {
          type: 'REQUEST',
          methodArn,
          resource: route.path,
          path,
          httpMethod: method,
          headers,
          multiValueHeaders: multiHeaders,
          pathParameters,
          queryStringParameters: query.single,
          multiValueQueryStringParameters: query.multi,
          stageVariables: null,
          requestContext: {
            accountId: '000000000000',
            apiId: 'kontorlocal',
            httpMethod: method,
            path: `/${stage}${path}`,
            resourcePath: route.path,
            stage,
            requestId,
            requestTimeEpoch: Date.now(),
            resourceId: route.id,
            identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
          } as APIGatewayRequestAuthorizerEvent['requestContext'],
        };
        try {
          result = await (await authorizer())(event);
        } catch (e) {
          if (e instanceof Error && e.message === 'Unauthorized') return gatewayResponse(res, 'UNAUTHORIZED', path);
          log({ level: 'error', message: 'authorizer failed', error: e instanceof Error ? e.name : String(e) });
          return gatewayResponse(res, 'AUTHORIZER_FAILURE', path);
        }
        cache.set(key, result);
      }
      const allowed = policyAllows(result, methodArn);
      if (allowed) authorizerContext = integrationAuthorizerContext(result);
      if (options.onAuthorization && cpu) {
        const used = process.cpuUsage(cpu);
        options.onAuthorization({ headers, cached, allowed, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 });
      }
      if (!allowed) return gatewayResponse(res, 'ACCESS_DENIED', path);
    }

    const contentType = headerValue(headers, 'content-type') ?? '';
    const isText = body.length === 0 || contentType === '' || TEXT_TYPES.test(contentType);
    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders: multiHeaders,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters,
      stageVariables: null,
      body: body.length === 0 ? null : isText ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: body.length > 0 && !isText,
      requestContext: {
        accountId: '000000000000',
        apiId: 'kontorlocal',
        authorizer: authorizerContext ?? null,
        httpMethod: method,
        path: `/${stage}${path}`,
        protocol: 'HTTP/1.1',
        requestId,
        requestTimeEpoch: Date.now(),
        resourceId: route.id,
        resourcePath: route.path,
        stage,
        identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
      } as unknown as APIGatewayProxyEvent['requestContext'],
    };
    const context = {
      awsRequestId: requestId,
      functionName: `kontor-${route.fn}`,
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => 29_000,
    } as unknown as Context;

    let out: APIGatewayProxyResult;
    try {
      out = await (await options.handler(route.fn))(event, context);
    } catch (e) {
      // A Lambda that throws is a 502 from API Gateway; the error stays in the log.
      log({ level: 'error', message: 'handler failed', fn: route.fn, error: e instanceof Error ? e.stack : String(e) });
      return gatewayResponse(res, 'DEFAULT_5XX', path);
    }
    const responseHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(out.headers ?? {})) responseHeaders[k] = String(v);
    for (const [k, vs] of Object.entries(out.multiValueHeaders ?? {})) responseHeaders[k] = vs.map(String).join(', ');
    send(res, out.statusCode, responseHeaders, out.isBase64Encoded ? Buffer.from(out.body, 'base64') : (out.body ?? ''));
    return out.statusCode;
  }

  return createServer((req, res) => {
    const started = process.hrtime.bigint();
    handle(req, res)
      .then((status) => {
        log({
          level: 'info',
          message: 'request',
          method: req.method,
          path: req.url,
          status,
          ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
        });
      })
      .catch((e: unknown) => {
        log({ level: 'error', message: 'gateway failed', error: e instanceof Error ? e.stack : String(e) });
        if (!res.headersSent) gatewayResponse(res, 'DEFAULT_5XX', req.url ?? '/');
      });
  });
}
