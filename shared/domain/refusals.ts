import type { Refusal } from '../authz/assignment.js';
import { Conflict, Forbidden, LastOwner, PlanRequired, ValidationError, type DomainError } from './errors.js';

/*
 * An assignment refusal (shared/authz/assignment.ts) as the domain error the API answers
 * with: the status, the stable reason, and the facts (missing permissions, plans needed)
 * as problem extensions, so clients and tests can tell refusals apart without parsing text.
 */
export function refusalError(r: Refusal, field = 'body.role'): DomainError {
  const extensions: Record<string, unknown> = { reason: r.reason };
  if (r.missing) extensions.missing = r.missing;
  if (r.requiredPlans) extensions.requiredPlans = r.requiredPlans;
  if (r.status === 400) return new ValidationError(r.detail, { errors: [{ field, message: r.detail }], extensions });
  if (r.status === 403) return new Forbidden(r.detail, { extensions });
  if (r.reason === 'last-owner') return new LastOwner(r.detail, { extensions });
  if (r.reason === 'plan-required' || r.reason === 'feature-required') return new PlanRequired(r.detail, { extensions });
  return new Conflict(r.detail, { extensions });
}

export function throwUnlessOk(v: { ok: true } | { ok: false; refusal: Refusal }, field?: string): void {
  if (!v.ok) throw refusalError(v.refusal, field);
}
