import * as z from 'zod';
import { CONTRACTS } from '../contracts/index.js';
import type { RouteContract } from '../contracts/types.js';
import { ROUTES, type Route } from './routes.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/*
 * The OpenAPI 3.1 document, generated from the route table and the zod contracts the
 * handlers validate with: what is published is what is enforced. Served at /openapi.json
 * and written to docs/openapi.json by `npm run openapi` (a test fails when that is stale).
 *
 * A schema that carries `.meta({ id })` (Document, Money, AccountId, …) is written once
 * under components.schemas and referenced everywhere it is used, so a code generator makes
 * one type of it. Each direction is converted in one pass over every route's schemas:
 * requests as zod's `input` (defaults make a field optional), responses as `output`. A
 * named schema whose two JSON forms differ is published twice, its request form as
 * `<id>Input`; one whose forms agree is published once.
 */
type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const SCHEMAS = '#/components/schemas/';
const RESPONSES = '#/components/responses/';
// zod writes a named schema it meets only inside another one under this pseudo-schema.
const SHARED_REF = `${SCHEMAS}__shared#/$defs/`;
// Schemas of one operation without a name of their own get a placeholder id; they are
// inlined into their operation and never appear in components.
const INLINE = '~op';

// --- the error shapes (RFC 9457), named like the contracts' schemas ---------------------
const fieldError = z
  .object({ field: z.string().describe('where: `body.lines.0.quantity`, `query.limit`, `path.accountId`'), message: z.string() })
  .meta({ id: 'FieldError' });
const problem = z
  .object({
    type: z.url().describe('identifies the kind of problem; stable, for clients to branch on'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; some types add members of their own' });
const validationProblem = problem
  .extend({
    errors: z.array(fieldError).min(1).max(20),
    moreErrors: z.number().int().min(1).optional().describe('how many more invalid fields there were than `errors` names (at most 20)'),
  })
  .meta({ id: 'ValidationProblem', description: 'A 400: the invalid fields (the first 20), each named by where it was' });

const HEADERS = '#/components/headers/';
const PARAMETERS = '#/components/parameters/';
const ref = (base: string, name: string) => ({ $ref: `${base}${name}` });

/*
 * Response headers and request header parameters of the wrapper's HTTP conventions
 * (shared/http/conventions.ts, shared/http/idempotency-key.ts), each written once and
 * referenced, so that an operation costs a few bytes per convention it follows.
 */
const HEADER_COMPONENTS = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  ETag: {
    description: 'The version of the resource as a strong entity tag, `"<version>"`: send it back as `If-Match`',
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description: 'Present (`true`) when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
} as const;

const PARAMETER_COMPONENTS = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes the request safe to retry. A retry with the same key and the same body replays the first 2xx answer (with `Idempotent-Replayed: true`) instead of creating again; the same key with another body is a 422. Keys are per caller, account and route, and kept 24 h. A 4xx/5xx answer is not kept: fix the request and retry with the same key. A bare token or a quoted string.',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description:
      'The version the change is based on, as the `ETag` of the resource: `"<version>"` (or `W/"<version>"`, read as the same), or `*`. An alternative to the `version` of the body or query; when both are sent and differ, or the resource is at another version, the answer is 412.',
    schema: { type: 'string', pattern: '^(\\*|(W/)?"[0-9]{1,15}")$' },
  },
} as const;

const problemResponse = (description: string, schema = 'Problem', headers?: JsonSchema): JsonSchema => ({
  description,
  ...(headers ? { headers } : {}),
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `${SCHEMAS}${schema}` } } },
});
const retryAfter = { 'Retry-After': ref(HEADERS, 'Retry-After') };

/*
 * The errors the API answers with, each once. Which operation lists which is decided by
 * the route table (auth, `idempotent`, `versioned`) and the contract (a body), the same
 * facts the wrapper acts on, so a new route publishes the conventions it gets.
 */
const ERROR_RESPONSES = {
  BadRequest: problemResponse('Invalid input; `errors[]` names each field', 'ValidationProblem'),
  Unauthorized: problemResponse('No valid bearer token'),
  Forbidden: problemResponse('The caller may not do this in this account'),
  NotFound: problemResponse('Not found, or not visible to the caller'),
  Conflict: problemResponse(
    'Conflicts with the current state (a stale `version`, a status change not allowed, …; `idempotency-in-progress`, with `Retry-After`, when the first request with this Idempotency-Key is still running; `acl-busy`, with `Retry-After`, while another change to the permissions of the account is applied); `type` says which',
    'Problem',
    retryAfter,
  ),
  PreconditionFailed: problemResponse('`precondition-failed`: `If-Match` names another version than the request or the resource'),
  PayloadTooLarge: problemResponse('The request body is over the limit'),
  UnsupportedMediaType: problemResponse('`unsupported-media-type`: a request body must be JSON (`application/json` or a `+json` type) in UTF-8'),
  UnprocessableContent: problemResponse('`idempotency-key-reused`: this Idempotency-Key was already used with another request body'),
  TooManyRequests: problemResponse('The request rate is over the limit; retry later'),
  ServiceUnavailable: problemResponse('Temporarily unavailable; retry after `Retry-After` seconds', 'Problem', retryAfter),
} as const;
type ErrorResponse = keyof typeof ERROR_RESPONSES;

function errorResponses(route: Route, contract: RouteContract | undefined): Record<string, { $ref: string }> {
  const use: [string, ErrorResponse][] = [['400', 'BadRequest']];
  if (route.auth !== 'public') use.push(['401', 'Unauthorized'], ['403', 'Forbidden']);
  use.push(['404', 'NotFound'], ['409', 'Conflict']);
  if (route.versioned) use.push(['412', 'PreconditionFailed']);
  if (contract?.body || route.rawBody) use.push(['413', 'PayloadTooLarge'], ['415', 'UnsupportedMediaType']);
  if (route.idempotent) use.push(['422', 'UnprocessableContent']);
  use.push(['429', 'TooManyRequests'], ['503', 'ServiceUnavailable']);
  return Object.fromEntries(use.map(([status, name]) => [status, ref(RESPONSES, name)]));
}

/** The convention headers a route reads: only where the wrapper acts on them. */
function headerParameters(route: Route): { $ref: string }[] {
  return [
    ...(route.idempotent ? [ref(PARAMETERS, 'IdempotencyKey')] : []),
    ...(route.versioned ? [ref(PARAMETERS, 'IfMatch')] : []),
  ];
}

/**
 * Whether the wrapper tags this success answer with an ETag: a 200 to a GET, PATCH or PUT
 * whose body is an object with an integer `version` (list pages and reports have none).
 */
function hasETag(route: Route, status: string, schema: JsonSchema | undefined, named: Map<string, JsonSchema>): boolean {
  if (status !== '200' || !schema || !['GET', 'PATCH', 'PUT'].includes(route.method)) return false;
  const body = typeof schema.$ref === 'string' ? named.get(schema.$ref.slice(SCHEMAS.length)) : schema;
  const version = (body?.properties as Record<string, JsonSchema> | undefined)?.version;
  return version?.type === 'integer';
}

// --- converting the contracts ---------------------------------------------------------
const idOf = (schema: z.ZodType): string | undefined => z.globalRegistry.get(schema)?.id;

interface Converted {
  /** Named schemas by id, their references still `#/components/schemas/<id>`. */
  named: Map<string, JsonSchema>;
  /** What each operation-level schema becomes: a reference, or its inlined body. */
  of: (schema: z.ZodType) => JsonSchema;
}

/** Every schema of one direction in one conversion, so each named one is emitted once. */
function convert(schemas: readonly z.ZodType[], io: Io): Converted {
  const registry = z.registry<{ id: string }>();
  const placeholders = new Map<z.ZodType, string>();
  for (const schema of schemas) {
    if (registry.has(schema)) continue;
    const id = idOf(schema) ?? `${INLINE}${placeholders.size}`;
    if (!idOf(schema)) placeholders.set(schema, id);
    registry.add(schema, { id });
  }
  const out = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `${SCHEMAS}${id}` }).schemas as Record<
    string,
    JsonSchema
  >;

  const named = new Map<string, JsonSchema>();
  const inline = new Map<string, JsonSchema>();
  for (const [id, raw] of Object.entries(out)) {
    if (id === '__shared') {
      for (const [defId, def] of Object.entries((raw.$defs ?? {}) as Record<string, JsonSchema>)) named.set(defId, tidy(def));
    } else {
      (id.startsWith(INLINE) ? inline : named).set(id, tidy(raw));
    }
  }
  return {
    named,
    of: (schema) => {
      const placeholder = placeholders.get(schema);
      return placeholder ? inline.get(placeholder)! : { $ref: `${SCHEMAS}${idOf(schema)!}` };
    },
  };
}

/** Drops what each converted schema restates ($schema, its own $id) and points every reference at components. */
function tidy(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return mapRefs(rest, (ref) => {
    const id = ref.startsWith(SHARED_REF) ? ref.slice(SHARED_REF.length) : ref.slice(SCHEMAS.length);
    if (id.startsWith(INLINE)) {
      throw new Error('a schema used by one operation is also nested in another: give it a `.meta({ id })` in its contract');
    }
    return `${SCHEMAS}${id}`;
  });
}

function mapRefs<T>(value: T, f: (ref: string) => string): T {
  if (Array.isArray(value)) return value.map((v: unknown) => mapRefs(v, f)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? f(v) : mapRefs(v, f)]),
  ) as T;
}

function refsOf(value: unknown, into = new Set<string>()): Set<string> {
  mapRefs(value, (ref) => {
    into.add(ref.slice(SCHEMAS.length));
    return ref;
  });
  return into;
}

/**
 * Names a request-side schema: its own id when the request and response forms agree (or it
 * is only ever a request), `<id>Input` when they differ, including when it only differs by
 * referring to a schema that does.
 */
function inputNames(input: Map<string, JsonSchema>, output: Map<string, JsonSchema>): Map<string, string> {
  const differs = new Set(
    [...input.keys()].filter((id) => output.has(id) && JSON.stringify(input.get(id)) !== JSON.stringify(output.get(id))),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const [id, schema] of input) {
      if (differs.has(id) || !output.has(id)) continue;
      if ([...refsOf(schema)].some((r) => differs.has(r))) {
        differs.add(id);
        grew = true;
      }
    }
  }
  return new Map([...input.keys()].map((id) => [id, differs.has(id) ? `${id}Input` : id]));
}

// --- the document ---------------------------------------------------------------------
const contractOf = (route: Route): RouteContract | undefined => CONTRACTS[route.id as keyof typeof CONTRACTS];

/** Path and query parameters: each property of the contract's path and query schemas. */
function parameters(route: Route, contract: RouteContract | undefined, input: (s: z.ZodType) => JsonSchema, named: Map<string, JsonSchema>) {
  const propertiesOf = (schema: z.ZodType | undefined): { props: Record<string, JsonSchema>; required: string[] } => {
    if (!schema) return { props: {}, required: [] };
    let json = input(schema);
    // A named path or query schema is a reference; its parameters are its properties.
    if (typeof json.$ref === 'string') json = named.get(json.$ref.slice(SCHEMAS.length)) ?? {};
    return { props: (json.properties ?? {}) as Record<string, JsonSchema>, required: (json.required ?? []) as string[] };
  };
  const path = propertiesOf(contract?.path);
  const params: JsonSchema[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: path.props[name!] ?? { type: 'string' },
  }));
  const query = propertiesOf(contract?.query);
  for (const [name, schema] of Object.entries(query.props)) {
    params.push({ name, in: 'query', required: query.required.includes(name), schema });
  }
  return params;
}

export function buildOpenApi(): JsonSchema {
  const routes = ROUTES as readonly Route[];
  const contracts = routes.map(contractOf);
  const requestSchemas = contracts.flatMap((c) => [c?.path, c?.query, c?.body].filter((s): s is z.ZodType => s !== undefined));
  const responseSchemas = contracts.flatMap((c) => (c?.response ? [c.response] : []));

  const input = convert(requestSchemas, 'input');
  const output = convert([...responseSchemas, validationProblem, problem], 'output');
  const names = inputNames(input.named, output.named);
  const renameInput = <T>(value: T): T => mapRefs(value, (ref) => `${SCHEMAS}${names.get(ref.slice(SCHEMAS.length)) ?? ref.slice(SCHEMAS.length)}`);

  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of output.named) schemas[id] = schema;
  for (const [id, schema] of input.named) {
    const name = names.get(id)!;
    if (name === id && output.named.has(id)) continue;
    if (schemas[name]) throw new Error(`two schemas are both named ${name}`);
    schemas[name] = renameInput(schema);
  }

  const paths: Record<string, Record<string, unknown>> = {};
  routes.forEach((route, i) => {
    const contract = contracts[i];
    const status = String(contract?.status ?? 200);
    const schema = contract?.response ? output.of(contract.response) : undefined;
    const headers = {
      ...(hasETag(route, status, schema, output.named) ? { ETag: ref(HEADERS, 'ETag') } : {}),
      ...(route.idempotent ? { 'Idempotent-Replayed': ref(HEADERS, 'Idempotent-Replayed') } : {}),
    };
    const op: JsonSchema = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.fn],
      parameters: [...renameInput(parameters(route, contract, input.of, input.named)), ...headerParameters(route)],
      responses: {
        [status]: {
          description: 'Success',
          ...(Object.keys(headers).length ? { headers } : {}),
          ...(schema ? { content: { 'application/json': { schema } } } : {}),
        },
        ...errorResponses(route, contract),
      },
    };
    if (typeof route.auth === 'object') op['x-kontor-permission'] = route.auth.action;
    // Webhook routes carry no token: the provider's HMAC signature header authenticates them.
    if (route.auth === 'public' || route.auth === 'webhook') op.security = [];
    if (contract?.body) {
      op.requestBody = { required: true, content: { 'application/json': { schema: renameInput(input.of(contract.body)) } } };
    }
    if (route.rawBody) {
      // A raw body (a statement file) is text in one of the route's media types.
      op.requestBody = { required: true, content: Object.fromEntries(route.rawBody.map((type) => [type, { schema: { type: 'string' } }])) };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = op;
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'Kontor API',
      version: '0.1.0',
      description:
        'Multi-tenant invoicing and bookkeeping with fine-grained access control. Every tenant route is under /accounts/{accountId}; `x-kontor-permission` names the permission a route needs. Money is always an integer of minor units of the currency. Answers of authenticated routes are never cached (`Cache-Control: no-store`).',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      responses: ERROR_RESPONSES,
      headers: HEADER_COMPONENTS,
      parameters: PARAMETER_COMPONENTS,
    },
  };
}
