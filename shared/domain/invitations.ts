import { ulid } from './ids.js';

/*
 * Invitations. An invitation id names the account it invites into, the way a
 * sub-account id names its organization: `inv_<org ULID>[_<sub ULID>]_<ULID>`. Accepting
 * needs no index: the id alone gives the item's key. The id is not a secret; acceptance
 * is bound to the invitee's verified e-mail address.
 */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const INVITATION_RE = new RegExp(`^inv_(${ULID})(?:_(${ULID}))?_(${ULID})$`);

export const newInvitationId = (accountId: string): string => `inv_${accountId.slice(4)}_${ulid()}`;

export interface InvitationRef {
  invitationId: string;
  organizationId: string;
  accountId: string;
}

export function parseInvitationId(invitationId: string): InvitationRef | undefined {
  const m = INVITATION_RE.exec(invitationId);
  if (!m) return undefined;
  const org = m[1]!;
  return {
    invitationId,
    organizationId: `org_${org}`,
    accountId: m[2] === undefined ? `acc_${org}` : `acc_${org}_${m[2]}`,
  };
}

/** E-mail addresses compare case-insensitively (the local part, in practice, too). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const invitationExpiresAt = (nowMs: number): number => Math.floor(nowMs / 1000) + INVITATION_TTL_SECONDS;

/** TTL deletion is lazy (up to days late), so reads check the time themselves. */
export const isExpired = (expiresAt: number, nowMs: number): boolean => expiresAt * 1000 <= nowMs;

export type AcceptOutcome =
  | { kind: 'accept' }
  | { kind: 'already-accepted' }
  | { kind: 'refused'; status: 403 | 409; reason: string; detail: string };

/**
 * What accepting means for this caller: the verified e-mail must be the invited one; a
 * repeat by the same user is answered like the first (idempotent); anything else refuses.
 */
export function acceptOutcome(
  invitation: { email: string; status: string; expiresAt: number; acceptedBy?: string | undefined },
  caller: { userId: string; email: string | undefined; emailVerified: boolean },
  nowMs: number,
): AcceptOutcome {
  if (!caller.email || !caller.emailVerified) {
    return { kind: 'refused', status: 403, reason: 'email-not-verified', detail: 'accepting needs a token with a verified e-mail address' };
  }
  if (normalizeEmail(caller.email) !== normalizeEmail(invitation.email)) {
    return { kind: 'refused', status: 403, reason: 'email-mismatch', detail: 'the invitation was sent to another e-mail address' };
  }
  if (invitation.status === 'accepted') {
    return invitation.acceptedBy === caller.userId
      ? { kind: 'already-accepted' }
      : { kind: 'refused', status: 409, reason: 'already-accepted', detail: 'the invitation has already been accepted' };
  }
  if (invitation.status !== 'pending') {
    return { kind: 'refused', status: 409, reason: 'not-pending', detail: `the invitation is ${invitation.status}` };
  }
  if (isExpired(invitation.expiresAt, nowMs)) {
    return { kind: 'refused', status: 409, reason: 'expired', detail: 'the invitation has expired' };
  }
  return { kind: 'accept' };
}
