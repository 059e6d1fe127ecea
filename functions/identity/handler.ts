import { createApiHandler, jsonResponse } from '#shared/http/api.js';
import { documentClient, tableName } from '#shared/data/client.js';
import { listMembershipsOfUser } from '#shared/data/access-repository.js';

export const handler = createApiHandler('identity', {
  getMe: async (req) => {
    const memberships = await listMembershipsOfUser(documentClient(), tableName(), req.caller.userId);
    return jsonResponse(200, {
      userId: req.caller.userId,
      email: req.caller.email ?? null,
      emailVerified: req.caller.emailVerified,
      memberships: memberships.map((m) => ({
        organizationId: m.organizationId,
        accountId: m.accountId,
        role: m.role,
      })),
    });
  },
});
