import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mainAccountIdOf, newOrganizationId } from '#shared/domain/ids.js';
import { principalRef } from '#shared/domain/acl.js';
import { loadChecked, putAcl } from '#shared/usecases/acl.js';
import { updateCrmObject } from '#shared/usecases/crm.js';
import { createTestTable } from '../../support/dynamodb.js';
import { arbitraryWorld } from '../../support/acl/generator.js';
import { ALL_RIGHTS, OBJ_TYPES, referenceAcl, referenceList, type AclWorld } from '../../support/acl/model.js';
import { actorOf, check, listAllReadable, loadWorld, principalOf } from '../../support/acl/store.js';

/*
 * Kontor's checks and lists against the naive reference evaluator, over random worlds of
 * objects, rows and exclusions loaded into DynamoDB Local through the real entities; then
 * again after random ACL changes and moves made through the use cases, so the index upkeep
 * (not only its first build) is what is compared.
 */
let db: DynamoDBDocumentClient;
let table: string;
const store = () => ({ db, table, now: () => new Date() });
const freshAccount = () => mainAccountIdOf(newOrganizationId());

beforeAll(async () => {
  ({ db, table } = await createTestTable());
});

const childTypes = { contractor: ['case'], project: ['case'], case: ['event', 'next-step', 'automated-action'], event: ['next-step', 'automated-action'] } as const;

async function expectAgreement(world: AclWorld): Promise<void> {
  const s = store();
  for (const m of world.members.filter((x) => x.role !== 'owner')) {
    for (const o of world.objects) {
      for (const r of ALL_RIGHTS) {
        const got = await check(s, world, m.userId, o.id, r);
        if (got !== referenceAcl(world, m.userId, o.id, r)) {
          throw new Error(`check ${m.userId}(${m.role}) ${r} ${o.id}: kontor ${got}, reference ${!got}`);
        }
      }
    }
    for (const t of OBJ_TYPES) expect(await listAllReadable(s, world, m.userId, t), `${m.userId} lists ${t}`).toEqual(referenceList(world, m.userId, t));
    for (const parent of world.objects) {
      for (const t of (childTypes as Record<string, readonly string[]>)[parent.type] ?? []) {
        expect(await listAllReadable(s, world, m.userId, t as never, parent.id), `${m.userId} lists ${t} of ${parent.id}`).toEqual(
          referenceList(world, m.userId, t as never, parent.id),
        );
      }
    }
  }
}

describe('instance ACLs agree with the reference evaluator', () => {
  it('on every check and every list of random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryWorld(), async (w) => {
        const world = { ...w, accountId: freshAccount() };
        await loadWorld(store(), world);
        await expectAgreement(world);
      }),
      { numRuns: 6 },
    );
  }, 600_000);

  it('after random grants, exclusions and moves made through the use cases', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryWorld(),
        fc.array(fc.record({ kind: fc.constantFrom('grant', 'exclude', 'unexclude', 'move'), a: fc.nat(), b: fc.nat(), c: fc.nat() }), { minLength: 1, maxLength: 5 }),
        async (w, ops) => {
          const world: AclWorld = structuredClone({ ...w, accountId: freshAccount() });
          await loadWorld(store(), world);
          const ownerId = world.members.find((m) => m.role === 'owner')!.userId;
          const owner = principalOf(world, ownerId);
          for (const op of ops) {
            const o = world.objects[op.a % world.objects.length]!;
            const member = world.members[op.b % world.members.length]!;
            const principal = op.c % 3 === 0 ? { kind: 'everyone' as const } : op.c % 3 === 1 ? { kind: 'user' as const, userId: member.userId } : { kind: 'role' as const, role: member.role };
            if (op.kind === 'move') {
              const cases = world.objects.filter((x) => x.type === 'case');
              const contractors = world.objects.filter((x) => x.type === 'contractor');
              if (!cases.length || !contractors.length) continue;
              const c = cases[op.a % cases.length]!;
              const to = contractors[op.b % contractors.length]!;
              const { object } = await loadChecked(store(), owner, 'case', c.id);
              await updateCrmObject(store(), owner, 'case', c.id, { version: object.item.version, contractorId: to.id });
              const project = c.parents.find((p) => world.objects.find((x) => x.id === p)!.type === 'project');
              c.parents = [to.id, ...(project ? [project] : [])];
              continue;
            }
            const { object } = await loadChecked(store(), owner, o.type, o.id);
            const acl = object.item.acl ?? { rows: [], exclusions: [] };
            let rows = acl.rows;
            let exclusions = acl.exclusions;
            if (op.kind === 'grant') {
              const rights = ALL_RIGHTS.filter((_, i) => (op.c >> i) & 1);
              const row = { principal: principalRef(principal), rights: rights.length ? rights : ['read' as const] };
              rows = [...rows, row];
              world.rows.push({ objectId: o.id, principal, rights: row.rights });
            } else if (op.kind === 'exclude') {
              exclusions = [...exclusions, principalRef(principal)];
              world.exclusions.push({ objectId: o.id, principal });
            } else {
              exclusions = [];
              world.exclusions = world.exclusions.filter((e) => e.objectId !== o.id);
            }
            await putAcl(store(), actorOf(world, ownerId), o.type, o.id, { rows, exclusions, version: object.item.version });
          }
          await expectAgreement(world);
        },
      ),
      { numRuns: 5 },
    );
  }, 600_000);
});
