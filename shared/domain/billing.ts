import {
  BACKOFFICE_PLANS,
  BACKOFFICE_SEAT_PRICE_CENTS,
  backofficeSeatCharge,
  PLAN_LIST_PRICE_CENTS,
  type Feature,
  type Plan,
} from '../authz/plans.js';

/*
 * Plans, features and seats (SPEC.md 3.1, 4): pure rules for the billing summary and for
 * plan and feature changes. Money is integer cents with an ISO 4217 currency.
 */
export const CURRENCY = 'EUR';

export interface BillingAccount {
  accountId: string;
  kind: 'main' | 'sub';
  name: string;
  status: 'active' | 'archived';
}

export interface SeatHolder {
  userId: string;
  email: string;
}

export interface BillingSummary {
  organizationId: string;
  plan: Plan;
  currency: typeof CURRENCY;
  interval: 'month';
  /** SPEC 3.1: one invoice covers the main account and every sub-account. */
  accounts: BillingAccount[];
  backofficeSeats: {
    users: SeatHolder[];
    count: number;
    included: number;
    billable: number;
    unitAmountCents: number;
    amountCents: number;
  };
  /** The plan's own monthly fee (placeholder list prices, see PLAN_LIST_PRICE_CENTS). */
  planFee: { plan: Plan; amountCents: number };
  lines: Array<{ description: string; quantity: number; unitAmountCents: number; amountCents: number }>;
  totalCents: number;
}

/** SPEC 4.4: the first Backoffice seat is included, each further one EUR 25.00 a month. */
export function billingSummary(input: {
  organizationId: string;
  plan: Plan;
  accounts: BillingAccount[];
  backoffice: SeatHolder[];
}): BillingSummary {
  const count = input.backoffice.length;
  const billable = Math.max(0, count - 1);
  const amountCents = backofficeSeatCharge(count);
  const planCents = PLAN_LIST_PRICE_CENTS[input.plan];
  // The plan's fee is always the first line (a free plan's at 0), the seats beside it.
  const planLine = { description: `Plan ${input.plan}, monthly fee`, quantity: 1, unitAmountCents: planCents, amountCents: planCents };
  const seatLines =
    billable > 0
      ? [
          {
            description: `Backoffice seats beyond the first (${count} assigned, 1 included)`,
            quantity: billable,
            unitAmountCents: BACKOFFICE_SEAT_PRICE_CENTS,
            amountCents,
          },
        ]
      : [];
  const lines = [planLine, ...seatLines];
  return {
    organizationId: input.organizationId,
    plan: input.plan,
    currency: CURRENCY,
    interval: 'month',
    accounts: input.accounts,
    backofficeSeats: {
      users: input.backoffice,
      count,
      included: Math.min(1, count),
      billable,
      unitAmountCents: BACKOFFICE_SEAT_PRICE_CENTS,
      amountCents,
    },
    planFee: { plan: input.plan, amountCents: planCents },
    lines,
    totalCents: lines.reduce((s, l) => s + l.amountCents, 0),
  };
}

export type ChangeVerdict =
  | { ok: true }
  | { ok: false; reason: 'backoffice-assigned' | 'plan-required'; detail: string; members?: SeatHolder[]; requiredPlans?: readonly Plan[] };

const names = (holders: SeatHolder[]): string => holders.map((h) => h.email || h.userId).join(', ');

/** Downgrading below Small while Backoffice users exist would strand them: refuse, naming them. */
export function checkPlanChange(to: Plan, backoffice: SeatHolder[]): ChangeVerdict {
  if (BACKOFFICE_PLANS.includes(to) || backoffice.length === 0) return { ok: true };
  return {
    ok: false,
    reason: 'backoffice-assigned',
    detail: `the plan ${to} has no Backoffice; first change the role of: ${names(backoffice)}`,
    members: backoffice,
  };
}

/** SPEC 4.3: self-bookkeeping only on plans Small+. */
export function checkFeatureActivation(feature: Feature, plan: Plan): ChangeVerdict {
  if (feature !== 'self-bookkeeping' || BACKOFFICE_PLANS.includes(plan)) return { ok: true };
  return {
    ok: false,
    reason: 'plan-required',
    detail: `self-bookkeeping is available only on plans Small, Medium, Large and Unlimited: one of them must be activated`,
    requiredPlans: BACKOFFICE_PLANS,
  };
}

/** Deactivating self-bookkeeping would silently strand Backoffice users: refuse, naming them. */
export function checkFeatureDeactivation(feature: Feature, backoffice: SeatHolder[]): ChangeVerdict {
  if (feature !== 'self-bookkeeping' || backoffice.length === 0) return { ok: true };
  return {
    ok: false,
    reason: 'backoffice-assigned',
    detail: `Backoffice needs self-bookkeeping; first change the role of: ${names(backoffice)}`,
    members: backoffice,
  };
}
