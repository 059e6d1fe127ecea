import { z } from 'zod';
import type { RouteContract } from './types.js';

export const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const systemContracts = {
  health: { response: healthResponse },
  // The document describes itself only loosely: an OpenAPI 3.1 object.
  getOpenApi: { response: z.object({ openapi: z.literal('3.1.0') }).loose() },
} satisfies Record<string, RouteContract>;
