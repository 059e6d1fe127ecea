import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Store } from '#shared/data/context.js';
import { ensureTable, localClients, startDynamoDbLocal } from '../../scripts/local/dynamodb.js';
import { countRequests, type RequestCounter } from '../dynamodb.js';
import { Reference } from './reference.js';
import { SpiceAcl } from './spicedb.js';
import { RIGHTS, generateWorld, nonOwners, prng, type AclWorld, type ObjType, type Right } from './world.js';

/*
 * The instance-ACL section of `npm run bench`: the same random worlds (bench/acl/world.ts)
 * answered by the naive reference evaluator, by SpiceDB (bench/acl/spicedb.ts, real SpiceDB
 * in-process) and, when its adapter is present, by Kontor on DynamoDB Local. Every sampled
 * check and every sampled list is compared across all of them before any figure is kept
 * (a disagreement fails the run); then checks per second and list latency per engine, and
 * DynamoDB's requests and consumed capacity per Kontor check and per list page.
 */

/** What the Kontor adapter (bench/acl/kontor.ts, written with the implementation) exports. */
export interface KontorAdapter {
  loadWorld(store: Store, world: AclWorld): Promise<unknown>;
  check(store: Store, userId: string, objectId: string, right: Right): Promise<boolean>;
  listReadable(store: Store, userId: string, type: ObjType, parentId?: string, cursor?: string): Promise<unknown>;
}

export interface AclCase {
  objects: number;
  depth: 1 | 2 | 3 | 4;
}

export interface EngineFigures {
  checksPerSecond: number;
  checkMedianMs: number;
  checkP99Ms: number;
  /** Full list (every page) per user. */
  listMedianMs: number;
  listP99Ms: number;
  /** The first page only (SpiceDB: LookupResources with optional_limit = the page size). */
  firstPageMedianMs: number;
}

export interface DynamoFigures {
  requestsPerCheck: number;
  rcuPerCheck: number;
  requestsPerListPage: number;
  rcuPerListPage: number;
  itemsPerListPage: number;
}

export interface AclResult extends AclCase {
  members: number;
  rows: number;
  exclusions: number;
  relationships: number;
  spiceLoadSeconds: number;
  kontorLoadSeconds?: number;
  listedType: ObjType;
  objectsOfListedType: number;
  meanReadable: number;
  checksCompared: number;
  checksAllowed: number;
  listsCompared: number;
  spicedb: EngineFigures;
  kontor?: EngineFigures;
  dynamodb?: DynamoFigures;
}

export interface AclReport {
  quick: boolean;
  /** 1-minute load average at the start and the end: the machine is shared, and checks per second follow it. */
  loadAverage: [number, number];
  kontor: 'present' | 'absent';
  pageSize: number;
  results: AclResult[];
}

/** The deepest type a world of that depth holds: its lists inherit through every level. */
const LISTED: Record<AclCase['depth'], ObjType> = { 1: 'contractor', 2: 'case', 3: 'event', 4: 'next-step' };

/** When Kontor's page size is not known (no adapter), SpiceDB's first page is this long. */
const DEFAULT_PAGE = 50;

export function aclCases(quick: boolean): AclCase[] {
  const sizes = quick ? [100, 1_000] : [100, 10_000, 100_000];
  return sizes.flatMap((objects) => ([1, 2, 3, 4] as const).map((depth) => ({ objects, depth })));
}

/** World parameters per size: about one member per hundred objects, so that a user reads a few per cent of a type. */
export function worldFor(c: AclCase) {
  return generateWorld({
    seed: c.objects * 10 + c.depth,
    objects: c.objects,
    depth: c.depth,
    members: Math.max(8, Math.round(c.objects / 100)),
    rowDensity: 0.5,
    exclusionDensity: 0.05,
  });
}

async function loadKontorAdapter(log: (m: string) => void): Promise<KontorAdapter | undefined> {
  if (!existsSync(new URL('./kontor.ts', import.meta.url))) {
    log('Kontor adapter not present (bench/acl/kontor.ts): the ACL section runs reference vs SpiceDB only');
    return undefined;
  }
  // A path in a variable: the adapter is written on another branch, and this file must typecheck without it.
  const path = './kontor.js';
  return (await import(path)) as KontorAdapter;
}

/** Kontor's page, whatever shape the adapter gives it: ids (or objects with an id) and a cursor when there is more. */
export function readPage(page: unknown): { ids: string[]; cursor?: string } {
  const p = page as Record<string, unknown> | unknown[];
  const list = (Array.isArray(p) ? p : (p.items ?? p.ids ?? p.objects ?? [])) as unknown[];
  const ids = list.map((x) => (typeof x === 'string' ? x : String((x as { id?: string; objectId?: string }).id ?? (x as { objectId?: string }).objectId)));
  const cursor = Array.isArray(p) ? undefined : ((p.cursor ?? p.nextCursor) as string | undefined);
  return cursor ? { ids, cursor } : { ids };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const out = await f();
  return [out, Number(process.hrtime.bigint() - t0) / 1e6];
}

interface Dynamo {
  client: DynamoDBClient;
  /** Instrumented: counts what each Kontor call sends and what it consumes. */
  doc: DynamoDBDocumentClient;
  counter: RequestCounter;
  stop(): Promise<void>;
}

async function startDynamo(): Promise<Dynamo> {
  const local = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamoDbLocal();
  const { client, doc } = localClients(process.env.DYNAMODB_ENDPOINT ?? local!.endpoint);
  return {
    client,
    doc,
    counter: countRequests(doc),
    async stop() {
      client.destroy();
      await local?.stop();
    },
  };
}

export async function runAclBench(opts: { quick: boolean; log: (m: string) => void }): Promise<AclReport> {
  const { quick, log } = opts;
  const loadAtStart = loadavg()[0]!;
  const kontor = await loadKontorAdapter(log);
  const dynamo = kontor ? await startDynamo() : undefined;
  const results: AclResult[] = [];
  let pageSize = DEFAULT_PAGE;
  try {
    for (const c of aclCases(quick)) {
      const world = worldFor(c);
      const ref = new Reference(world);
      const label = `${c.objects.toLocaleString('en-US')} objects, depth ${c.depth}`;
      log(`ACL ${label}: ${world.members.length} members, ${world.rows.length} rows, ${world.exclusions.length} exclusions`);

      const [{ spice, relationships }, spiceMs] = await timed(() => SpiceAcl.load(world));
      log(`  SpiceDB: ${relationships} relationships written in ${(spiceMs / 1000).toFixed(1)} s`);
      let store: Store | undefined;
      let kontorMs: number | undefined;
      if (kontor && dynamo) {
        // A fresh table per world: nothing left over from the previous one.
        store = { db: dynamo.doc, table: `kontor-aclbench-${Date.now()}-${c.objects}-${c.depth}`, now: () => new Date() };
        await ensureTable(dynamo.client, store.table);
        [, kontorMs] = await timed(() => kontor.loadWorld(store!, world));
        log(`  Kontor: world loaded into DynamoDB Local in ${(kontorMs / 1000).toFixed(1)} s`);
      }
      try {
        const result = await measureCase(c, world, ref, spice, relationships, spiceMs, kontor, store, kontorMs, dynamo?.counter, quick, log, (n) => (pageSize = n));
        results.push(result);
        // Each case's figures as soon as they exist: a long full run interrupted still leaves them.
        log(`  ${JSON.stringify({ ...result, loadAverage: loadavg()[0] })}`);
      } finally {
        spice.close();
      }
    }
  } finally {
    await dynamo?.stop();
  }
  return { quick, loadAverage: [loadAtStart, loadavg()[0]!], kontor: kontor ? 'present' : 'absent', pageSize, results };
}

async function measureCase(
  c: AclCase,
  world: AclWorld,
  ref: Reference,
  spice: SpiceAcl,
  relationships: number,
  spiceMs: number,
  kontor: KontorAdapter | undefined,
  store: Store | undefined,
  kontorMs: number | undefined,
  counter: RequestCounter | undefined,
  quick: boolean,
  log: (m: string) => void,
  notePageSize: (n: number) => void,
): Promise<AclResult> {
  const rnd = prng(c.objects * 7919 + c.depth);
  const users = nonOwners(world);
  const pickOf = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;

  // Checks: random (non-Owner member, object, right); the Owner's bypass is the same one line everywhere.
  const nChecks = quick ? 200 : 500;
  const checks = Array.from({ length: nChecks }, () => ({ userId: pickOf(users).userId, objectId: pickOf(world.objects).id, right: pickOf(RIGHTS) }));
  const expected = checks.map((k) => ref.acl(k.userId, k.objectId, k.right));
  const checksAllowed = expected.filter(Boolean).length;

  const spiceCheckMs: number[] = [];
  const kontorCheckMs: number[] = [];
  let kontorRequests = 0;
  let kontorRcu = 0;
  const mismatches: string[] = [];
  for (const [i, k] of checks.entries()) {
    const [s, ms] = await timed(() => spice.check(k.userId, k.objectId, k.right));
    spiceCheckMs.push(ms);
    if (s !== expected[i]) mismatches.push(`check ${k.userId} ${k.right} ${k.objectId}: reference ${expected[i]}, SpiceDB ${s}`);
    if (kontor && store && counter) {
      counter.reset();
      const [kv, kms] = await timed(() => kontor.check(store, k.userId, k.objectId, k.right));
      kontorCheckMs.push(kms);
      kontorRequests += counter.roundTrips;
      kontorRcu += counter.capacity;
      if (kv !== expected[i]) mismatches.push(`check ${k.userId} ${k.right} ${k.objectId}: reference ${expected[i]}, Kontor ${kv}`);
    }
  }

  // Lists: the deepest type, for sampled users; every page of Kontor's list, SpiceDB's whole LookupResources.
  const listedType = LISTED[c.depth];
  const nUsers = Math.min(users.length, quick ? 5 : 10);
  const listUsers = Array.from({ length: nUsers }, (_, i) => users[Math.floor((i * users.length) / nUsers)]!);
  const spiceListMs: number[] = [];
  const spiceFirstMs: number[] = [];
  const kontorListMs: number[] = [];
  const kontorFirstMs: number[] = [];
  let pages = 0;
  let pageRequests = 0;
  let pageRcu = 0;
  let pageItems = 0;
  let readableTotal = 0;
  let listsCompared = 0;
  let pageSize = DEFAULT_PAGE;
  for (const u of listUsers) {
    const want = ref.readable(u.userId, listedType);
    readableTotal += want.length;
    if (kontor && store && counter) {
      const ids: string[] = [];
      let cursor: string | undefined;
      let first = true;
      const t0 = process.hrtime.bigint();
      do {
        counter.reset();
        const [page, ms] = await timed(() => kontor.listReadable(store, u.userId, listedType, undefined, cursor));
        const p = readPage(page);
        if (first) {
          kontorFirstMs.push(ms);
          if (p.cursor) pageSize = Math.max(1, p.ids.length);
          first = false;
        }
        ids.push(...p.ids);
        cursor = p.cursor;
        pages++;
        pageRequests += counter.roundTrips;
        pageRcu += counter.capacity;
        pageItems += p.ids.length;
      } while (cursor);
      kontorListMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (JSON.stringify([...ids].sort()) !== JSON.stringify(want)) mismatches.push(`list ${u.userId} ${listedType}: reference ${want.length} ids, Kontor ${ids.length}`);
      listsCompared++;
    }
    const [got, ms] = await timed(() => spice.lookup(u.userId, listedType));
    spiceListMs.push(ms);
    if (JSON.stringify(got.sort()) !== JSON.stringify(want)) mismatches.push(`list ${u.userId} ${listedType}: reference ${want.length} ids, SpiceDB ${got.length}`);
    listsCompared++;
    const [, firstMs] = await timed(() => spice.lookup(u.userId, listedType, pageSize));
    spiceFirstMs.push(firstMs);
  }
  notePageSize(pageSize);

  // Kontor's lists under one parent ("events of this case I may see"); SpiceDB has no such filter, so only Kontor vs reference.
  if (kontor && store && c.depth > 1) {
    const parents = world.objects.filter((o) => world.objects.some((x) => x.type === listedType && x.parents.includes(o.id)));
    for (let i = 0; i < Math.min(parents.length, quick ? 10 : 40); i++) {
      const parent = pickOf(parents);
      const u = pickOf(users);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const p = readPage(await kontor.listReadable(store, u.userId, listedType, parent.id, cursor));
        ids.push(...p.ids);
        cursor = p.cursor;
      } while (cursor);
      const want = ref.readable(u.userId, listedType, parent.id);
      if (JSON.stringify(ids.sort()) !== JSON.stringify(want)) mismatches.push(`list ${u.userId} ${listedType} under ${parent.id}: reference ${want.join(',')}, Kontor ${ids.join(',')}`);
      listsCompared++;
    }
  }

  if (mismatches.length) {
    for (const m of mismatches.slice(0, 10)) log(`  MISMATCH ${m}`);
    throw new Error(`ACL ${c.objects} objects, depth ${c.depth}: ${mismatches.length} answers disagree; no timing is meaningful`);
  }
  log(`  ${checks.length} checks (${checksAllowed} allowed) and ${listsCompared} lists: every answer agrees`);

  const figures = (checkMs: number[], listMs: number[], firstMs: number[]): EngineFigures => ({
    checksPerSecond: checkMs.length / (checkMs.reduce((a, b) => a + b, 0) / 1000),
    checkMedianMs: quantile(checkMs, 0.5),
    checkP99Ms: quantile(checkMs, 0.99),
    listMedianMs: quantile(listMs, 0.5),
    listP99Ms: quantile(listMs, 0.99),
    firstPageMedianMs: quantile(firstMs, 0.5),
  });
  const result: AclResult = {
    ...c,
    members: world.members.length,
    rows: world.rows.length,
    exclusions: world.exclusions.length,
    relationships,
    spiceLoadSeconds: spiceMs / 1000,
    listedType,
    objectsOfListedType: world.objects.filter((o) => o.type === listedType).length,
    meanReadable: readableTotal / listUsers.length,
    checksCompared: checks.length,
    checksAllowed,
    listsCompared,
    spicedb: figures(spiceCheckMs, spiceListMs, spiceFirstMs),
  };
  if (kontor) {
    result.kontorLoadSeconds = (kontorMs ?? 0) / 1000;
    result.kontor = figures(kontorCheckMs, kontorListMs, kontorFirstMs);
    result.dynamodb = {
      requestsPerCheck: kontorRequests / checks.length,
      rcuPerCheck: kontorRcu / checks.length,
      requestsPerListPage: pageRequests / pages,
      rcuPerListPage: pageRcu / pages,
      itemsPerListPage: pageItems / pages,
    };
  }
  return result;
}

const f1 = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));

export function renderAcl(r: AclReport): string {
  const lines = [
    `Instance ACLs (SPEC.md 5)${r.quick ? ', --quick sizes' : ''}: ${r.kontor === 'present' ? 'reference evaluator, SpiceDB and Kontor' : 'reference evaluator and SpiceDB (Kontor adapter not present)'} ` +
      `gave identical answers on every sampled check and list (${r.results.reduce((a, x) => a + x.checksCompared, 0).toLocaleString('en-US')} checks, ` +
      `${r.results.reduce((a, x) => a + x.listsCompared, 0).toLocaleString('en-US')} lists). ` +
      `Load average (1 min) ${r.loadAverage[0].toFixed(1)} at the start, ${r.loadAverage[1].toFixed(1)} at the end, on ${cpus().length} CPUs.`,
    '',
    '| objects | depth | members | rows | exclusions | SpiceDB relationships | SpiceDB load | listed type | of that type | readable per user (mean) |',
    '|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|',
    ...r.results.map(
      (x) =>
        `| ${x.objects.toLocaleString('en-US')} | ${x.depth} | ${x.members} | ${x.rows.toLocaleString('en-US')} | ${x.exclusions.toLocaleString('en-US')} | ` +
        `${x.relationships.toLocaleString('en-US')} | ${x.spiceLoadSeconds.toFixed(1)} s | ${x.listedType} | ${x.objectsOfListedType.toLocaleString('en-US')} | ${f1(x.meanReadable)} |`,
    ),
    '',
    '| objects | depth | engine | checks/s | check median | check p99 | full list median | full list p99 | first page median |',
    '|--:|--:|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const x of r.results) {
    const engines: Array<[string, EngineFigures | undefined]> = [
      ['SpiceDB', x.spicedb],
      ['Kontor', x.kontor],
    ];
    for (const [name, e] of engines) {
      if (!e) continue;
      lines.push(
        `| ${x.objects.toLocaleString('en-US')} | ${x.depth} | ${name} | ${f1(e.checksPerSecond)} | ${f1(e.checkMedianMs)} ms | ${f1(e.checkP99Ms)} ms | ` +
          `${f1(e.listMedianMs)} ms | ${f1(e.listP99Ms)} ms | ${f1(e.firstPageMedianMs)} ms |`,
      );
    }
  }
  if (r.results.some((x) => x.dynamodb)) {
    lines.push(
      '',
      `Kontor on DynamoDB Local (\`ReturnConsumedCapacity: TOTAL\`), page size ${r.pageSize}:`,
      '',
      '| objects | depth | requests per check | RCU per check | requests per list page | RCU per list page | items per page |',
      '|--:|--:|--:|--:|--:|--:|--:|',
      ...r.results
        .filter((x) => x.dynamodb)
        .map(
          (x) =>
            `| ${x.objects.toLocaleString('en-US')} | ${x.depth} | ${f1(x.dynamodb!.requestsPerCheck)} | ${f1(x.dynamodb!.rcuPerCheck)} | ` +
            `${f1(x.dynamodb!.requestsPerListPage)} | ${f1(x.dynamodb!.rcuPerListPage)} | ${f1(x.dynamodb!.itemsPerListPage)} |`,
        ),
    );
  }
  return lines.join('\n');
}
