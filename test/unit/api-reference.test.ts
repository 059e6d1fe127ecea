import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { handler as sourceHandler } from '#functions/system/handler.js';

/*
 * GET /docs and its assets, from the handler's source (as the local runtime runs it) and
 * from an esbuild bundle of it placed where no node_modules is (as Lambda runs it): the
 * bundle must carry Swagger UI's files itself.
 */
type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

const event = (resource: string, path: string, pathParameters: Record<string, string> | null = null) => ({
  httpMethod: 'GET',
  resource,
  path,
  pathParameters,
  queryStringParameters: null,
  headers: {},
  multiValueHeaders: {},
  body: null,
  isBase64Encoded: false,
  requestContext: { requestId: 'r', resourcePath: resource, httpMethod: 'GET' },
});
const context = { awsRequestId: 'r' };
const swaggerUi = (file: string) => readFileSync(createRequire(import.meta.url).resolve(`swagger-ui-dist/${file}`), 'utf8');

async function checkReference(handler: Handler): Promise<void> {
  const page = await handler(event('/docs', '/docs'), context);
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  // The spec is fetched relative to the page: …/docs → …/openapi.json, stage prefix or not.
  expect(page.body).toContain('data-spec-url="openapi.json"');
  const csp = page.headers['content-security-policy'];
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-');
  expect(page.headers['cache-control']).toMatch(/max-age=\d+/);
  // Nothing from another origin: every script and stylesheet is one of ours.
  const urls = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, u]) => u!);
  expect(urls.length).toBe(4);
  for (const url of urls) expect(url).toMatch(/^docs\/assets\/[a-z-]+\.(js|css)\?v=[\w-]+$/);

  for (const url of urls) {
    const file = url.slice('docs/assets/'.length, url.indexOf('?'));
    const asset = await handler(event('/docs/assets/{file}', `/docs/assets/${file}`, { file }), context);
    expect(asset.statusCode, file).toBe(200);
    expect(asset.headers['content-type'], file).toBe(file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    expect(asset.headers['cache-control'], file).toContain('immutable');
    expect(asset.headers['x-content-type-options'], file).toBe('nosniff');
    if (file.startsWith('swagger-ui')) expect(asset.body, file).toBe(swaggerUi(file));
  }
  const missing = await handler(event('/docs/assets/{file}', '/docs/assets/other.js', { file: 'other.js' }), context);
  expect(missing.statusCode).toBe(404);
}

describe('the API reference (GET /docs)', () => {
  it('serves a page over /openapi.json and its scripts and styles, from the source', async () => {
    await checkReference(sourceHandler as unknown as Handler);
  });

  describe('from a Lambda-like bundle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kontor-system-bundle-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('carries Swagger UI inside the bundle, with no node_modules next to it', async () => {
      const outfile = join(dir, 'index.mjs');
      // The options of infra/constructs/kontor-function.ts that matter here.
      await build({
        entryPoints: [new URL('../../functions/system/handler.ts', import.meta.url).pathname],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        mainFields: ['module', 'main'],
        minify: true,
        banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
        outfile,
        logLevel: 'silent',
      });
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      expect(() => createRequire(outfile).resolve('swagger-ui-dist/package.json')).toThrow();
      const { handler } = (await import(pathToFileURL(outfile).href)) as { handler: Handler };
      await checkReference(handler);
    }, 60_000);
  });
});
