/* Plans and plan-gated features, SPEC.md section 4. */
export const PLANS = ['free', 'small', 'medium', 'large', 'unlimited'] as const;
export type Plan = (typeof PLANS)[number];

export const FEATURES = ['self-bookkeeping'] as const;
export type Feature = (typeof FEATURES)[number];

/** SPEC 4.3: Backoffice needs one of these plans. */
export const BACKOFFICE_PLANS: readonly Plan[] = ['small', 'medium', 'large', 'unlimited'];

export interface OrganizationState {
  plan: Plan;
  features: readonly Feature[];
}

/** SPEC 4.1 + 4.3: Backoffice exists only on a Small+ plan with self-bookkeeping active. */
export const backofficeAvailable = (org: OrganizationState): boolean =>
  BACKOFFICE_PLANS.includes(org.plan) && org.features.includes('self-bookkeeping');

/** SPEC 4.4: the first Backoffice seat is included, each further one EUR 25.00 a month. */
export const BACKOFFICE_SEAT_PRICE_CENTS = 2500;
export const backofficeSeatCharge = (seats: number): number =>
  Math.max(0, seats - 1) * BACKOFFICE_SEAT_PRICE_CENTS;

/**
 * The monthly list price of each plan, in EUR cents: the bill's plan fee line.
 * PLACEHOLDERS: SPEC.md names the plans but prices only the Backoffice seat (4.4). These
 * figures exist so the bill shows the fee line next to the seats; they are not a price
 * anyone agreed to and need sign-off before the bill is sent to a customer (README,
 * "Billing"). This constant is the only place they live.
 */
export const PLAN_LIST_PRICE_CENTS: Readonly<Record<Plan, number>> = {
  free: 0,
  small: 1900,
  medium: 3900,
  large: 7900,
  unlimited: 14900,
};
