import * as z from 'zod';
import type { RouteContract } from './types.js';

/** The files the API reference page (GET /docs) loads from /docs/assets/{file}. */
export const API_REFERENCE_ASSETS = ['swagger-ui-bundle.js', 'swagger-ui.css', 'kontor-init.js', 'kontor.css'] as const;

export const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const systemContracts = {
  health: { response: healthResponse },
  // The document describes itself only loosely: an OpenAPI 3.1 object.
  getOpenApi: { response: z.object({ openapi: z.literal('3.1.0') }).loose() },
  // An HTML page and its scripts and stylesheets: no JSON to describe.
  getApiReference: {},
  getApiReferenceAsset: { path: z.object({ file: z.enum(API_REFERENCE_ASSETS) }) },
} satisfies Record<string, RouteContract>;
