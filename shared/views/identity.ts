import type * as z from 'zod';
import type { meResponse } from '../contracts/identity.js';
import type { Membership } from '../data/entities/membership.js';
import type { Caller } from '../http/api.js';

/* The caller and their memberships as GET /me shows them. */
export const meView = ({ caller, memberships }: { caller: Caller; memberships: Membership[] }): z.output<typeof meResponse> => ({
  userId: caller.userId,
  email: caller.email ?? null,
  emailVerified: caller.emailVerified,
  memberships: memberships.map((m) => ({ organizationId: m.organizationId, accountId: m.accountId, role: m.role })),
});
