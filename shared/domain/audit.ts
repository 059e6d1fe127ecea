/*
 * The audit log's vocabulary (SPEC.md 7.2): what changed, about whom, before and
 * after. Entries are written in the same transaction as the change they record, so the
 * log never shows a change that did not happen, nor misses one that did.
 */
export const AUDIT_ACTIONS = [
  'organization.created',
  'account.updated',
  'sub-account.created',
  'member.added',
  'member.role-changed',
  'member.removed',
  'grant.created',
  'grant.revoked',
  'grants.replaced',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'role.created',
  'role.updated',
  'role.deleted',
  'plan.changed',
  'feature.activated',
  'feature.deactivated',
  'integration.activated',
  'integration.configured',
  'integration.deactivated',
  'bank-statement.imported',
  'bank-transaction.matched',
  'bank-transaction.assigned',
  'bank-transaction.dismissed',
  'receipt.issued',
  'receipt.revoked',
  'period.closed',
  'period.reopened',
  'filing.recorded',
  'filing.receipt-attached',
  'promo-code.applied',
  // SPEC 5 / 7.2: instance ACLs, moves (they change what is inherited) and the mode.
  'acl.changed',
  'crm-object.moved',
  'permission-mode.changed',
  // SPEC 5.6: a sales document linked to an event (or moved to another) follows its permissions; unlinked, the roles alone again.
  'document.linked',
  'document.unlinked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an audit entry is about; the audit entity's schema reads this same list. */
export const AUDIT_TARGET_TYPES = [
  'organization',
  'account',
  'member',
  'invitation',
  'role',
  'integration',
  'bank-statement',
  'bank-transaction',
  'receipt',
  'period',
  'filing',
  'document',
  'crm-object',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export interface AuditEntry {
  organizationId: string;
  accountId: string;
  actorId: string;
  action: AuditAction;
  targetType: AuditTargetType;
  /** A member's user id, a role id, an account id, an invitation id, an integration id, a document id, the organization id, `<accountId>#<YYYY-MM>` for a period, or a filing id. */
  targetId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** An entry of a change made by this actor through this account's path. */
export const auditEntry = (
  actor: { organizationId: string; accountId: string; userId: string },
  e: Omit<AuditEntry, 'organizationId' | 'accountId' | 'actorId'>,
): AuditEntry => ({ organizationId: actor.organizationId, accountId: actor.accountId, actorId: actor.userId, ...e });

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let last: { time: number; id: string } = { time: -1, id: '' };

/** The ULID's random part plus one, carrying; its time part is left alone. */
function increment(id: string): string {
  const chars = id.split('');
  for (let i = chars.length - 1; i >= 10; i--) {
    const v = CROCKFORD.indexOf(chars[i]!);
    if (v < 31) {
      chars[i] = CROCKFORD[v + 1]!;
      return chars.join('');
    }
    chars[i] = '0';
  }
  return chars.join('');
}

/**
 * Audit ids sort by time, and within one container strictly in the order entries were
 * made even inside one millisecond (a monotonic ULID), so "newest first" is exact for
 * changes made one after the other.
 */
export function nextAuditId(now: number, fresh: (now: number) => string): string {
  if (now <= last.time) {
    last = { time: last.time, id: increment(last.id) };
  } else {
    last = { time: now, id: fresh(now) };
  }
  return last.id;
}
