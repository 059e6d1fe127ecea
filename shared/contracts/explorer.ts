import * as z from 'zod';
import type { RouteContract } from './types.js';

/** The files the access explorer page (GET /explorer) loads from /explorer/assets/{file}. */
export const EXPLORER_ASSETS = ['explorer.js', 'explorer.css'] as const;

export const explorerContracts = {
  // An HTML page and its script and stylesheet: no JSON to describe.
  getExplorer: {},
  getExplorerAsset: { path: z.object({ file: z.enum(EXPLORER_ASSETS) }) },
} satisfies Record<string, RouteContract>;
