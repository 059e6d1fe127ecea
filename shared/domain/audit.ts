/*
 * The audit log's vocabulary (SPEC.md 7.2, issue 4): what changed, about whom, before and
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
  'invitation.created',
  'invitation.accepted',
  'role.created',
  'role.updated',
  'role.deleted',
  'plan.changed',
  'feature.activated',
  'feature.deactivated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditTargetType = 'organization' | 'account' | 'member' | 'invitation' | 'role';

export interface AuditEntry {
  organizationId: string;
  accountId: string;
  actorId: string;
  action: AuditAction;
  targetType: AuditTargetType;
  /** A member's user id, a role id, an account id, an invitation id, or the organization id. */
  targetId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}
