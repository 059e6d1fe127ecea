import { createOrganization, type TestOrganization } from '../../support/orgs.js';

/*
 * An organization with one member per built-in role, on a plan with self-bookkeeping so the
 * Backoffice role is live (SPEC 4.1-4.3): the accounting and UPO areas' holders and
 * non-holders side by side.
 */
export const ROLES = ['owner', 'manager', 'employee', 'accountant', 'backoffice'] as const;
export type RoleKey = (typeof ROLES)[number];

export async function bookkeepingOrg(): Promise<{ org: TestOrganization; base: string; tokens: Record<RoleKey, string> }> {
  const org = await createOrganization({
    plan: 'small',
    features: ['self-bookkeeping'],
    members: ROLES.map((role) => ({ key: role, role })),
  });
  const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await org.users[r]!.token()] as const))) as Record<RoleKey, string>;
  return { org, base: `/accounts/${org.mainAccountId}`, tokens };
}
