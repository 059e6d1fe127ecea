import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handler } from '#functions/explorer/handler.js';
import { EXPLORER_CSS, EXPLORER_JS } from '#functions/explorer/app.generated.js';
import { GENERATED, explorerModule } from '../../../scripts/explorer.js';

/*
 * The access explorer's page as its function serves it: the committed bundle is the one
 * the app's source gives today, it stays within its budget, and the page loads nothing
 * but its own two assets under a CSP with no inline script or style.
 */
type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
const serve = handler as unknown as Handler;
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

/** The page's asset budget: what a browser downloads to draw it (uncompressed). */
const ASSET_BUDGET_BYTES = { js: 64 * 1024, css: 12 * 1024 };

describe('the access explorer page', () => {
  it('is served from a generated module that matches the app source (run `npm run explorer` after changing functions/explorer/app/)', async () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(await explorerModule());
  }, 60_000);

  it('stays within its asset budget: no framework, nothing heavier than the page needs', () => {
    expect(Buffer.byteLength(EXPLORER_JS), 'explorer.js').toBeLessThanOrEqual(ASSET_BUDGET_BYTES.js);
    expect(Buffer.byteLength(EXPLORER_CSS), 'explorer.css').toBeLessThanOrEqual(ASSET_BUDGET_BYTES.css);
  });

  it('serves the page under a strict CSP, naming only its own hashed assets, and each asset immutable', async () => {
    const page = await serve(event('/explorer', '/explorer'), { awsRequestId: 'r' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = page.headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-');
    expect(page.body).not.toMatch(/<script>|style=/);
    const urls = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, u]) => u!);
    expect(urls).toHaveLength(2);
    for (const url of urls) {
      expect(url).toMatch(/^explorer\/assets\/explorer\.(js|css)\?v=[\w-]{12}$/);
      const file = url.slice('explorer/assets/'.length, url.indexOf('?'));
      const asset = await serve(event('/explorer/assets/{file}', `/explorer/assets/${file}`, { file }), { awsRequestId: 'r' });
      expect(asset.statusCode, file).toBe(200);
      expect(asset.headers['content-type'], file).toMatch(file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect(asset.headers['cache-control'], file).toContain('immutable');
      expect(asset.body, file).toBe(file.endsWith('.js') ? EXPLORER_JS : EXPLORER_CSS);
    }
    const other = await serve(event('/explorer/assets/{file}', '/explorer/assets/app.js', { file: 'app.js' }), { awsRequestId: 'r' });
    expect(other.statusCode).toBe(404);
  });
});
