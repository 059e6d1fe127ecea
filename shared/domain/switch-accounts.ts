/*
 * SPEC.md 3.6: switching accounts is offered only to main-account users with access to at
 * least one sub-account. Pure: given what the caller is in each organization, the
 * accounts they may switch between (main first), or nothing.
 */
export interface SwitchMembership {
  organizationId: string;
  accountId: string;
  kind: 'main' | 'sub';
  role: string;
}

export interface SwitchAccount {
  accountId: string;
  organizationId: string;
  kind: 'main' | 'sub';
  name: string;
  status: 'active' | 'archived';
}

export interface SwitchEntry extends SwitchAccount {
  role: string;
  via: 'member' | 'owner' | 'backoffice' | 'grant';
}

/** Which sub-accounts a main-account member reaches: every one (Owner, Backoffice) or the granted ones. */
export const reachesAllSubAccounts = (role: string, backofficeAvailable: boolean): boolean =>
  role === 'owner' || (role === 'backoffice' && backofficeAvailable);

export function switchList(input: {
  membership: SwitchMembership;
  main: SwitchAccount | undefined;
  /** The sub-accounts the member reaches (all for Owner/Backoffice, the granted ones otherwise). */
  reachable: SwitchAccount[];
}): SwitchEntry[] {
  const { membership, main } = input;
  // SPEC 3.4: a sub-account member has nothing to switch to.
  if (membership.kind !== 'main' || !main) return [];
  const via = membership.role === 'owner' ? 'owner' : membership.role === 'backoffice' ? 'backoffice' : 'grant';
  // The Owner reaches archived sub-accounts too (to restore them); everyone else only active ones.
  const subs = input.reachable.filter(
    (a) => a.kind === 'sub' && a.organizationId === membership.organizationId && (via === 'owner' || a.status === 'active'),
  );
  if (subs.length === 0) return [];
  return [
    { ...main, role: membership.role, via: membership.role === 'owner' ? 'owner' : 'member' },
    ...subs.map((a) => ({ ...a, role: membership.role, via }) as SwitchEntry),
  ];
}
