import type { AclExclusion, AclObject, AclRow, AclWorld, ObjType, Principal, Right } from './world.js';

/*
 * The instance-ACL model (SPEC.md 5) evaluated the slow and obvious way, straight from its
 * definition, so that SpiceDB and Kontor can both be held against it:
 *
 *   acl(u, o, r) = ( ∃ row on o matching u with r ∈ rights  ∨  ∃ parent p of o: acl(u, p, r) )
 *                  ∧ ¬ ∃ exclusion on o matching u
 *
 * Every answer recomputes the recursion (no memo, no precomputed closure); the world is only
 * grouped by object id so that the bench's 100,000-object worlds can be checked in seconds.
 */
export class Reference {
  private readonly objects = new Map<string, AclObject>();
  private readonly rows = new Map<string, AclRow[]>();
  private readonly exclusions = new Map<string, AclExclusion[]>();
  private readonly roles = new Map<string, string>();

  constructor(readonly world: AclWorld) {
    for (const o of world.objects) this.objects.set(o.id, o);
    for (const r of world.rows) this.rows.set(r.objectId, [...(this.rows.get(r.objectId) ?? []), r]);
    for (const x of world.exclusions) this.exclusions.set(x.objectId, [...(this.exclusions.get(x.objectId) ?? []), x]);
    for (const m of world.members) this.roles.set(m.userId, m.role);
  }

  /** A user u matches p iff p = user u, or p = role r and u's role is r, or p = everyone (u is a member). */
  matches(userId: string, p: Principal): boolean {
    const role = this.roles.get(userId);
    if (role === undefined) return false;
    switch (p.kind) {
      case 'user':
        return p.userId === userId;
      case 'role':
        return p.role === role;
      case 'everyone':
        return true;
    }
  }

  /** The ACL alone (dynamic mode, without the Owner's bypass). */
  acl(userId: string, objectId: string, right: Right): boolean {
    const object = this.objects.get(objectId);
    if (!object) throw new Error(`no object ${objectId}`);
    if ((this.exclusions.get(objectId) ?? []).some((x) => this.matches(userId, x.principal))) return false;
    const ownRow = (this.rows.get(objectId) ?? []).some((row) => row.rights.includes(right) && this.matches(userId, row.principal));
    return ownRow || object.parents.some((parent) => this.acl(userId, parent, right));
  }

  /** Dynamic mode as a whole: the Owner always passes (break-glass), everyone else by the ACL. */
  allowed(userId: string, objectId: string, right: Right): boolean {
    return this.roles.get(userId) === 'owner' || this.acl(userId, objectId, right);
  }

  /** The objects of a type (optionally the children of one parent) the user may read, ids sorted. */
  readable(userId: string, type: ObjType, parentId?: string): string[] {
    return this.world.objects
      .filter((o) => o.type === type && (parentId === undefined || o.parents.includes(parentId)))
      .filter((o) => this.allowed(userId, o.id, 'read'))
      .map((o) => o.id)
      .sort();
  }
}
