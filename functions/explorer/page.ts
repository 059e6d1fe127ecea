import { EXPLORER_ASSETS } from '#shared/contracts/explorer.js';
import { NotFound } from '#shared/domain/errors.js';
import type { HttpResponse } from '#shared/http/problem.js';
import { hashedAssetUrl, staticAsset, staticPage } from '#shared/http/static-page.js';
import { EXPLORER_CSS, EXPLORER_JS } from './app.generated.js';

/*
 * The access explorer: a static page whose script signs in with a bearer token and then
 * calls only the public API of the same origin (the page is …/explorer, the API is …/).
 * Its script and stylesheet are the committed bundle of functions/explorer/app/, so the
 * function needs no file system and no dependency; the page names them by content hash,
 * so they are cached for good and the page itself only briefly.
 */
type AssetFile = (typeof EXPLORER_ASSETS)[number];

const ASSETS: Readonly<Record<AssetFile, { type: string; body: string }>> = {
  'explorer.js': { type: 'text/javascript; charset=utf-8', body: EXPLORER_JS },
  'explorer.css': { type: 'text/css; charset=utf-8', body: EXPLORER_CSS },
};

const url = (file: AssetFile) => hashedAssetUrl('explorer/assets', file, ASSETS[file].body);

export const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kontor access explorer</title>
<link rel="stylesheet" href="${url('explorer.css')}">
</head>
<body>
<div id="app" data-api-base="./"><noscript>The access explorer needs JavaScript.</noscript></div>
<script src="${url('explorer.js')}"></script>
</body>
</html>
`;

/*
 * Only this origin, no inline script or style, no eval: the script is a file, and it
 * styles by class names only. connect-src 'self' is the API it calls.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function explorerPage(): HttpResponse {
  return staticPage(EXPLORER_HTML, EXPLORER_CSP);
}

/** An asset of the page; 404 for any other file. */
export function explorerAsset(file: string): HttpResponse {
  const asset = (EXPLORER_ASSETS as readonly string[]).includes(file) ? ASSETS[file as AssetFile] : undefined;
  if (!asset) throw new NotFound(`no explorer asset ${file}`);
  return staticAsset(asset);
}
