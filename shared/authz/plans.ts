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
