import { PayloadTooLarge, PreconditionFailed, UnsupportedMediaType, ValidationError } from '../domain/errors.js';
import type { HttpResponse } from './problem.js';
import { jsonBodyOf } from './problem.js';
import type { Route } from './routes.js';

/*
 * The HTTP conventions every API route shares, applied by the wrapper (shared/http/api.ts)
 * so that no route can forget one:
 *   - request bodies are JSON, or the answer is 415, and at most MAX_BODY_BYTES, or 413;
 *   - every answer says `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`;
 *   - single-resource reads and changes carry `ETag: "<version>"`, and `If-Match` is the
 *     header form of the optimistic-locking `version` the routes already take.
 */

// ---- request media type ------------------------------------------------------------------

/**
 * A body must be JSON: `application/json`, or a structured-syntax `+json` type (RFC 6839:
 * the body is JSON and is read as JSON; e.g. `application/merge-patch+json`, which is what
 * the PATCH routes' partial bodies are). A `charset` parameter other than UTF-8 is refused:
 * the body is decoded as UTF-8 (RFC 8259 8.1).
 *
 * A body without any Content-Type is read as JSON: RFC 9110 8.3 lets a recipient examine
 * the data when the type is absent, and a body that is not JSON is then a 400 naming it.
 * No body at all is always fine (a POST that accepts none stays valid).
 */
export function requireJsonBody(method: string, headers: Record<string, string>, body: string | null, rawBody: readonly string[] = []): void {
  if (body === null || body === '') return;
  requireBodyWithinLimit(body);
  const contentType = headers['content-type'];
  if (contentType === undefined || contentType.trim() === '') return;
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  const isJson = type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
  if (isJson && (charset === undefined || charset === 'utf-8')) return;
  // A route that reads a raw body (Route.rawBody) takes exactly its listed types, as UTF-8
  // text (US-ASCII is a subset); the route's own parser then judges the content.
  if (rawBody.includes(type) && (charset === undefined || charset === 'utf-8' || charset === 'us-ascii')) return;
  if (rawBody.length > 0) {
    throw new UnsupportedMediaType(`this route reads ${['application/json', ...rawBody].join(', ')} in UTF-8, not ${contentType}`, {
      headers: { 'accept-post': ['application/json', ...rawBody].join(', ') },
    });
  }
  throw new UnsupportedMediaType(`a request body must be application/json in UTF-8, not ${contentType}`, {
    // RFC 9110 15.5.16 / RFC 5789 3.1: say what would have been accepted.
    headers: method === 'PATCH' ? { 'accept-patch': 'application/json' } : { 'accept-post': 'application/json' },
  });
}

/**
 * The largest request body the API reads, in bytes of UTF-8. API Gateway (REST) takes up
 * to 10 MB and a synchronous Lambda invocation 6 MB; the largest body a route needs (a
 * document of 200 lines) is a few hundred KB. Checked before anything parses the body, so
 * a huge one costs neither JSON parsing nor validation, nor an equally huge 400.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

function requireBodyWithinLimit(body: string): void {
  // UTF-8 needs at least one byte per UTF-16 unit, so a short string is within the limit.
  if (body.length * 3 <= MAX_BODY_BYTES) return;
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new PayloadTooLarge(`the request body is ${bytes} bytes; at most ${MAX_BODY_BYTES} are read`, {
      extensions: { maxBytes: MAX_BODY_BYTES },
    });
  }
}

// ---- response headers ------------------------------------------------------------------

const hasHeader = (headers: Record<string, string>, name: string): boolean =>
  Object.keys(headers).some((k) => k.toLowerCase() === name);

/**
 * `Cache-Control: no-store` on everything (tenant data must never sit in a shared cache),
 * except that a public route may set its own caching (the OpenAPI document). `nosniff` so a
 * browser never reinterprets a JSON or CSV body as something executable.
 */
export function withResponseHeaders(route: Route | undefined, res: HttpResponse): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) {
    // Only a public route's implementation decides its own caching.
    if (k.toLowerCase() === 'cache-control' && route?.auth !== 'public') continue;
    headers[k] = v;
  }
  if (!hasHeader(headers, 'cache-control')) headers['cache-control'] = 'no-store';
  if (!hasHeader(headers, 'x-content-type-options')) headers['x-content-type-options'] = 'nosniff';
  return { ...res, headers };
}

/**
 * `ETag: "<version>"` (strong) when a single-resource read, or a PATCH/PUT answering with
 * the changed resource, returns a JSON object with an integer `version`; the tag is exactly
 * what `If-Match` takes back.
 */
export function withETag(method: string, res: HttpResponse): HttpResponse {
  if (res.statusCode !== 200 || !['GET', 'PATCH', 'PUT'].includes(method)) return res;
  if (hasHeader(res.headers ?? {}, 'etag')) return res;
  const body = jsonBodyOf(res);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return res;
  const version = (body as { version?: unknown }).version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) return res;
  return { ...res, headers: { ...res.headers, etag: `"${version}"` } };
}

// ---- If-Match ------------------------------------------------------------------------------

/** What an If-Match header asked for: a version, any current representation (`*`), or nothing. */
export type IfMatch = { kind: 'none' } | { kind: 'any' } | { kind: 'version'; version: number };

const ETAG = /^(?:W\/)?"(\d{1,15})"$/;

/**
 * Parses `If-Match`. Kontor's entity tags are `"<version>"`; a weak `W/"<n>"` is read as
 * the same version (clients and proxies add W/ freely, and the version is exact either way);
 * `*` means "the resource exists". A list of several tags is refused: a change is based on
 * one version.
 */
export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return { kind: 'none' };
  const value = header.trim();
  if (value === '*') return { kind: 'any' };
  const m = ETAG.exec(value);
  if (!m) {
    throw new ValidationError('the If-Match header is invalid', {
      errors: [{ field: 'header.If-Match', message: 'one entity tag "<version>" (or W/"<version>", or *)' }],
    });
  }
  return { kind: 'version', version: Number(m[1]) };
}

/**
 * Applies If-Match to a versioned route: the version goes where the route reads it (the
 * JSON body's `version`, or `?version=` for a DELETE) when the request did not say it
 * there; when both say a version and they differ, the precondition fails (412). Anything
 * that is not a JSON object body is left for the route's own parsing to refuse.
 */
export function applyIfMatch(
  route: Route,
  ifMatch: IfMatch,
  body: string | null,
  query: Record<string, string>,
): { body: string | null; query: Record<string, string> } {
  if (ifMatch.kind !== 'version' || route.versioned === undefined) return { body, query };
  const wanted = ifMatch.version;
  const mismatch = (said: number) =>
    new PreconditionFailed(`If-Match names version ${wanted} but the request says version ${said}`, {
      extensions: { ifMatch: wanted, version: said },
    });

  if (route.versioned === 'query') {
    const said = query.version;
    if (said === undefined) return { body, query: { ...query, version: String(wanted) } };
    if (/^\d+$/.test(said) && Number(said) !== wanted) throw mismatch(Number(said));
    return { body, query };
  }

  if (body === null || body === '') return { body, query };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { body, query };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { body, query };
  const said = (json as { version?: unknown }).version;
  if (said === undefined) return { body: JSON.stringify({ ...json, version: wanted }), query };
  if (typeof said === 'number' && said !== wanted) throw mismatch(said);
  return { body, query };
}
