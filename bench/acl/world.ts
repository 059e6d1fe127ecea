/*
 * The instance-ACL model's common input (SPEC.md 5): one account's objects, members, ACL
 * rows and exclusions, generated from a seed so that the reference evaluator, SpiceDB and
 * Kontor all see exactly the same world. Self-contained on purpose: the bench must not
 * depend on the implementation it measures.
 */

export const OBJ_TYPES = ['contractor', 'project', 'case', 'event', 'next-step', 'automated-action'] as const;
export type ObjType = (typeof OBJ_TYPES)[number];

export const RIGHTS = ['read', 'write', 'edit', 'delete', 'change-permissions', 'special'] as const;
export type Right = (typeof RIGHTS)[number];

export type Principal = { kind: 'user'; userId: string } | { kind: 'role'; role: string } | { kind: 'everyone' };

export interface AclObject {
  id: string;
  type: ObjType;
  /** contractor, project: none; case: a contractor and/or a project; event: one case; next-step, automated-action: one case or event. */
  parents: string[];
  creator: string;
}

export interface AclRow {
  objectId: string;
  principal: Principal;
  rights: Right[];
}

export interface AclExclusion {
  objectId: string;
  principal: Principal;
}

export interface AclWorld {
  accountId: string;
  /** role: 'owner' | 'manager' | 'employee' | 'accountant' | 'backoffice' | `custom:<id>` */
  members: { userId: string; role: string }[];
  /** Parents are listed before their children. */
  objects: AclObject[];
  /**
   * Every object's creator row ({ user: creator, rights: all six }) is listed here, first
   * among that object's rows, exactly as creation writes it: a loader that adds the creator
   * row on creation by itself ends up with the same set of rows.
   */
  rows: AclRow[];
  exclusions: AclExclusion[];
}

export interface WorldOptions {
  seed: number;
  /** Number of objects in the account. */
  objects: number;
  /** Levels of the object tree: 1 contractors/projects only; 2 + cases; 3 + events and case-level next steps/automated actions; 4 + event-level ones. */
  depth: 1 | 2 | 3 | 4;
  /** Members of the account (one of them the Owner). */
  members: number;
  /** Expected ACL rows per object besides the creator's. */
  rowDensity: number;
  /** Probability that an object carries an exclusion. */
  exclusionDensity: number;
}

/** Roles the generator hands out to non-Owner members; two custom roles so that role rows can match a handful of users. */
export const MEMBER_ROLES = ['manager', 'employee', 'accountant', 'backoffice', 'custom:sales', 'custom:field'] as const;

/** mulberry32: small, fast, and good enough to spread a benchmark's choices evenly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** A count with mean `mean`: its integer part always, one more with the fractional part's probability. */
const countOf = (rnd: () => number, mean: number): number => Math.floor(mean) + (rnd() < mean - Math.floor(mean) ? 1 : 0);

function randomRights(rnd: () => number): Right[] {
  // Read is what most rows are for; the other rights come along less often.
  const rights = RIGHTS.filter((r) => rnd() < (r === 'read' ? 0.75 : 0.35));
  return rights.length ? rights : [pick(rnd, RIGHTS)];
}

function randomPrincipal(rnd: () => number, world: AclWorld, weights: { user: number; role: number }): Principal {
  const x = rnd();
  if (x < weights.user) return { kind: 'user', userId: pick(rnd, world.members).userId };
  if (x < weights.user + weights.role) {
    // Roles that members actually hold, and now and then the Owner's: a row for a role nobody holds matches nobody.
    return { kind: 'role', role: rnd() < 0.1 ? 'owner' : pick(rnd, MEMBER_ROLES) };
  }
  return { kind: 'everyone' };
}

/** Shares of the objects per level: equal, so that every level weighs in lists and checks. */
function levelSizes(objects: number, depth: number): number[] {
  const sizes = Array.from({ length: depth }, () => Math.floor(objects / depth));
  // The remainder goes to the deepest levels.
  const remainder = objects % depth;
  for (let i = 0; i < remainder; i++) sizes[depth - 1 - i]!++;
  return sizes;
}

export function generateWorld(opts: WorldOptions): AclWorld {
  if (opts.members < 2) throw new Error('a world needs the Owner and at least one other member');
  if (opts.objects < opts.depth) throw new Error('a world needs at least one object per level');
  const rnd = prng(opts.seed);
  const id = (prefix: string, n: number) => `${prefix}${n.toString().padStart(6, '0')}`;
  const world: AclWorld = { accountId: `acc_bench${opts.seed}`, members: [], objects: [], rows: [], exclusions: [] };
  world.members.push({ userId: id('u', 0), role: 'owner' });
  for (let i = 1; i < opts.members; i++) world.members.push({ userId: id('u', i), role: MEMBER_ROLES[(i - 1) % MEMBER_ROLES.length]! });

  const sizes = levelSizes(opts.objects, opts.depth);
  const byLevel: AclObject[][] = [];
  let n = 0;
  for (const [level, size] of sizes.entries()) {
    const objects: AclObject[] = [];
    const above = byLevel[level - 1] ?? [];
    const contractors = above.filter((o) => o.type === 'contractor');
    const projects = above.filter((o) => o.type === 'project');
    const cases = above.filter((o) => o.type === 'case');
    const events = above.filter((o) => o.type === 'event');
    for (let i = 0; i < size; i++) {
      const creator = pick(rnd, world.members).userId;
      let type: ObjType;
      let parents: string[];
      if (level === 0) {
        type = rnd() < 0.5 ? 'contractor' : 'project';
        parents = [];
      } else if (level === 1) {
        type = 'case';
        // A contractor only, a project only, or both, as far as the level above has them.
        const x = rnd();
        const c = contractors.length && (x < 2 / 3 || !projects.length) ? pick(rnd, contractors).id : undefined;
        const p = projects.length && (x >= 1 / 3 || !contractors.length) ? pick(rnd, projects).id : undefined;
        parents = [c, p].filter((v): v is string => v !== undefined);
      } else if (level === 2) {
        // Mostly events; the rest are next steps and automated actions directly under a case.
        // The first one is always an event, so that level 4 has somewhere to hang.
        type = i === 0 || rnd() < 0.7 ? 'event' : rnd() < 0.5 ? 'next-step' : 'automated-action';
        parents = [pick(rnd, cases).id];
      } else {
        type = rnd() < 0.5 ? 'next-step' : 'automated-action';
        parents = [pick(rnd, events).id];
      }
      objects.push({ id: id(type === 'automated-action' ? 'aa' : type === 'next-step' ? 'ns' : type.slice(0, 2), n++), type, parents, creator });
    }
    byLevel.push(objects);
    world.objects.push(...objects);
  }

  for (const o of world.objects) {
    world.rows.push({ objectId: o.id, principal: { kind: 'user', userId: o.creator }, rights: [...RIGHTS] });
    for (let k = countOf(rnd, opts.rowDensity); k > 0; k--) {
      world.rows.push({ objectId: o.id, principal: randomPrincipal(rnd, world, { user: 0.8, role: 0.15 }), rights: randomRights(rnd) });
    }
    if (rnd() < opts.exclusionDensity) {
      world.exclusions.push({ objectId: o.id, principal: randomPrincipal(rnd, world, { user: 0.75, role: 0.2 }) });
    }
  }
  return world;
}

/** Non-Owner members: the ACL comparison is about them (the Owner passes every check by definition). */
export const nonOwners = (world: AclWorld) => world.members.filter((m) => m.role !== 'owner');
