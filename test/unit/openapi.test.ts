import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '#shared/http/openapi.js';
import { ROUTES, type Route } from '#shared/http/routes.js';
import { CONTRACTS } from '#shared/contracts/index.js';

describe('the OpenAPI document', () => {
  const doc = buildOpenApi() as { openapi: string; paths: Record<string, Record<string, { operationId: string; 'x-kontor-permission'?: string }>> };

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

  it('docs/openapi.json is current (run `npm run openapi` to refresh)', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(buildOpenApi());
  });
});
