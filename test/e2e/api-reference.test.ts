import { describe, expect, it } from 'vitest';
import { apiUrl } from '../support/http.js';

/*
 * GET /docs through the local runtime, the way a browser follows it: every URL the page
 * names is resolved against the page's own URL, so it works under a stage prefix too.
 */
describe('the API reference over HTTP', () => {
  it('serves a page whose scripts, styles and spec URL all resolve on this API, without a token', async () => {
    const pageUrl = `${apiUrl()}/docs`;
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();

    const specUrl = new URL(/data-spec-url="([^"]+)"/.exec(html)![1]!, pageUrl);
    expect(specUrl.href).toBe(`${apiUrl()}/openapi.json`);
    const spec = await fetch(specUrl);
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe('3.1.0');

    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, u]) => new URL(u!, pageUrl));
    expect(assets.map((u) => u.pathname)).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']),
    );
    for (const url of assets) {
      const res = await fetch(url);
      expect(res.status, url.pathname).toBe(200);
      expect(res.headers.get('content-type'), url.pathname).toMatch(url.pathname.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect((await res.text()).length, url.pathname).toBeGreaterThan(0);
    }
  });
});
