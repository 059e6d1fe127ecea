import { decide, scopeOf, type Principal } from '../../authz/engine.js';
import type { Action } from '../../authz/catalogue.js';
import { Forbidden, NotFound } from '../errors.js';

/*
 * Object-level decisions on documents and payments (SPEC 1.3, 7.1). The authorizer let the
 * caller reach the route with either scope of its permission; here the engine decides on
 * the object itself. An object the caller may not VIEW is reported as absent (404), so an
 * Employee cannot learn that another member's document exists; one they may view but not
 * change is a 403.
 */
export interface OwnedObject {
  organizationId: string;
  accountId: string;
  /** The member the object belongs to for `.own` scopes (a document's creator). */
  ownerId: string;
}

const resourceOf = (o: OwnedObject) => ({ organizationId: o.organizationId, accountId: o.accountId, ownerId: o.ownerId });

export const mayView = (p: Principal, viewAction: Action, o: OwnedObject): boolean => decide(p, viewAction, resourceOf(o)).allowed;

/** Returns the object when the principal may view it; otherwise "not found". */
export function requireVisible<T>(p: Principal, viewAction: Action, o: (OwnedObject & T) | undefined, noun: string): OwnedObject & T {
  if (!o || !mayView(p, viewAction, o)) throw new NotFound(`the ${noun} does not exist`);
  return o;
}

/** 404 when not visible, 403 when visible but `action` is denied on it. */
export function requireAllowed<T>(
  p: Principal,
  viewAction: Action,
  action: Action,
  o: (OwnedObject & T) | undefined,
  noun: string,
): OwnedObject & T {
  const visible = requireVisible(p, viewAction, o, noun);
  const d = decide(p, action, resourceOf(visible));
  if (!d.allowed) throw new Forbidden(`you may not ${action.split('.')[1]} this ${noun} (${d.reason})`);
  return visible;
}

/** The list scope for a scoped view action; 'none' is refused as 403 (the route allowed neither scope). */
export function listScope(p: Principal, action: Action): 'all' | 'own' {
  const scope = scopeOf(p, action);
  if (scope === 'none') throw new Forbidden(`this list needs ${action}`);
  return scope;
}
