import fc from 'fast-check';
import { ALL_RIGHTS, type AclWorld, type ObjType, type Principal, type Right } from './model.js';

/*
 * Random AclWorlds (test/support/acl/model.ts) that respect SPEC 5.2's parents: contractors
 * and projects at the top; a case under a contractor and/or a project; an event under a
 * case; next steps and automated actions under a case or an event. Parents are listed
 * before children. Exported for the property tests and the SpiceDB benchmark alike.
 */
export interface WorldShape {
  members: number;
  contractors: number;
  projects: number;
  cases: number;
  events: number;
  leaves: number;
  /** Rows and exclusions per object, at most. */
  rowsPerObject: number;
  exclusionRate: number;
}

export const SMALL_WORLD: WorldShape = { members: 5, contractors: 3, projects: 2, cases: 6, events: 6, leaves: 8, rowsPerObject: 2, exclusionRate: 0.15 };

const ROLES = ['manager', 'employee', 'accountant', 'backoffice', 'custom:crm'] as const;

/** A deterministic world from a seed and a shape (any size: the benchmark's 100,000 objects too). */
export function generateWorld(seed: number, shape: WorldShape = SMALL_WORLD, accountId = 'acc_world'): AclWorld {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    // xorshift32: fast, seedable, good enough for shapes.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const members = Array.from({ length: shape.members }, (_, i) => ({ userId: `u${i}`, role: i === 0 ? 'owner' : pick(ROLES) }));
  const objects: AclWorld['objects'] = [];
  const add = (type: ObjType, parents: string[]) => {
    const id = `${type.slice(0, 2)}${objects.length}`;
    objects.push({ id, type, parents, creator: pick(members).userId });
    return id;
  };
  const contractors = Array.from({ length: shape.contractors }, () => add('contractor', []));
  const projects = Array.from({ length: shape.projects }, () => add('project', []));
  const cases = Array.from({ length: shape.cases }, () => {
    const parents: string[] = [];
    if (contractors.length && (rnd() < 0.7 || !projects.length)) parents.push(pick(contractors));
    if (projects.length && (!parents.length || rnd() < 0.4)) parents.push(pick(projects));
    return parents.length ? add('case', parents) : undefined;
  }).filter((c): c is string => c !== undefined);
  const events = cases.length ? Array.from({ length: shape.events }, () => add('event', [pick(cases)])) : [];
  if (cases.length) {
    for (let i = 0; i < shape.leaves; i++) add(rnd() < 0.5 ? 'next-step' : 'automated-action', [events.length && rnd() < 0.5 ? pick(events) : pick(cases)]);
  }
  const principal = (): Principal => {
    const r = rnd();
    if (r < 0.5) return { kind: 'user', userId: pick(members).userId };
    if (r < 0.85) return { kind: 'role', role: pick(ROLES) };
    return { kind: 'everyone' };
  };
  const rows: AclWorld['rows'] = [];
  const exclusions: AclWorld['exclusions'] = [];
  for (const o of objects) {
    const n = Math.floor(rnd() * (shape.rowsPerObject + 1));
    for (let i = 0; i < n; i++) {
      const rights = ALL_RIGHTS.filter(() => rnd() < 0.4);
      rows.push({ objectId: o.id, principal: principal(), rights: rights.length ? rights : ['read'] as Right[] });
    }
    if (rnd() < shape.exclusionRate) exclusions.push({ objectId: o.id, principal: principal() });
  }
  return { accountId, members, objects, rows, exclusions };
}

/** fast-check arbitrary of small worlds (shrinks by seed and size). */
export const arbitraryWorld = (accountId = 'acc_world'): fc.Arbitrary<AclWorld> =>
  fc
    .record({
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
      members: fc.integer({ min: 2, max: 6 }),
      contractors: fc.integer({ min: 1, max: 3 }),
      projects: fc.integer({ min: 0, max: 3 }),
      cases: fc.integer({ min: 0, max: 6 }),
      events: fc.integer({ min: 0, max: 5 }),
      leaves: fc.integer({ min: 0, max: 6 }),
      rowsPerObject: fc.integer({ min: 0, max: 3 }),
      exclusionRate: fc.constantFrom(0, 0.1, 0.3),
    })
    .map(({ seed, ...shape }) => generateWorld(seed, shape, accountId));
