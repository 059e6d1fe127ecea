import { ALL_PERMISSIONS } from '#shared/authz/catalogue.js';
import type { Principal } from '#shared/authz/engine.js';
import { compile } from '#shared/authz/permission-set.js';
import { accountPolicy } from '#shared/authz/policy.js';
import { BUILT_IN_PERMISSIONS, BUILT_IN_ROLES } from '#shared/authz/roles.js';
import { mainAccountIdOf, newOrganizationId } from '#shared/domain/ids.js';

/*
 * The authorizer's other piece of work per uncached decision: building the IAM policy for
 * every route the principal may use in the account. Measured per built-in role with the
 * per-permission-set selection warm (what a warm container does), and for permission sets
 * seen for the first time (random custom roles: the selection is worked out then).
 */
export interface PolicyRow {
  principal: string;
  bytes: number;
  microseconds: number;
}

const PREFIX = 'arn:aws:execute-api:eu-central-1:123456789012:abcdef1234/prod';

function timePerCall(calls: number, build: (i: number) => unknown): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) build(i);
  return Number(process.hrtime.bigint() - t0) / calls / 1000;
}

export function measurePolicies(): PolicyRow[] {
  const accounts = Array.from({ length: 100 }, () => mainAccountIdOf(newOrganizationId()));
  const principal = (permissions: Principal['permissions'], accountId: string): Principal => ({
    userId: 'u',
    organizationId: `org_${accountId.slice(4)}`,
    accountId,
    role: 'owner',
    via: 'member',
    permissions,
  });
  const rows: PolicyRow[] = BUILT_IN_ROLES.map((role) => {
    const build = (i: number) => accountPolicy(PREFIX, principal(BUILT_IN_PERMISSIONS[role], accounts[i % accounts.length]!));
    timePerCall(200, build); // warm-up, and the selection memo filled
    return {
      principal: `${role}, warm`,
      bytes: JSON.stringify(build(0)).length,
      microseconds: timePerCall(5000, build),
    };
  });
  // A deterministic stream of distinct random permission sets: each is new to the memo.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const fresh = Array.from({ length: 500 }, () => compile(ALL_PERMISSIONS.filter(() => random() < 0.5)));
  rows.push({
    principal: 'custom role, first seen',
    bytes: Math.round(fresh.reduce((sum, p, i) => sum + JSON.stringify(accountPolicy(PREFIX, principal(p, accounts[i % 100]!))).length, 0) / fresh.length),
    microseconds: NaN,
  });
  const more = Array.from({ length: 500 }, () => compile(ALL_PERMISSIONS.filter(() => random() < 0.5)));
  rows[rows.length - 1]!.microseconds = timePerCall(more.length, (i) => accountPolicy(PREFIX, principal(more[i]!, accounts[i % 100]!)));
  return rows;
}
