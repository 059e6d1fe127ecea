import { createHash, createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoTransport, Operation, Operations } from './dynamo.js';

/*
 * A DynamoDB transport of a few hundred lines instead of the SDK's client stack: one
 * SigV4-signed HTTPS POST of the DynamoDB JSON protocol per request. It exists for the
 * authorizer, whose cold start is on every uncached request's path (docs/benchmarks.md:
 * the SDK client stack alone was ~350 KB of bundle and most of its init). It implements
 * only what the authorizer sends, GetItem and BatchGetItem; anything else is refused.
 *
 * What it keeps of the SDK's behaviour, on purpose:
 *   - credentials from the Lambda environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *     AWS_SESSION_TOKEN: what Lambda sets from the execution role), read at each request, so
 *     refreshed credentials are used; none there: the request fails (the authorizer then
 *     answers 503, never an allow);
 *   - retries like the SDK's standard mode: 3 attempts, full-jitter exponential backoff,
 *     on throttling, 5xx, timeouts and dropped connections; never on a 4xx;
 *   - errors in the SDK's shape (`name` = the DynamoDB error type, `$metadata.httpStatusCode`,
 *     Node's `code` for network errors), so shared/data/dynamo.ts's one mapper reads them;
 *   - a keep-alive connection reused across invocations.
 * And one thing the SDK's default lacks: a time limit per attempt, so a stalled connection
 * fails closed well within the function's timeout instead of hanging it.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignedTransportOptions {
  /** https://dynamodb.<region>.amazonaws.com, or DynamoDB Local's address. */
  endpoint: string;
  region: string;
  /** Read before every request (Lambda may rotate them). */
  credentials: () => Credentials;
  /** Attempts in all, the first included. @default 3 */
  maxAttempts?: number;
  /** Limit for one attempt (connect, send, answer), in ms. @default 2000 */
  attemptTimeoutMs?: number;
  /**
   * Backoff bases and cap, in ms (full jitter: a random wait in [0, min(cap, base * 2^n))),
   * the SDK's standard mode's: 100 ms, 500 ms after throttling, 20 s.
   */
  backoffBaseMs?: number;
  throttledBackoffBaseMs?: number;
  backoffCapMs?: number;
  /** For tests: a clock and a random source. */
  now?: () => Date;
  random?: () => number;
}

// ---------------------------------------------------------------- SigV4

export interface SignableRequest {
  method: string;
  url: URL;
  /** Header names in any case; `host` and `x-amz-date` are added. */
  headers: Record<string, string>;
  body: string;
}

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams].map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * AWS Signature Version 4 (the Authorization header form): returns the headers to send,
 * `host`, `x-amz-date`, `x-amz-security-token` (with temporary credentials) and
 * `authorization` added. Every header given is signed.
 */
export function signRequest(
  request: SignableRequest,
  credentials: Credentials,
  scope: { region: string; service: string; date: Date },
): Record<string, string> {
  const amzDate = scope.date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.url.host;
  headers['x-amz-date'] = amzDate;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const path = request.url.pathname.split('/').map((seg) => uriEncode(decodeURIComponent(seg))).join('/') || '/';
  const canonicalRequest = [request.method, path, canonicalQuery(request.url), canonicalHeaders, signedHeaders, sha256Hex(request.body)].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), scope.region), scope.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

// ---------------------------------------------------------------- credentials

/** The Lambda execution role's credentials, as Lambda puts them in the environment. */
export function environmentCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw Object.assign(new Error('no AWS credentials in the environment'), { name: 'CredentialsProviderError' });
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

// ---------------------------------------------------------------- errors and retries

/** An error as the SDK would have thrown it: the DynamoDB error type as `name`, the HTTP status. */
export class DynamoServiceError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingError',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Whether another attempt may succeed: throttling, a 5xx, a timeout, a dropped connection. */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e instanceof DynamoServiceError) return THROTTLING.has(e.name) || e.$metadata.httpStatusCode >= 500;
  if (e.name === 'TimeoutError') return true;
  const code = (e as Error & { code?: string }).code;
  return code !== undefined && NETWORK.has(code);
}

/** DynamoDB's JSON error body: `{"__type": "com.amazonaws.dynamodb.v20120810#Name", "message": "..."}`. */
function serviceError(status: number, body: string): DynamoServiceError {
  let type = '';
  let message = '';
  try {
    const parsed = JSON.parse(body) as { __type?: string; message?: string; Message?: string };
    type = parsed.__type ?? '';
    message = parsed.message ?? parsed.Message ?? '';
  } catch {
    // not JSON (a proxy's page): the status decides below
  }
  const name = type.slice(type.lastIndexOf('#') + 1) || (status >= 500 ? 'InternalServerError' : `Http${status}`);
  return new DynamoServiceError(name, message || `DynamoDB answered ${status}`, status);
}

// ---------------------------------------------------------------- the transport

const SUPPORTED = new Set<Operation>(['GetItem', 'BatchGetItem']);

/** Document-form input to DynamoDB JSON: keys marshalled; everything else passes as is. */
function wireInput(operation: Operation, input: Operations['GetItem'][0] | Operations['BatchGetItem'][0]): unknown {
  if (operation === 'GetItem') {
    const i = input as Operations['GetItem'][0];
    return { ...i, Key: marshall(i.Key) };
  }
  const i = input as Operations['BatchGetItem'][0];
  const requestItems: Record<string, unknown> = {};
  for (const [table, request] of Object.entries(i.RequestItems ?? {})) {
    requestItems[table] = { ...request, Keys: (request.Keys ?? []).map((k) => marshall(k)) };
  }
  return { ...i, RequestItems: requestItems };
}

type WireItem = Record<string, AttributeValue>;
const fromWire = (item: WireItem): Record<string, unknown> => unmarshall(item);

function documentOutput(operation: Operation, raw: Record<string, unknown>): unknown {
  if (operation === 'GetItem') {
    return { ...raw, Item: raw.Item ? fromWire(raw.Item as WireItem) : undefined, $metadata: {} };
  }
  const responses: Record<string, unknown[]> = {};
  for (const [table, items] of Object.entries((raw.Responses ?? {}) as Record<string, WireItem[]>)) responses[table] = items.map(fromWire);
  const unprocessed: Record<string, unknown> = {};
  for (const [table, request] of Object.entries((raw.UnprocessedKeys ?? {}) as Record<string, { Keys?: WireItem[] }>)) {
    unprocessed[table] = { ...request, Keys: (request.Keys ?? []).map(fromWire) };
  }
  return { ...raw, Responses: responses, UnprocessedKeys: unprocessed, $metadata: {} };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function signedTransport(options: SignedTransportOptions): DynamoTransport {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  // One keep-alive agent per transport: the TLS handshake is paid once per container.
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 50 }) : new HttpAgent({ keepAlive: true, maxSockets: 50 });
  const send = secure ? httpsRequest : httpRequest;
  const maxAttempts = options.maxAttempts ?? 3;
  const timeoutMs = options.attemptTimeoutMs ?? 2000;
  const base = options.backoffBaseMs ?? 100;
  const throttledBase = options.throttledBackoffBaseMs ?? 500;
  const cap = options.backoffCapMs ?? 20_000;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;

  function attempt(target: string, body: string): Promise<Record<string, unknown>> {
    const headers = signRequest(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${target}` },
        body,
      },
      options.credentials(),
      { region: options.region, service: 'dynamodb', date: now() },
    );
    headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'POST', headers, agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status !== 200) return reject(serviceError(status, text));
          try {
            resolve(JSON.parse(text) as Record<string, unknown>);
          } catch {
            reject(new DynamoServiceError('InternalServerError', 'DynamoDB answered with a body that is not JSON', 502));
          }
        });
      });
      // One limit for the whole attempt, connect to last byte; then the socket is dropped.
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no answer from DynamoDB within ${timeoutMs} ms`), { name: 'TimeoutError' }));
      }, timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }

  return {
    async request<O extends Operation>(operation: O, input: Operations[O][0]): Promise<Operations[O][1]> {
      if (!SUPPORTED.has(operation)) throw new Error(`the signed DynamoDB transport does not implement ${operation}`);
      const body = JSON.stringify(wireInput(operation, input as Operations['GetItem'][0]));
      for (let n = 0; ; n++) {
        try {
          const raw = await attempt(operation, body);
          return documentOutput(operation, raw) as Operations[O][1];
        } catch (e) {
          if (n + 1 >= maxAttempts || !isRetryable(e)) throw e;
          const b = e instanceof DynamoServiceError && THROTTLING.has(e.name) ? throttledBase : base;
          await sleep(random() * Math.min(cap, b * 2 ** n));
        }
      }
    },
  };
}

/**
 * The transport of a function in Lambda (its region's endpoint, the role's credentials) or,
 * with DYNAMODB_ENDPOINT set, of the local runtime (DynamoDB Local, which accepts any key;
 * never a developer's real credentials).
 */
export function lambdaTransport(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): DynamoTransport {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'local';
  if (endpoint) return signedTransport({ endpoint, region, credentials: () => ({ accessKeyId: 'local', secretAccessKey: 'local' }) });
  return signedTransport({ endpoint: `https://dynamodb.${region}.amazonaws.com`, region, credentials: () => environmentCredentials(env) });
}
