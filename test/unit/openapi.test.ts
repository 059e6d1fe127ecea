import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '#shared/http/openapi.js';
import { ROUTES, type Route } from '#shared/http/routes.js';
import { CONTRACTS } from '#shared/contracts/index.js';

interface Operation {
  operationId: string;
  'x-kontor-permission'?: string;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>>; responses: Record<string, unknown> };
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

  it('stays within its size budget (150 KB)', () => {
    expect(Buffer.byteLength(onDiskText)).toBeLessThan(150_000);
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
});
