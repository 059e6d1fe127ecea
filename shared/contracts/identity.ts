import * as z from 'zod';
import type { RouteContract } from './types.js';

export const meResponse = z.object({
  userId: z.string(),
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  memberships: z.array(
    z.object({
      organizationId: z.string(),
      accountId: z.string(),
      role: z.string(),
    }),
  ),
}).meta({ id: 'Me' });

export const identityContracts = {
  getMe: { response: meResponse },
} satisfies Record<string, RouteContract>;
