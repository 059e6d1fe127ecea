import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Store } from '#shared/data/context.js';
import { transact, type DynamoTransport, type Operation, type Operations } from '#shared/data/dynamo.js';
import { aclEntryItems } from '#shared/data/entities/acl-index.js';
import { aclFenceStep, aclLockKey, readAclLock, releaseAclLock, takeAclLock } from '#shared/data/entities/acl-lock.js';
import { crmReplaceStep, type CrmObject } from '#shared/data/entities/crm-object.js';
import { membershipKey } from '#shared/data/entities/membership.js';
import { mainAccountIdOf, newOrganizationId } from '#shared/domain/ids.js';
import { RIGHTS, type Acl, type CrmType, type ObjectType } from '#shared/domain/acl.js';
import { acquireAclLock, loadChecked, loadWorld as loadAccountWorld, putAcl } from '#shared/usecases/acl.js';
import { updateCrmObject } from '#shared/usecases/crm.js';
import { createTestTable } from '../../support/dynamodb.js';
import { generateWorld } from '../../support/acl/generator.js';
import { referenceAcl, type AclWorld, type Principal as ModelPrincipal } from '../../support/acl/model.js';
import { listAllReadable, loadWorld, principalOf } from '../../support/acl/store.js';

/*
 * The robustness of the index upkeep (docs/authorization.md, "Upkeep of the index"):
 * concurrent ACL changes and moves on one tree end in the index a from-scratch evaluation
 * gives; an upkeep reads and writes in proportion to the changed subtree, not the account;
 * a demoted actor's ACL write is cancelled; a crashed holder's lease is taken over and what
 * it left half done is repaired; a holder that lost its lease cannot write.
 */
let db: DynamoDBDocumentClient;
let table: string;
const store = (offsetMs = 0): Store => ({ db, table, now: () => new Date(Date.now() + offsetMs) });
const freshAccount = () => mainAccountIdOf(newOrganizationId());

beforeAll(async () => {
  ({ db, table } = await createTestTable());
});

const isRetryable = (e: unknown) => {
  const slug = (e as { slug?: string }).slug;
  return slug === 'acl-busy' || slug === 'stale-version';
};

/** A change as a client makes it: read the version, write, and on 409 acl-busy or a stale version read again and retry. */
async function persist(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (e) {
      if (attempt < 60 && isRetryable(e)) continue;
      throw e;
    }
  }
}

/** Every index item of an account's members, as stored (test-only scan of the test's own table). */
async function indexItems(accountId: string): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const i of page.Items ?? []) {
      if (String(i.pk).startsWith(`ACCOUNT#${accountId}#ACL#USER#`)) out.push(JSON.stringify([i.pk, i.sk, i.rights, i.parents]));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out.sort();
}

/**
 * The index a from-scratch evaluation gives: the objects as they are now in the table, the
 * rights of each member by the NAIVE reference evaluator (test/support/acl/model.ts), laid
 * out with the index's own key scheme.
 */
async function expectedIndex(accountId: string, members: AclWorld['members']): Promise<string[]> {
  const world = await loadAccountWorld(store(), accountId);
  const toModel = (p: string): ModelPrincipal =>
    p === 'everyone' ? { kind: 'everyone' } : p.startsWith('user:') ? { kind: 'user', userId: p.slice(5) } : { kind: 'role', role: p.slice(5) };
  const model: AclWorld = {
    accountId,
    members,
    // The creator's row is an ordinary row in the table: no implicit creator here.
    objects: [...world.values()].map((n) => ({ id: n.id, type: n.type, parents: n.parents, creator: '' })),
    rows: [...world.values()].flatMap((n) => n.acl.rows.map((r) => ({ objectId: n.id, principal: toModel(r.principal), rights: [...r.rights] }))),
    exclusions: [...world.values()].flatMap((n) => n.acl.exclusions.map((p) => ({ objectId: n.id, principal: toModel(p) }))),
  };
  const out: string[] = [];
  for (const m of members) {
    for (const n of world.values()) {
      const rights = RIGHTS.filter((r) => referenceAcl(model, m.userId, n.id, r));
      for (const i of aclEntryItems({ accountId, userId: m.userId, objectId: n.id, objectType: n.type, rights }, n.parents)) {
        out.push(JSON.stringify([i.pk, i.sk, i.rights, i.parents]));
      }
    }
  }
  return out.sort();
}

const ownerOf = (world: AclWorld) => principalOf(world, world.members.find((m) => m.role === 'owner')!.userId);

async function currentOf(world: AclWorld, type: ObjectType, id: string) {
  return (await loadChecked(store(), ownerOf(world), type, id)).object;
}

describe('the index under concurrent ACL changes and moves', () => {
  it('after a storm of concurrent row changes, exclusions and moves on one tree, the index equals a from-scratch evaluation', async () => {
    const op = fc.record({ kind: fc.constantFrom('grant', 'exclude', 'clear', 'move-case', 'move-event', 'move-leaf'), a: fc.nat(), b: fc.nat(), c: fc.nat() });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.array(op, { minLength: 12, maxLength: 20 }), async (seed, ops) => {
        const world = generateWorld(seed, undefined, freshAccount());
        await loadWorld(store(), world);
        const owner = ownerOf(world);
        // Every read of the storm waits a seeded random moment first, so that one change's
        // reads fall between another's writes in ever other orders (the assertion must
        // hold in every order; the delays only widen the orders explored).
        let r = seed;
        const jitter = () => new Promise<void>((resolve) => setTimeout(resolve, ((r = (r * 1103515245 + 12345) % 2 ** 31) % 25)));
        const shaken = (): Store => ({ db: through(db, (op) => (op === 'TransactWriteItems' ? undefined : jitter())), table, now: () => new Date() });
        const of = (t: ObjectType) => world.objects.filter((o) => o.type === t);
        const principals: string[] = ['everyone', ...world.members.map((m) => `user:${m.userId}`), 'role:employee', 'role:manager'];
        await Promise.all(
          ops.map((o) =>
            persist(async () => {
              const target = world.objects[o.a % world.objects.length]!;
              if (o.kind === 'grant' || o.kind === 'exclude' || o.kind === 'clear') {
                const current = await currentOf(world, target.type, target.id);
                const acl = current.item.acl as Acl;
                const principal = principals[o.b % principals.length]!;
                const next =
                  o.kind === 'grant'
                    ? { rows: [...acl.rows, { principal, rights: RIGHTS.filter((_, i) => (o.c >> i) & 1).concat('read') }], exclusions: acl.exclusions }
                    : o.kind === 'exclude'
                      ? { rows: acl.rows, exclusions: [...acl.exclusions, principal] }
                      : { rows: acl.rows.slice(0, 1), exclusions: [] };
                await putAcl(shaken(), owner, target.type, target.id, { ...next, version: current.item.version });
                return;
              }
              const [type, parents, field] =
                o.kind === 'move-case'
                  ? (['case', of('contractor'), 'contractorId'] as const)
                  : o.kind === 'move-event'
                    ? (['event', of('case'), 'caseId'] as const)
                    : (['next-step', o.c % 2 ? of('case') : of('event'), o.c % 2 ? 'caseId' : 'eventId'] as const);
              const movers = of(type);
              if (!movers.length || !parents.length) return;
              const mover = movers[o.a % movers.length]!;
              const to = parents[o.b % parents.length]!;
              const current = await currentOf(world, type, mover.id);
              const other = field === 'caseId' && type === 'next-step' ? { eventId: null } : field === 'eventId' ? { caseId: null } : {};
              await updateCrmObject(shaken(), owner, type as CrmType, mover.id, { version: current.item.version, [field]: to.id, ...other });
            }),
          ),
        );
        expect(await readAclLock(store(), world.accountId), 'every holder released the lock').toBeUndefined();
        expect(await indexItems(world.accountId)).toEqual(await expectedIndex(world.accountId, world.members));
      }),
      // A failing storm is reported as found: shrinking would replay storms for minutes.
      { numRuns: 3, endOnFailure: true },
    );
  }, 600_000);
});

/* --- counting what an upkeep reads and writes ------------------------------------------- */

interface Counts {
  edgeQueries: number;
  objectKeysRead: number;
  indexKeysRead: number;
  itemsWritten: number;
  other: number;
}

const COMMANDS = { GetItem: GetCommand, BatchGetItem: BatchGetCommand, PutItem: PutCommand, UpdateItem: UpdateCommand, DeleteItem: DeleteCommand, TransactWriteItems: TransactWriteCommand, Query: QueryCommand };

/** The table through a transport that sees each request first. */
function through(doc: DynamoDBDocumentClient, see: (operation: Operation, input: unknown) => Promise<void> | void): DynamoTransport {
  return {
    async request<O extends Operation>(operation: O, input: Operations[O][0]): Promise<Operations[O][1]> {
      await see(operation, input);
      const Command = COMMANDS[operation] as unknown as new (i: unknown) => Parameters<DynamoDBDocumentClient['send']>[0];
      return doc.send(new Command(input)) as Promise<Operations[O][1]>;
    },
  };
}

/** The table through a transport that counts, per kind of item, what each request reads and writes. */
function counting(doc: DynamoDBDocumentClient): { db: DynamoTransport; counts: Counts } {
  const counts: Counts = { edgeQueries: 0, objectKeysRead: 0, indexKeysRead: 0, itemsWritten: 0, other: 0 };
  const transport = through(doc, (operation, input) => {
    if (operation === 'BatchGetItem') {
      for (const k of Object.values((input as Operations['BatchGetItem'][0]).RequestItems ?? {}).flatMap((r) => r.Keys ?? [])) {
        if (String(k.pk).includes('#ACL#USER#')) counts.indexKeysRead++;
        else counts.objectKeysRead++;
      }
    } else if (operation === 'Query') {
      const pk = String((input as Operations['Query'][0]).ExpressionAttributeValues?.[':pk'] ?? '');
      if (pk.includes('#CRM#EDGES#')) counts.edgeQueries++;
      else counts.other++;
    } else if (operation === 'TransactWriteItems') {
      counts.itemsWritten += (input as Operations['TransactWriteItems'][0]).TransactItems?.length ?? 0;
    } else {
      counts.other++;
    }
  });
  return { db: transport, counts };
}

/**
 * One account: members m0 (owner), m1 (employee), m2 (manager); the contractor c0 with the
 * case k0, k0 with `events` events each holding `leaves` next steps; and `unrelated` other
 * contractors each with one case and one event, which no upkeep of k0 may read.
 */
function countWorld(events: number, leaves: number, unrelated: number): AclWorld {
  const objects: AclWorld['objects'] = [
    { id: 'c0', type: 'contractor', parents: [], creator: 'm0' },
    { id: 'k0', type: 'case', parents: ['c0'], creator: 'm0' },
  ];
  for (let e = 0; e < events; e++) {
    objects.push({ id: `e${e}`, type: 'event', parents: ['k0'], creator: 'm0' });
    for (let l = 0; l < leaves; l++) objects.push({ id: `n${e}_${l}`, type: 'next-step', parents: [`e${e}`], creator: 'm0' });
  }
  for (let u = 0; u < unrelated; u++) {
    objects.push({ id: `uc${u}`, type: 'contractor', parents: [], creator: 'm0' }, { id: `uk${u}`, type: 'case', parents: [`uc${u}`], creator: 'm0' });
    objects.push({ id: `ue${u}`, type: 'event', parents: [`uk${u}`], creator: 'm2' });
  }
  return {
    accountId: freshAccount(),
    members: [
      { userId: 'm0', role: 'owner' },
      { userId: 'm1', role: 'employee' },
      { userId: 'm2', role: 'manager' },
    ],
    objects,
    rows: [{ objectId: 'c0', principal: { kind: 'role', role: 'employee' }, rights: ['read'] }],
    exclusions: [],
  };
}

/** What one ACL change on the case k0 (an exclusion of the employees) costs, counted. */
async function countExclusionOnK0(world: AclWorld): Promise<Counts> {
  await loadWorld(store(), world);
  const owner = ownerOf(world);
  const current = await currentOf(world, 'case', 'k0');
  const acl = current.item.acl as Acl;
  const { db: transport, counts } = counting(db);
  await putAcl({ db: transport, table, now: () => new Date() }, owner, 'case', 'k0', { rows: acl.rows, exclusions: ['role:employee'], version: current.item.version });
  expect(await listAllReadable(store(), world, 'm1', 'next-step')).toEqual([]);
  return counts;
}

describe('the cost of an upkeep follows the changed subtree', () => {
  it('an ACL change on a case reads and writes the same whatever else the account holds, in proportion to the subtree', async () => {
    const small = await countExclusionOnK0(countWorld(2, 2, 2));
    const large = await countExclusionOnK0(countWorld(2, 2, 40));
    // 3 subjects; the subtree of k0 is k0, 2 events and 4 next steps: 7 objects.
    const subjects = 3;
    const subtree = 7;
    expect(large).toEqual(small);
    expect(small.edgeQueries).toBe(subtree);
    // Both possible entries of each (subject, object) pair.
    expect(small.indexKeysRead).toBe(2 * subjects * subtree);
    // The check of k0 (object, mode), the subtree's objects and their ancestor c0.
    expect(small.objectKeysRead).toBe(2 + subtree + 1);
    // The new ACL, its audit entry, the actor's check and the fence; then the employee's 7
    // entries (read through c0's row) and their 7 parent copies deleted, with one fence.
    expect(small.itemsWritten).toBe(4 + 7 + 7 + 1);
  }, 120_000);

  it('a deeper subtree costs proportionally more edges, objects and index keys', async () => {
    const base = await countExclusionOnK0(countWorld(2, 2, 0));
    const doubled = await countExclusionOnK0(countWorld(4, 2, 0));
    // The subtree grows from 7 to 13 objects: 6 more edges queried, 6 × 2 × 3 more index keys.
    expect(doubled.edgeQueries - base.edgeQueries).toBe(6);
    expect(doubled.indexKeysRead - base.indexKeysRead).toBe(36);
    expect(doubled.objectKeysRead - base.objectKeysRead).toBe(6);
  }, 120_000);
});

/* --- the actor and the lock ----------------------------------------------------------- */

const bumpMembership = (accountId: string, userId: string, role: string) =>
  db.send(
    new UpdateCommand({
      TableName: table,
      Key: membershipKey(accountId, userId),
      UpdateExpression: 'SET #r = :r, #v = #v + :one',
      ExpressionAttributeNames: { '#r': 'role', '#v': 'version' },
      ExpressionAttributeValues: { ':r': role, ':one': 1 },
    }),
  );

describe('an actor whose role changed after the authorization', () => {
  it('an ACL write by a member demoted meanwhile is cancelled: 409 actor-changed, the ACL and the index unchanged, the lock released', async () => {
    const world = countWorld(1, 1, 0);
    world.rows.push({ objectId: 'k0', principal: { kind: 'user', userId: 'm2' }, rights: ['read', 'change-permissions'] });
    await loadWorld(store(), world);
    const manager = principalOf(world, 'm2');
    const before = await currentOf(world, 'case', 'k0');
    const index = await indexItems(world.accountId);
    await bumpMembership(world.accountId, 'm2', 'accountant');
    await expect(
      putAcl(store(), manager, 'case', 'k0', { rows: (before.item.acl as Acl).rows, exclusions: ['role:employee'], version: before.item.version }),
    ).rejects.toMatchObject({ status: 409, slug: 'conflict', extensions: { reason: 'actor-changed' } });
    expect((await currentOf(world, 'case', 'k0')).item).toEqual(before.item);
    expect(await indexItems(world.accountId)).toEqual(index);
    expect(await readAclLock(store(), world.accountId)).toBeUndefined();
  });

  it('a move by an Owner demoted meanwhile is cancelled the same way', async () => {
    const world = countWorld(2, 1, 0);
    await loadWorld(store(), world);
    const owner = ownerOf(world);
    const leaf = await currentOf(world, 'next-step', 'n0_0');
    await bumpMembership(world.accountId, 'm0', 'manager');
    await expect(updateCrmObject(store(), owner, 'next-step', 'n0_0', { version: leaf.item.version, eventId: 'e1' })).rejects.toMatchObject({
      status: 409,
      extensions: { reason: 'actor-changed' },
    });
    expect((await currentOf(world, 'next-step', 'n0_0')).item).toMatchObject({ eventId: 'e0' });
  });
});

describe('the ACL lock', () => {
  it('while a holder has the lease, another change is refused with 409 acl-busy', async () => {
    const world = countWorld(1, 1, 0);
    await loadWorld(store(), world);
    const held = await takeAclLock(store(), world.accountId, { roots: [], builds: [] });
    const current = await currentOf(world, 'case', 'k0');
    await expect(
      putAcl(store(), ownerOf(world), 'case', 'k0', { rows: (current.item.acl as Acl).rows, exclusions: [], version: current.item.version }),
    ).rejects.toMatchObject({ status: 409, slug: 'acl-busy' });
    await releaseAclLock(store(), held);
    await putAcl(store(), ownerOf(world), 'case', 'k0', { rows: (current.item.acl as Acl).rows, exclusions: [], version: current.item.version });
  });

  it('a holder that crashed after its ACL write is taken over once its lease expired, and the index it left stale is repaired', async () => {
    const world = countWorld(2, 2, 0);
    await loadWorld(store(), world);
    expect(await listAllReadable(store(), world, 'm1', 'event')).toEqual(['e0', 'e1']);
    // The crashed request: it took the lock naming k0, committed k0's exclusion of the employees, and never re-derived the index.
    const crashed = await takeAclLock(store(), world.accountId, { roots: [{ id: 'k0', type: 'case' }], builds: [] });
    const k0 = (await currentOf(world, 'case', 'k0')).item as CrmObject;
    await transact(store(), [crmReplaceStep(store(), { ...k0, acl: { ...k0.acl, exclusions: ['role:employee'] }, version: k0.version + 1 }, k0.version), aclFenceStep(store(), crashed)]);
    expect(await indexItems(world.accountId)).not.toEqual(await expectedIndex(world.accountId, world.members));
    // Within the lease nobody else may change the ACLs.
    await expect(acquireAclLock(store(), world.accountId, { roots: [], builds: [] }, 1)).rejects.toMatchObject({ slug: 'acl-busy' });
    // Past it, the next change (on another object) takes over and repairs k0's subtree first.
    const later = store(31_000);
    const c0 = await currentOf(world, 'contractor', 'c0');
    await putAcl(later, ownerOf(world), 'contractor', 'c0', { rows: (c0.item.acl as Acl).rows, exclusions: [], version: c0.item.version });
    expect(await indexItems(world.accountId)).toEqual(await expectedIndex(world.accountId, world.members));
    expect(await listAllReadable(store(), world, 'm1', 'event')).toEqual([]);
    expect(await readAclLock(store(), world.accountId)).toBeUndefined();
  });

  it('a holder whose lease was taken over can write nothing more: its fenced transaction is cancelled, and its release leaves the new lease alone', async () => {
    const world = countWorld(1, 1, 0);
    await loadWorld(store(), world);
    const slow = await takeAclLock(store(), world.accountId, { roots: [], builds: [] });
    const taker = await acquireAclLock(store(31_000), world.accountId, { roots: [], builds: [] });
    const k0 = (await currentOf(world, 'case', 'k0')).item as CrmObject;
    await expect(transact(store(), [crmReplaceStep(store(), { ...k0, name: 'late', version: k0.version + 1 }, k0.version), aclFenceStep(store(), slow)])).rejects.toMatchObject({
      status: 409,
      slug: 'acl-busy',
    });
    expect(((await currentOf(world, 'case', 'k0')).item as CrmObject).name).toBe('k0');
    await releaseAclLock(store(), slow);
    expect((await readAclLock(store(), world.accountId))?.holder).toBe(taker.holder);
    await releaseAclLock(store(), taker);
    expect((await db.send(new GetCommand({ TableName: table, Key: aclLockKey(world.accountId), ConsistentRead: true }))).Item).toBeUndefined();
  });
});
