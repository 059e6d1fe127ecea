import type { Action } from '../authz/catalogue.js';

/*
 * Instance ACLs (SPEC.md 5): the pure model. No I/O: the use cases load nodes and rows and
 * ask these functions; the materialized index (shared/data/entities/acl-index.ts) stores
 * what `aclRightsOf` computes, so an index entry and a from-scratch evaluation can never
 * disagree in how they read a row.
 *
 *   acl(u, o, r) = ( ∃ row on o matching u with r  ∨  ∃ parent p of o: acl(u, p, r) )
 *                  ∧ ¬ ∃ exclusion on o matching u
 *
 * which is SpiceDB's `permission read = (reader + contractor->read + project->read + ...) - excluded`.
 * An exclusion beats o's own rows and everything o inherits; descendants lose only what
 * they inherit THROUGH o (a case under contractor C and project P excluded at P keeps C's
 * grants); an explicit row on a descendant re-opens it. Siblings are untouched.
 */
export const OBJECT_TYPES = ['contractor', 'project', 'case', 'event', 'next-step', 'automated-action'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];
export type CrmType = Exclude<ObjectType, 'contractor'>;
export const CRM_TYPES = OBJECT_TYPES.filter((t): t is CrmType => t !== 'contractor');

export const RIGHTS = ['read', 'write', 'edit', 'delete', 'change-permissions', 'special'] as const;
export type Right = (typeof RIGHTS)[number];
export const isRight = (v: string): v is Right => (RIGHTS as readonly string[]).includes(v);

export const PERMISSION_MODES = ['static', 'dynamic', 'roles+acl'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/**
 * A principal as stored and as the API spells it: `user:<userId>`, `role:<role>` (a
 * built-in name or `custom:<roleId>`) or `everyone` (every member of the account).
 */
export type PrincipalRef = `user:${string}` | `role:${string}` | 'everyone';

export type ParsedPrincipal = { kind: 'user'; userId: string } | { kind: 'role'; role: string } | { kind: 'everyone' };

export function parsePrincipal(ref: string): ParsedPrincipal | undefined {
  if (ref === 'everyone') return { kind: 'everyone' };
  if (ref.startsWith('user:') && ref.length > 5) return { kind: 'user', userId: ref.slice(5) };
  if (ref.startsWith('role:') && ref.length > 5) return { kind: 'role', role: ref.slice(5) };
  return undefined;
}

export const principalRef = (p: ParsedPrincipal): PrincipalRef =>
  p.kind === 'everyone' ? 'everyone' : p.kind === 'user' ? `user:${p.userId}` : `role:${p.role}`;

export interface AclRow {
  principal: PrincipalRef;
  rights: Right[];
}

export interface Acl {
  rows: AclRow[];
  exclusions: PrincipalRef[];
}

export const EMPTY_ACL: Acl = Object.freeze({ rows: [], exclusions: [] }) as Acl;

/** The full row a creator gets on what they create. */
export const creatorAcl = (userId: string): Acl => ({ rows: [{ principal: `user:${userId}`, rights: [...RIGHTS] }], exclusions: [] });

/** One object as the model sees it: its direct parents and its own ACL. */
export interface AclNode {
  id: string;
  type: ObjectType;
  parents: string[];
  acl: Acl;
}

/** Who is asking: a member of the account with their role there. */
export interface Subject {
  userId: string;
  role: string;
}

/** The principals a member matches: themselves, their role, everyone. */
export const matchSet = (s: Subject): ReadonlySet<string> => new Set([`user:${s.userId}`, `role:${s.role}`, 'everyone']);

/* --- parents (SPEC 5.4) ----------------------------------------------------------------- */

/** The parent fields of each type, the type each must name, and how many are needed. */
export const PARENT_FIELDS = {
  contractor: { fields: {}, min: 0 },
  project: { fields: {}, min: 0 },
  case: { fields: { contractorId: 'contractor', projectId: 'project' }, min: 1 },
  event: { fields: { caseId: 'case' }, min: 1 },
  'next-step': { fields: { caseId: 'case', eventId: 'event' }, min: 1, max: 1 },
  'automated-action': { fields: { caseId: 'case', eventId: 'event' }, min: 1, max: 1 },
} as const satisfies Record<ObjectType, { fields: Record<string, ObjectType>; min: number; max?: number }>;

export type ParentField = 'contractorId' | 'projectId' | 'caseId' | 'eventId';
export type ParentRefs = Partial<Record<ParentField, string>>;

/** The parent ids of a set of parent references, in field order. */
export const parentIds = (refs: ParentRefs): string[] =>
  (['contractorId', 'projectId', 'caseId', 'eventId'] as const).flatMap((f) => (refs[f] === undefined ? [] : [refs[f]!]));

/* --- evaluation ------------------------------------------------------------------------- */

/**
 * The ACL rights of one subject on every node, memoized (each node once per subject, so a
 * whole account costs one pass). Nodes missing from `nodes` grant nothing.
 */
export function aclRightsOf(nodes: ReadonlyMap<string, AclNode>, subject: Subject): (id: string) => ReadonlySet<Right> {
  const mine = matchSet(subject);
  const memo = new Map<string, ReadonlySet<Right>>();
  const visiting = new Set<string>();
  const none: ReadonlySet<Right> = new Set();
  const rightsOf = (id: string): ReadonlySet<Right> => {
    const known = memo.get(id);
    if (known) return known;
    const node = nodes.get(id);
    // A cycle cannot be written (moves are checked), but a read must still terminate.
    if (!node || visiting.has(id)) return none;
    if (node.acl.exclusions.some((p) => mine.has(p))) {
      memo.set(id, none);
      return none;
    }
    visiting.add(id);
    const out = new Set<Right>();
    for (const row of node.acl.rows) if (mine.has(row.principal)) for (const r of row.rights) out.add(r);
    for (const parent of node.parents) for (const r of rightsOf(parent)) out.add(r);
    visiting.delete(id);
    memo.set(id, out);
    return out;
  };
  return rightsOf;
}

/* --- modes (SPEC 5.6) -------------------------------------------------------------------- */

/**
 * The catalogue action a role needs for a right on a type in the static and roles+acl
 * modes (docs/authorization.md, "Instance ACLs"). Contractors are the invoicing clients, so
 * their reading and editing are the `clients` area's.
 */
export function staticActionOf(type: ObjectType, right: Right): Action {
  if (type === 'contractor') {
    const c = { read: 'clients.view', write: 'crm.create', edit: 'clients.edit', delete: 'clients.delete' } as const;
    if (right in c) return c[right as keyof typeof c];
  }
  const crm = {
    read: 'crm.view',
    write: 'crm.create',
    edit: 'crm.edit',
    delete: 'crm.delete',
    'change-permissions': 'crm.change-permissions',
    special: 'crm.special',
  } as const;
  return crm[right];
}

/**
 * The decision of SPEC 5.6: static = the role; dynamic = the ACL; roles+acl = both. The
 * Owner of the organization always passes (break-glass: SPEC 1.1 gives the Owner
 * everything, and an organization must never lock its Owner out of its own data).
 */
export function decideInMode(mode: PermissionMode, isOwner: boolean, roleAllows: boolean, aclAllows: boolean): boolean {
  if (isOwner) return true;
  if (mode === 'static') return roleAllows;
  if (mode === 'dynamic') return aclAllows;
  return roleAllows && aclAllows;
}

/* --- explain (SPEC 5, "why can't she see it") ------------------------------------------ */

export type AclReason =
  | { kind: 'row'; objectId: string; objectType: ObjectType; principal: PrincipalRef; path: string[] }
  | { kind: 'excluded'; objectId: string; objectType: ObjectType; principal: PrincipalRef; path: string[] }
  | { kind: 'no-row' };

/**
 * Why the ACL gives (or does not give) `right` on `id`: the first row found, on the object
 * or on which ancestor (`path` runs from the object up to that ancestor), or the exclusion
 * that blocks the way. Excluded paths are reported only when no path grants.
 */
export function explainAcl(nodes: ReadonlyMap<string, AclNode>, subject: Subject, id: string, right: Right): { allowed: boolean; reasons: AclReason[] } {
  const mine = matchSet(subject);
  const grants: AclReason[] = [];
  const blocks: AclReason[] = [];
  const walk = (nodeId: string, path: string[]): void => {
    const node = nodes.get(nodeId);
    if (!node || path.includes(nodeId)) return;
    const here = [...path, nodeId];
    const excluded = node.acl.exclusions.find((p) => mine.has(p));
    if (excluded) {
      blocks.push({ kind: 'excluded', objectId: nodeId, objectType: node.type, principal: excluded, path: here });
      return;
    }
    for (const row of node.acl.rows) {
      if (mine.has(row.principal) && row.rights.includes(right)) {
        grants.push({ kind: 'row', objectId: nodeId, objectType: node.type, principal: row.principal, path: here });
      }
    }
    for (const p of node.parents) walk(p, here);
  };
  walk(id, []);
  if (grants.length) return { allowed: true, reasons: grants };
  return { allowed: false, reasons: blocks.length ? blocks : [{ kind: 'no-row' }] };
}
