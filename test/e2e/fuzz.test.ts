import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONTRACTS } from '#shared/contracts/index.js';
import { ROUTES, type Route } from '#shared/http/routes.js';
import { localClients } from '../../scripts/local/dynamodb.js';
import { startRuntime, type Runtime } from '../../scripts/local/runtime.js';
import { encode, POOL, queryString, requestsFor, type FuzzCase } from '../support/fuzz/arbitraries.js';
import { createOrganization, type TestOrganization } from '../support/orgs.js';

/*
 * Every route of the route table, fuzzed over HTTP with requests generated from its zod
 * contract (test/support/fuzz/arbitraries.ts): valid, near-valid and hostile path, query
 * and body, sent by the Owner of an organization on the largest plan, so the requests reach
 * the handlers. Two properties:
 *   - never a 5xx: bad input is a 4xx naming it, whatever the bytes;
 *   - never a partial write: a change that answered 4xx left the table exactly as it was
 *     (every item, read back with a Scan of this test's own table).
 * The runtime is this file's own (its own table on the run's DynamoDB Local), so the
 * read-back sees nothing but this test's writes. Deterministic: FUZZ_SEED picks the run
 * (printed), FUZZ_RUNS the requests per route, FUZZ_ROUTES a regular expression on route
 * ids to fuzz only some.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_208);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
const ONLY = new RegExp(process.env.FUZZ_ROUTES ?? '.');
/** Items the stream poller writes after a successful document change, on its own time. */
const DERIVED = new Set(['report-contribution', 'report-bucket']);

let runtime: Runtime;
let db: DynamoDBDocumentClient;
let org: TestOrganization;
let token: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  runtime = await startRuntime({ port: 0, cacheTtlSeconds: 60, tableName: `fuzz-${randomUUID()}`, dynamodbEndpoint: inject('dynamodbEndpoint') });
  db = localClients(runtime.dynamodbEndpoint).doc;
  org = await createOrganization(
    { plan: 'unlimited', features: ['self-bookkeeping'], subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] },
    { db, table: runtime.tableName, sign: (claims) => runtime.issuer.sign(claims) },
  );
  token = await org.users.owner!.token();
  // A real object, so that requests naming an id the run created reach past the 404.
  const client = await fetch(`${runtime.url}/accounts/${org.mainAccountId}/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Fuzz client' }),
  });
  expect(client.status).toBe(201);
  pool.push(((await client.json()) as { id: string }).id);
});

afterAll(async () => {
  await runtime?.stop();
  // startRuntime configured this worker's handlers through the environment; put it back.
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

/** Every item of the test's table but the derived report items, by key. */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) if (!DERIVED.has(item.type as string)) out.set(`${item.pk}|${item.sk}`, JSON.stringify(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

const differences = (a: Map<string, string>, b: Map<string, string>): string[] => [
  ...[...b.keys()].filter((k) => !a.has(k)).map((k) => `added ${k}`),
  ...[...a.keys()].filter((k) => !b.has(k)).map((k) => `removed ${k}`),
  ...[...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k)).map((k) => `changed ${k}`),
];

/** Ids the run created (2xx answers with an id): requests naming `POOL` get the latest. */
const pool: string[] = [];

function urlOf(route: Route, c: FuzzCase): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === 'accountId') return org.mainAccountId;
    const v = c.path[name]!;
    return encode(v === POOL ? (pool.at(-1) ?? 'none-yet') : v);
  });
  return `${runtime.url}${path}${queryString(c.query)}`;
}

interface Finding {
  route: string;
  kind: FuzzCase['kind'];
  status: number;
  request: string;
  problem: string;
}

describe('fuzzing every route from its contract', () => {
  it('refuses a version beyond MAX_VERSION with 400 on an object that exists (it was a 500: version + 1 could not be written)', async () => {
    const res = await fetch(`${runtime.url}/accounts/${org.mainAccountId}/clients/${pool[0]}/acl`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: Number.MAX_SAFE_INTEGER, rows: [], exclusions: [] }),
    });
    expect(res.status, await res.text()).toBe(400);
  });

  it('never answers 5xx, and a change answered with 4xx writes nothing', async () => {
    const routes = (ROUTES as readonly Route[]).filter((r) => ONLY.test(r.id));
    const findings: Finding[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let checkedWrites = 0;
    let scanMs = 0;
    let before = await snapshot();
    const started = Date.now();

    for (const [n, route] of routes.entries()) {
      const cases = fc.sample(requestsFor(route, CONTRACTS[route.id as keyof typeof CONTRACTS]), { seed: SEED + n, numRuns: RUNS });
      for (const c of cases) {
        const url = urlOf(route, c);
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (c.body !== undefined) headers['content-type'] = 'application/json';
        // fetch refuses header values with control characters or non-Latin-1: sent as their UTF-8 bytes' escape instead.
        if (c.ifMatch !== undefined) headers['if-match'] = /^[\x20-\x7e]*$/.test(c.ifMatch) ? c.ifMatch : encode(c.ifMatch);
        const request = `${route.method} ${url.slice(runtime.url.length)}${c.ifMatch === undefined ? '' : ` If-Match: ${c.ifMatch}`} ${c.body?.slice(0, 300) ?? ''}`;
        sent++;
        let res: Response;
        try {
          // Once more on a dropped connection: a kept-alive socket the server closed as idle
          // resets the next request before any byte of it is read.
          res = await fetch(url, { method: route.method, headers, body: c.body }).catch(() => fetch(url, { method: route.method, headers, body: c.body }));
        } catch (e) {
          findings.push({ route: route.id, kind: c.kind, status: 0, request: request.slice(0, 400), problem: `no answer: ${String((e as Error).cause ?? e)}` });
          continue;
        }
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) findings.push({ route: route.id, kind: c.kind, status: res.status, request, problem: text.slice(0, 300) });
        if (res.status < 300 && /json/.test(res.headers.get('content-type') ?? '')) {
          const id = (JSON.parse(text) as { id?: unknown }).id;
          if (typeof id === 'string') pool.push(id);
        }
        if (route.method === 'GET') continue;
        const t = Date.now();
        const after = await snapshot();
        scanMs += Date.now() - t;
        if (res.status >= 400 && res.status < 500) {
          checkedWrites++;
          const diff = differences(before, after);
          if (diff.length) findings.push({ route: route.id, kind: c.kind, status: res.status, request, problem: `wrote with a ${res.status}: ${diff.slice(0, 5).join('; ')}` });
        }
        before = after;
      }
    }
    console.info(
      `fuzz (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}): ${routes.length} routes, ${sent} requests, ${checkedWrites} refused changes read back; ` +
        `${Math.round((Date.now() - started) / 1000)} s (${Math.round(scanMs / 1000)} s reading back); statuses ${[...statuses].sort(([a], [b]) => a - b).map(([s, k]) => `${s}×${k}`).join(' ')}; ${findings.length} findings`,
    );
    expect(findings).toEqual([]);
    expect(sent).toBe(routes.length * RUNS);
  }, 240_000);
});
