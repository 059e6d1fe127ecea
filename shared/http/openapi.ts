import { z } from 'zod';
import { CONTRACTS } from '../contracts/index.js';
import type { RouteContract } from '../contracts/types.js';
import { ROUTES, type Route } from './routes.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/*
 * The OpenAPI 3.1 document, generated from the route table and the zod contracts the
 * handlers validate with: what is published is what is enforced. Served at /openapi.json
 * and written to docs/openapi.json by `npm run openapi` (a test fails when that is stale).
 */
type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const problemRef = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** Path parameters from the template, described by the contract's path schema when it has one. */
function parameters(route: Route, contract: RouteContract | undefined): JsonSchema[] {
  const pathSchema = contract?.path ? toSchema(contract.path, 'input') : undefined;
  const pathProps = (pathSchema?.properties ?? {}) as Record<string, JsonSchema>;
  const params: JsonSchema[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: pathProps[name!] ?? { type: 'string' },
  }));
  if (contract?.query) {
    const q = toSchema(contract.query, 'input');
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
      params.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  return params;
}

function operation(route: Route): JsonSchema {
  const contract = CONTRACTS[route.id as keyof typeof CONTRACTS];
  const status = String(contract?.status ?? 200);
  const responses: Record<string, unknown> = {
    [status]: contract?.response
      ? { description: 'Success', content: { 'application/json': { schema: toSchema(contract.response, 'output') } } }
      : { description: 'Success' },
    '400': problemRef('Invalid input; `errors[]` names each field'),
  };
  if (route.auth !== 'public') {
    responses['401'] = problemRef('No valid bearer token');
    responses['403'] = problemRef('The caller may not do this');
  }
  responses['404'] = problemRef('Not found');
  responses['409'] = problemRef('Conflicts with the current state');
  const op: JsonSchema = {
    operationId: route.id,
    summary: route.summary,
    tags: [route.fn],
    parameters: parameters(route, contract),
    responses,
  };
  if (typeof route.auth === 'object') op['x-kontor-permission'] = route.auth.action;
  if (route.auth === 'public') op.security = [];
  if (contract?.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: toSchema(contract.body, 'input') } } };
  }
  return op;
}

export function buildOpenApi(): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES as readonly Route[]) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kontor API',
      version: '0.1.0',
      description:
        'Multi-tenant invoicing and bookkeeping with fine-grained access control. Every tenant route is under /accounts/{accountId}; `x-kontor-permission` names the permission a route needs.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: problemSchema },
    },
  };
}
