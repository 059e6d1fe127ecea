import { createHash } from 'node:crypto';
import type { HttpResponse } from './problem.js';

/*
 * The two static pages Kontor serves (the API reference and the access explorer) answer the
 * same way: the page under its own CSP, briefly cached because it names its assets by content
 * hash; the assets immutable, under a CSP that allows nothing (they are never documents).
 */
const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

export const staticPage = (html: string, csp: string): HttpResponse => ({
  statusCode: 200,
  headers: {
    ...COMMON_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': csp,
    'cache-control': 'public, max-age=300',
  },
  body: html,
});

export const staticAsset = (asset: { type: string; body: string }): HttpResponse => ({
  statusCode: 200,
  headers: {
    ...COMMON_HEADERS,
    'content-type': asset.type,
    'content-security-policy': "default-src 'none'",
    'cache-control': 'public, max-age=31536000, immutable',
  },
  body: asset.body,
});

/** An asset's URL under `prefix`, versioned by a hash of its content, so it may be cached for good. */
export const hashedAssetUrl = (prefix: string, file: string, body: string): string =>
  `${prefix}/${file}?v=${createHash('sha256').update(body).digest('base64url').slice(0, 12)}`;
