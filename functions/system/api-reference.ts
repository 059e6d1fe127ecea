import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { API_REFERENCE_ASSETS } from '#shared/contracts/system.js';
import { NotFound } from '#shared/domain/errors.js';
import type { HttpResponse } from '#shared/http/problem.js';
import { hashedAssetUrl, staticAsset, staticPage } from '#shared/http/static-page.js';

/*
 * GET /docs: Swagger UI over this API's /openapi.json, from the swagger-ui-dist package
 * pinned in package.json. Nothing is loaded from a CDN, so the page works offline (npm
 * start) and under a CSP that allows this origin only.
 *
 * Swagger UI's script (1.7 MB) and styles travel inside the Lambda bundle: esbuild turns
 * an import with the `type: 'text'` attribute into the file's text, with the bundling the
 * stack already has. Node.js (the local runtime, the tests) cannot import text, but runs
 * where node_modules is, so it reads the same files from there; in the Lambda bundle
 * there is no node_modules, and the inlined text is used.
 */
const SWAGGER_UI = 'swagger-ui-dist';

async function swaggerUiFiles(): Promise<{ js: string; css: string }> {
  let resolve: ((specifier: string) => string) | undefined;
  try {
    resolve = createRequire(import.meta.url).resolve;
    resolve(`${SWAGGER_UI}/package.json`);
  } catch {
    resolve = undefined;
  }
  if (resolve) {
    return {
      js: readFileSync(resolve(`${SWAGGER_UI}/swagger-ui-bundle.js`), 'utf8'),
      css: readFileSync(resolve(`${SWAGGER_UI}/swagger-ui.css`), 'utf8'),
    };
  }
  // Literal specifiers: esbuild inlines only what it can see.
  const [js, css] = await Promise.all([
    import('swagger-ui-dist/swagger-ui-bundle.js', { with: { type: 'text' } }),
    import('swagger-ui-dist/swagger-ui.css', { with: { type: 'text' } }),
  ]);
  return { js: js.default, css: css.default };
}

/*
 * Starts Swagger UI. It fetches the document itself, relative to the page (…/docs →
 * …/openapi.json, with or without a stage prefix), and gives it this origin and prefix as
 * its server, so "Try it out" calls this API rather than the host's root. A file, not an
 * inline script: the CSP allows no inline script.
 */
const INIT_JS = `(async () => {
  const root = document.getElementById('swagger-ui');
  const specUrl = new URL(root.dataset.specUrl, document.baseURI);
  const spec = await (await fetch(specUrl, { headers: { accept: 'application/json' } })).json();
  spec.servers = [{ url: new URL('.', specUrl).href.replace(/\\/$/, ''), description: 'This API' }];
  window.ui = SwaggerUIBundle({
    spec,
    domNode: root,
    deepLinking: true,
    // Never send the document to swagger.io's online validator.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
})();
`;

const PAGE_CSS = 'body { margin: 0; background: #fafafa; }\n';

interface Asset {
  readonly type: string;
  readonly body: string;
}

type AssetFile = (typeof API_REFERENCE_ASSETS)[number];

interface Reference {
  readonly html: string;
  readonly assets: Readonly<Record<AssetFile, Asset>>;
}

/** The HTML asks for the spec and the assets by relative URLs: the page is …/docs, they are …/openapi.json and …/docs/assets/<file>. */
function build(files: { js: string; css: string }): Reference {
  const assets: Record<AssetFile, Asset> = {
    'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', body: files.js },
    'swagger-ui.css': { type: 'text/css; charset=utf-8', body: files.css },
    'kontor-init.js': { type: 'text/javascript; charset=utf-8', body: INIT_JS },
    'kontor.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
  };
  // Asset URLs carry a hash of their content, so they may be cached for good.
  const url = (file: AssetFile) => hashedAssetUrl('docs/assets', file, assets[file].body);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kontor API reference</title>
<link rel="stylesheet" href="${url('swagger-ui.css')}">
<link rel="stylesheet" href="${url('kontor.css')}">
</head>
<body>
<div id="swagger-ui" data-spec-url="openapi.json"></div>
<script src="${url('swagger-ui-bundle.js')}"></script>
<script src="${url('kontor-init.js')}"></script>
</body>
</html>
`;
  return { html, assets };
}

let reference: Promise<Reference> | undefined;
const loadReference = (): Promise<Reference> => (reference ??= swaggerUiFiles().then(build));

/*
 * Only this origin, no inline script or style, no eval. Images: Swagger UI's stylesheet
 * draws its icons as data: URIs. connect-src 'self' is the document and "Try it out".
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export async function apiReferencePage(): Promise<HttpResponse> {
  const { html } = await loadReference();
  // As long as /openapi.json: the page names assets by content hash, so it is what changes.
  return staticPage(html, PAGE_CSP);
}

/** An asset of the page; 404 for any file the page does not use. */
export async function apiReferenceAsset(file: string): Promise<HttpResponse> {
  const { assets } = await loadReference();
  const asset = (API_REFERENCE_ASSETS as readonly string[]).includes(file) ? assets[file as AssetFile] : undefined;
  if (!asset) throw new NotFound(`no API reference asset ${file}`);
  return staticAsset(asset);
}
