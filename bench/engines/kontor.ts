import { decide, resolveAccess, type Principal, type Resource } from '#shared/authz/engine.js';
import type { Action } from '#shared/authz/catalogue.js';
import { factsOf, type Workload } from '../workload.js';

/*
 * Kontor's side of the benchmark. The authorizer resolves a principal once per (user,
 * account) — one BatchGetItem, one resolveAccess — and handlers then call decide() for
 * every object; that is the hot path measured here: decide on a precompiled principal.
 * `prepareUncached` measures the whole pure pipeline instead (resolveAccess + decide per
 * check, from the facts the BatchGetItem returns), for the reader who wants to compare
 * like for like with an engine that evaluates the sub-account rules on every call.
 */
export interface KontorCase {
  principal: Principal | undefined;
  action: Action;
  resource: Resource;
}

export function prepareKontor(w: Workload): KontorCase[] {
  const principals = new Map<string, Principal | undefined>();
  return w.checks.map((c) => {
    const key = `${c.user.userId}|${c.account.accountId}`;
    if (!principals.has(key)) {
      const access = resolveAccess(factsOf(w, c.user, c.account));
      principals.set(key, access.allowed ? access.principal : undefined);
    }
    return {
      principal: principals.get(key),
      action: c.action,
      resource: { organizationId: c.account.organizationId, accountId: c.account.accountId, ownerId: c.ownerId },
    };
  });
}

export const kontorDecide = (k: KontorCase): boolean =>
  k.principal !== undefined && decide(k.principal, k.action, k.resource).allowed;

export interface KontorUncachedCase {
  facts: ReturnType<typeof factsOf>;
  action: Action;
  resource: Resource;
}

export const prepareUncached = (w: Workload): KontorUncachedCase[] =>
  w.checks.map((c) => ({
    facts: factsOf(w, c.user, c.account),
    action: c.action,
    resource: { organizationId: c.account.organizationId, accountId: c.account.accountId, ownerId: c.ownerId },
  }));

export function kontorUncachedDecide(k: KontorUncachedCase): boolean {
  const access = resolveAccess(k.facts);
  return access.allowed && decide(access.principal, k.action, k.resource).allowed;
}
