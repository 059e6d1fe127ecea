import { z } from 'zod';
import type { RouteContract } from './types.js';

export const healthResponse = z.object({ status: z.literal('ok') });

export const systemContracts = {
  health: { response: healthResponse },
} satisfies Record<string, RouteContract>;
