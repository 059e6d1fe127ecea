import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '#shared/http/openapi.js';
import { ROUTES, type Route } from '#shared/http/routes.js';
import { CONTRACTS } from '#shared/contracts/index.js';

interface Operation {
  operationId: string;
  'x-kontor-permission'?: string;
  parameters: { $ref?: string; name?: string; in?: string }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    { $ref?: string; headers?: Record<string, { $ref: string }>; content?: Record<string, { schema: Record<string, unknown> }> }
  >;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    responses: Record<string, unknown>;
    headers: Record<string, unknown>;
    parameters: Record<string, { name: string; in: string; schema: Record<string, unknown> }>;
  };
}

const onDiskText = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');

/** Every `$ref` in the document, with where it was. */
function refs(value: unknown, at = '#', out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) value.forEach((v, i) => refs(v, `${at}/${i}`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push([at, v]);
      else refs(v, `${at}/${k}`, out);
    }
  }
  return out;
}

/** Resolves a local JSON pointer (`#/components/schemas/Document`) in the document. */
function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

describe('the OpenAPI document', () => {
  const doc = buildOpenApi() as unknown as Doc;
  const operations = Object.values(doc.paths).flatMap((byMethod) => Object.values(byMethod));

  it('is OpenAPI 3.1 with one operation for every route of the table, permission included', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES as readonly Route[]) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op?.operationId).toBe(route.id);
      expect(op?.['x-kontor-permission']).toBe(typeof route.auth === 'object' ? route.auth.action : undefined);
    }
  });

  it('gives every route of the table a contract', () => {
    const missing = (ROUTES as readonly Route[]).filter((r) => !(r.id in CONTRACTS)).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  it('docs/openapi.json is current, byte for byte (run `npm run openapi` to refresh)', () => {
    expect(onDiskText).toBe(`${JSON.stringify(buildOpenApi())}\n`);
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(onDiskText) as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has every $ref resolve inside the document', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(500);
    const dangling = all.filter(([, ref]) => resolve(doc, ref) === undefined);
    expect(dangling).toEqual([]);
  });

  // SPEC 5 added 43 operations (five CRM object types with their ACL and explanation routes,
  // contractor ACLs, the permission mode): about 24 KB.
  it('stays within its size budget (180 KB)', () => {
    expect(Buffer.byteLength(onDiskText)).toBeLessThan(180_000);
  });

  it('defines the Document schema once, and every document operation uses that one', () => {
    const document = doc.components.schemas.Document!;
    expect(document).toBeDefined();
    // The body of Document is written exactly once in the whole document.
    const body = JSON.stringify(document.properties);
    expect(onDiskText.split(body).length - 1).toBe(1);

    const schemaOf = (op: Operation, status: string) => op.responses[status]?.content?.['application/json']?.schema;
    const documentOps = (ROUTES as readonly Route[]).filter((r) => r.fn === 'documents');
    expect(documentOps).toHaveLength(20);
    for (const route of documentOps) {
      const op = doc.paths[route.path]![route.method.toLowerCase()]!;
      if (route.id.startsWith('list')) {
        expect(schemaOf(op, '200'), route.id).toEqual({ $ref: '#/components/schemas/DocumentPage' });
      } else if (route.id.startsWith('create')) {
        expect(schemaOf(op, '201'), route.id).toEqual({ $ref: '#/components/schemas/Document' });
        expect(op.requestBody?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/CreateDocument' });
      } else if (route.id.startsWith('get') || route.id.startsWith('update')) {
        expect(schemaOf(op, '200'), route.id).toEqual({ $ref: '#/components/schemas/Document' });
      }
    }
    expect(resolve(doc, '#/components/schemas/DocumentPage/properties/items/items')).toEqual({ $ref: '#/components/schemas/Document' });
  });

  it('names the shared shapes once: pages, money, ids, problems', () => {
    const names = Object.keys(doc.components.schemas);
    for (const name of ['Problem', 'ValidationProblem', 'FieldError', 'Money', 'AccountId', 'Ulid', 'Client', 'Item', 'Payment', 'Member', 'Role', 'Invitation', 'Account']) {
      expect(names).toContain(name);
    }
    // One page type per item type, all of the same shape.
    const pages = names.filter((n) => n.endsWith('Page'));
    expect(pages).toEqual(expect.arrayContaining(['DocumentPage', 'ClientPage', 'ItemPage', 'PaymentPage', 'MemberPage', 'RolePage', 'InvitationPage', 'AccountPage']));
    for (const page of pages.filter((p) => p !== 'ExportPage')) {
      expect(resolve(doc, `#/components/schemas/${page}/properties/items/items`)).toEqual({ $ref: `#/components/schemas/${page.slice(0, -4)}` });
    }
    // Amounts in responses are Money, not bare integers.
    expect(resolve(doc, '#/components/schemas/Document/properties/totals/properties/gross')).toEqual({ $ref: '#/components/schemas/Money' });
  });

  it('answers errors with the shared responses, problem+json', () => {
    expect(Object.keys(doc.components.responses)).toEqual(
      expect.arrayContaining(['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'TooManyRequests', 'ServiceUnavailable']),
    );
    expect(resolve(doc, '#/components/responses/ServiceUnavailable/headers/Retry-After')).toBeDefined();
    expect(resolve(doc, '#/components/responses/BadRequest/content/application~1problem+json/schema')).toEqual({
      $ref: '#/components/schemas/ValidationProblem',
    });
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(response.$ref, `${op.operationId} ${status}`).toMatch(/^#\/components\/responses\//);
      }
      expect(op.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    }
  });

  describe('publishes the HTTP conventions where the route table says the wrapper applies them', () => {
    const routes = ROUTES as readonly Route[];
    const opOf = (route: Route) => doc.paths[route.path]![route.method.toLowerCase()]!;
    const paramRefs = (op: Operation) => op.parameters.flatMap((p) => (p.$ref ? [p.$ref] : []));
    const success = (op: Operation) => Object.entries(op.responses).find(([status]) => Number(status) < 300)!;
    const IDEMPOTENCY_KEY = '#/components/parameters/IdempotencyKey';
    const IF_MATCH = '#/components/parameters/IfMatch';
    const idempotent = routes.filter((r) => r.idempotent);
    const versioned = routes.filter((r) => r.versioned);
    const withBody = routes.filter((r) => CONTRACTS[r.id as keyof typeof CONTRACTS]?.body);

    it('defines the header parameters, headers and responses once, as components', () => {
      expect(doc.components.parameters.IdempotencyKey).toMatchObject({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
      expect(doc.components.parameters.IfMatch).toMatchObject({ name: 'If-Match', in: 'header', required: false });
      // The pattern takes exactly what the wrapper's If-Match parser takes.
      const pattern = new RegExp(doc.components.parameters.IfMatch!.schema.pattern as string);
      for (const ok of ['"3"', 'W/"3"', '*']) expect(ok).toMatch(pattern);
      for (const bad of ['3', '"a"', '"1", "2"']) expect(bad).not.toMatch(pattern);
      expect(Object.keys(doc.components.headers)).toEqual(expect.arrayContaining(['ETag', 'Retry-After', 'Idempotent-Replayed']));
      expect(Object.keys(doc.components.responses)).toEqual(
        expect.arrayContaining(['PreconditionFailed', 'UnsupportedMediaType', 'UnprocessableContent']),
      );
      // Every Retry-After is the one header component.
      expect(resolve(doc, '#/components/responses/ServiceUnavailable/headers/Retry-After')).toEqual({ $ref: '#/components/headers/Retry-After' });
      expect(resolve(doc, '#/components/responses/Conflict/headers/Retry-After')).toEqual({ $ref: '#/components/headers/Retry-After' });
    });

    it('gives every idempotent route Idempotency-Key, a 422, a 409 and Idempotent-Replayed on its success', () => {
      expect(idempotent.length).toBeGreaterThan(5);
      for (const route of idempotent) {
        const op = opOf(route);
        expect(paramRefs(op), route.id).toContain(IDEMPOTENCY_KEY);
        expect(op.responses['422'], route.id).toEqual({ $ref: '#/components/responses/UnprocessableContent' });
        expect(op.responses['409'], route.id).toEqual({ $ref: '#/components/responses/Conflict' });
        expect(success(op)[1].headers?.['Idempotent-Replayed'], route.id).toEqual({ $ref: '#/components/headers/Idempotent-Replayed' });
      }
    });

    it('gives every versioned route If-Match and a 412', () => {
      expect(versioned.some((r) => r.versioned === 'body') && versioned.some((r) => r.versioned === 'query')).toBe(true);
      for (const route of versioned) {
        const op = opOf(route);
        expect(paramRefs(op), route.id).toContain(IF_MATCH);
        expect(op.responses['412'], route.id).toEqual({ $ref: '#/components/responses/PreconditionFailed' });
      }
    });

    it('gives every operation with a request body a 415', () => {
      expect(withBody.length).toBeGreaterThan(10);
      for (const route of routes) {
        const op = opOf(route);
        expect(op.responses['415'], route.id).toEqual(op.requestBody ? { $ref: '#/components/responses/UnsupportedMediaType' } : undefined);
      }
    });

    it('gives a route without the flags none of them (the flags drive it)', () => {
      const plain = routes.filter((r) => !r.idempotent && !r.versioned);
      // A POST with a body but no flag: only the 415 applies.
      expect(plain.map((r) => r.id)).toContain('createOrganization');
      for (const route of plain) {
        const op = opOf(route);
        expect(paramRefs(op), route.id).not.toContain(IDEMPOTENCY_KEY);
        expect(paramRefs(op), route.id).not.toContain(IF_MATCH);
        expect(op.parameters.filter((p) => p.in === 'header'), route.id).toEqual([]);
        expect(op.responses['412'], route.id).toBeUndefined();
        expect(op.responses['422'], route.id).toBeUndefined();
        expect(success(op)[1].headers?.['Idempotent-Replayed'], route.id).toBeUndefined();
      }
      expect(opOf(routes.find((r) => r.id === 'createOrganization')!).responses['415']).toBeDefined();
      expect(opOf(routes.find((r) => r.id === 'listClients')!).responses['415']).toBeUndefined();
    });

    it('says ETag where a 200 GET, PATCH or PUT answers with an integer version, and nowhere else', () => {
      const tagged = routes.filter((r) => success(opOf(r))[1].headers?.ETag).map((r) => r.id);
      expect(tagged).toEqual(expect.arrayContaining(['getInvoice', 'updateInvoice', 'getClient', 'updateClient', 'changePlan', 'getOtherSettings']));
      expect(tagged).not.toContain('listInvoices');
      expect(tagged).not.toContain('createInvoice');
      for (const id of tagged) {
        const route = routes.find((r) => r.id === id)!;
        const [status, response] = success(opOf(route));
        expect(status, id).toBe('200');
        expect(['GET', 'PATCH', 'PUT'], id).toContain(route.method);
        expect(response.headers?.ETag, id).toEqual({ $ref: '#/components/headers/ETag' });
        const ref = response.content?.['application/json']?.schema.$ref as string;
        expect(resolve(doc, `${ref}/properties/version/type`), id).toBe('integer');
      }
    });
  });
});
