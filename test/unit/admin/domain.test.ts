import { describe, expect, it } from 'vitest';
import { PLAN_LIST_PRICE_CENTS } from '#shared/authz/plans.js';
import { billingSummary, checkFeatureActivation, checkFeatureDeactivation, checkPlanChange } from '#shared/domain/billing.js';
import { acceptOutcome, invitationExpiresAt, isExpired, newInvitationId, parseInvitationId } from '#shared/domain/invitations.js';
import { switchList, type SwitchAccount } from '#shared/domain/switch-accounts.js';
import { refusalError } from '#shared/domain/refusals.js';
import { Forbidden, LastOwner, PlanRequired, ValidationError } from '#shared/domain/errors.js';

const ORG = 'org_01JTEST0000000000000000000';
const MAIN = 'acc_01JTEST0000000000000000000';
const SUB = `${MAIN}_01JTEST0000000000000000001`;

describe('billing', () => {
  it('includes the first Backoffice seat and bills each further one at EUR 25.00 in cents', () => {
    const seats = (n: number) => Array.from({ length: n }, (_, i) => ({ userId: `b${i}`, email: `b${i}@x` }));
    const accounts = [{ accountId: MAIN, kind: 'main' as const, name: 'Main', status: 'active' as const }];
    const none = billingSummary({ organizationId: ORG, plan: 'small', accounts, backoffice: seats(0) });
    expect(none).toMatchObject({ totalCents: PLAN_LIST_PRICE_CENTS.small, planFee: { plan: 'small', amountCents: PLAN_LIST_PRICE_CENTS.small } });
    expect(none.lines).toEqual([{ description: 'Plan small, monthly fee', quantity: 1, unitAmountCents: PLAN_LIST_PRICE_CENTS.small, amountCents: PLAN_LIST_PRICE_CENTS.small }]);
    expect(billingSummary({ organizationId: ORG, plan: 'small', accounts, backoffice: seats(1) }).backofficeSeats).toMatchObject({ included: 1, billable: 0, amountCents: 0 });
    const four = billingSummary({ organizationId: ORG, plan: 'large', accounts, backoffice: seats(4) });
    expect(four).toMatchObject({ currency: 'EUR', interval: 'month', totalCents: PLAN_LIST_PRICE_CENTS.large + 7500, backofficeSeats: { count: 4, billable: 3, unitAmountCents: 2500 } });
    // The plan's fee line first, the seats beside it.
    expect(four.lines).toEqual([
      expect.objectContaining({ description: 'Plan large, monthly fee', quantity: 1, amountCents: PLAN_LIST_PRICE_CENTS.large }),
      expect.objectContaining({ quantity: 3, unitAmountCents: 2500, amountCents: 7500 }),
    ]);
    expect(billingSummary({ organizationId: ORG, plan: 'free', accounts, backoffice: [] }).lines).toEqual([expect.objectContaining({ quantity: 1, amountCents: 0 })]);
  });

  it('refuses a downgrade below Small while Backoffice users exist, naming them; any Small+ plan is fine', () => {
    const bo = [{ userId: 'u1', email: 'bo@x.dev' }];
    expect(checkPlanChange('free', bo)).toMatchObject({ ok: false, reason: 'backoffice-assigned', members: bo });
    expect(checkPlanChange('free', [])).toEqual({ ok: true });
    expect(checkPlanChange('medium', bo)).toEqual({ ok: true });
    expect(checkFeatureActivation('self-bookkeeping', 'free')).toMatchObject({ ok: false, reason: 'plan-required' });
    expect(checkFeatureActivation('self-bookkeeping', 'unlimited')).toEqual({ ok: true });
    expect(checkFeatureDeactivation('self-bookkeeping', bo)).toMatchObject({ ok: false, members: bo });
  });
});

describe('invitations', () => {
  it('names its account in its id, and parses back to the key it was stored under', () => {
    expect(parseInvitationId(newInvitationId(MAIN))).toMatchObject({ organizationId: ORG, accountId: MAIN });
    expect(parseInvitationId(newInvitationId(SUB))).toMatchObject({ organizationId: ORG, accountId: SUB });
    expect(parseInvitationId('inv_x')).toBeUndefined();
    expect(parseInvitationId(`inv_${MAIN.slice(4)}`)).toBeUndefined();
  });

  it('expires after seven days, checked on read (TTL deletion is lazy)', () => {
    const now = Date.UTC(2026, 0, 1);
    const exp = invitationExpiresAt(now);
    expect(isExpired(exp, now + 7 * 24 * 3600 * 1000 - 1000)).toBe(false);
    expect(isExpired(exp, now + 7 * 24 * 3600 * 1000)).toBe(true);
  });

  it('accepts only a verified matching e-mail; repeats by the same user are answered again', () => {
    const now = Date.now();
    const inv = { email: 'a@x.dev', status: 'pending', expiresAt: invitationExpiresAt(now) };
    const caller = { userId: 'u1', email: 'A@X.dev', emailVerified: true };
    expect(acceptOutcome(inv, caller, now)).toEqual({ kind: 'accept' });
    expect(acceptOutcome(inv, { ...caller, emailVerified: false }, now)).toMatchObject({ status: 403, reason: 'email-not-verified' });
    expect(acceptOutcome(inv, { ...caller, email: undefined }, now)).toMatchObject({ reason: 'email-not-verified' });
    expect(acceptOutcome(inv, { ...caller, email: 'b@x.dev' }, now)).toMatchObject({ status: 403, reason: 'email-mismatch' });
    expect(acceptOutcome({ ...inv, status: 'accepted', acceptedBy: 'u1' }, caller, now)).toEqual({ kind: 'already-accepted' });
    expect(acceptOutcome({ ...inv, status: 'accepted', acceptedBy: 'u2' }, caller, now)).toMatchObject({ status: 409 });
    expect(acceptOutcome({ ...inv, expiresAt: Math.floor(now / 1000) - 1 }, caller, now)).toMatchObject({ status: 409, reason: 'expired' });
    expect(acceptOutcome({ ...inv, status: 'revoked' }, caller, now)).toMatchObject({ status: 409, reason: 'not-pending' });
  });
});

describe('the switch list (SPEC 3.6)', () => {
  const main: SwitchAccount = { accountId: MAIN, organizationId: ORG, kind: 'main', name: 'Main', status: 'active' };
  const sub: SwitchAccount = { accountId: SUB, organizationId: ORG, kind: 'sub', name: 'Sub', status: 'active' };
  const archived: SwitchAccount = { ...sub, accountId: `${MAIN}_01JTEST0000000000000000002`, status: 'archived' };
  const m = (role: string, kind: 'main' | 'sub' = 'main') => ({ organizationId: ORG, accountId: kind === 'main' ? MAIN : SUB, kind, role });

  it('is empty for sub-account members and for main members without sub-account access', () => {
    expect(switchList({ membership: m('manager', 'sub'), main, reachable: [sub] })).toEqual([]);
    expect(switchList({ membership: m('employee'), main, reachable: [] })).toEqual([]);
    expect(switchList({ membership: m('employee'), main, reachable: [archived] })).toEqual([]);
  });

  it('lists main first, then reachable sub-accounts; only the Owner sees archived ones', () => {
    expect(switchList({ membership: m('employee'), main, reachable: [sub] }).map((a) => [a.accountId, a.via])).toEqual([
      [MAIN, 'member'],
      [SUB, 'grant'],
    ]);
    expect(switchList({ membership: m('owner'), main, reachable: [sub, archived] })).toHaveLength(3);
    expect(switchList({ membership: m('backoffice'), main, reachable: [sub, archived] }).map((a) => a.via)).toEqual(['member', 'backoffice']);
  });
});

describe('refusals as problems', () => {
  it('maps each status to its domain error with the reason and facts as extensions', () => {
    expect(refusalError({ status: 400, reason: 'unknown-role', detail: 'x' })).toBeInstanceOf(ValidationError);
    expect(refusalError({ status: 400, reason: 'unknown-role', detail: 'x' }).errors).toEqual([{ field: 'body.role', message: 'x' }]);
    const f = refusalError({ status: 403, reason: 'exceeds-own-permissions', detail: 'x', missing: ['users.remove'] });
    expect(f).toBeInstanceOf(Forbidden);
    expect(f.extensions).toEqual({ reason: 'exceeds-own-permissions', missing: ['users.remove'] });
    expect(refusalError({ status: 409, reason: 'last-owner', detail: 'x' })).toBeInstanceOf(LastOwner);
    expect(refusalError({ status: 409, reason: 'plan-required', detail: 'x', requiredPlans: ['small'] })).toBeInstanceOf(PlanRequired);
  });
});

describe('audit ids', () => {
  it('sort strictly in the order they were made, even within one millisecond', async () => {
    const { nextAuditId } = await import('#shared/domain/audit.js');
    const { ulid } = await import('#shared/domain/ids.js');
    const t = Date.now() + 10_000;
    const ids = [nextAuditId(t, ulid), nextAuditId(t, ulid), nextAuditId(t, ulid), nextAuditId(t - 5, ulid), nextAuditId(t + 1, ulid)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the invitation view', () => {
  it('shows a pending invitation past its expiry as expired (TTL deletion is lazy)', async () => {
    const { invitationView } = await import('#shared/views/members.js');
    const now = Date.UTC(2026, 0, 10);
    const base = { invitationId: 'inv_x', organizationId: ORG, accountId: MAIN, email: 'a@x', role: 'employee', invitedBy: 'u', createdAt: 'x', version: 1 };
    const pending = { ...base, status: 'pending' as const, expiresAt: invitationExpiresAt(now) };
    expect(invitationView(pending, now).status).toBe('pending');
    expect(invitationView(pending, now + 8 * 24 * 3600 * 1000).status).toBe('expired');
    expect(invitationView({ ...pending, status: 'accepted' }, now + 8 * 24 * 3600 * 1000).status).toBe('accepted');
  });
});
