import type { Store } from '../data/context.js';
import { listMembershipsOfUser, type Membership } from '../data/entities/membership.js';
import type { Caller } from '../http/api.js';

/* GET /me: who the caller is and where they belong, across organizations. */
export const me = async (store: Store, caller: Caller): Promise<{ caller: Caller; memberships: Membership[] }> => ({
  caller,
  memberships: await listMembershipsOfUser(store, caller.userId),
});
