/*
 * The instance-ACL model of SPEC.md 5 as the common input of tests and benchmarks: an
 * AclWorld (one account's members, objects, rows and exclusions) and a NAIVE reference
 * evaluator written straight from the definition, independent of shared/domain/acl.ts:
 *
 *   acl(u, o, r) = ( ∃ row on o matching u with r  ∨  ∃ parent p of o: acl(u, p, r) )
 *                  ∧ ¬ ∃ exclusion on o matching u
 *
 * A member u matches a principal p iff p = user u, or p = role r and u's role is r, or p =
 * everyone. The creator of an object holds a row with all six rights on it (creating an
 * object gives it); `rows` do not repeat it, and this evaluator counts it.
 */
export type ObjType = 'contractor' | 'project' | 'case' | 'event' | 'next-step' | 'automated-action';
export type Right = 'read' | 'write' | 'edit' | 'delete' | 'change-permissions' | 'special';
export type Principal = { kind: 'user'; userId: string } | { kind: 'role'; role: string } | { kind: 'everyone' };

export const OBJ_TYPES: readonly ObjType[] = ['contractor', 'project', 'case', 'event', 'next-step', 'automated-action'];
export const ALL_RIGHTS: readonly Right[] = ['read', 'write', 'edit', 'delete', 'change-permissions', 'special'];

export interface AclWorld {
  accountId: string;
  members: { userId: string; role: string }[];
  objects: { id: string; type: ObjType; parents: string[]; creator: string }[];
  rows: { objectId: string; principal: Principal; rights: Right[] }[];
  exclusions: { objectId: string; principal: Principal }[];
}

const matches = (world: AclWorld, userId: string, p: Principal): boolean => {
  if (p.kind === 'everyone') return world.members.some((m) => m.userId === userId);
  if (p.kind === 'user') return p.userId === userId;
  return world.members.some((m) => m.userId === userId && m.role === p.role);
};

/** acl(u, o, r), literally: no memo, no shortcut. */
export function referenceAcl(world: AclWorld, userId: string, objectId: string, right: Right): boolean {
  const o = world.objects.find((x) => x.id === objectId);
  if (!o) return false;
  if (world.exclusions.some((e) => e.objectId === objectId && matches(world, userId, e.principal))) return false;
  if (o.creator === userId) return true;
  if (world.rows.some((r) => r.objectId === objectId && r.rights.includes(right) && matches(world, userId, r.principal))) return true;
  return o.parents.some((p) => referenceAcl(world, userId, p, right));
}

/** The ids of the objects of a type (under a parent, when given) the member may read, sorted. */
export function referenceList(world: AclWorld, userId: string, type: ObjType, parentId?: string): string[] {
  return world.objects
    .filter((o) => o.type === type && (parentId === undefined || o.parents.includes(parentId)))
    .filter((o) => referenceAcl(world, userId, o.id, 'read'))
    .map((o) => o.id)
    .sort();
}
