import autocannon from 'autocannon';
import { DEMO_INVOICE_IDS, DEMO_MAIN_ACCOUNT_ID, DEMO_USERS } from '../scripts/local/demo.js';
import { startRuntime } from '../scripts/local/runtime.js';
import type { AuthorizationSample } from '../scripts/local/gateway.js';

/*
 * Latency under load on the local runtime: the real authorizer and handlers behind the API
 * Gateway emulation, DynamoDB Local in memory, autocannon over loopback, bounded per route
 * class (a duration, or a number of requests, and a fixed number of connections). The classes:
 *   floor                GET /health: no authorizer, a trivial handler (the gateway's own floor)
 *   authorizer cached    GET one invoice with one token: the authorizer's answer comes from the
 *   + read               cache; the row is also the read class (the handler's GetItem)
 *   authorizer uncached  the same GET with a fresh token on every request: the authorizer runs
 *                        every time (token verification, the access facts read, the policy);
 *                        under load (the class's connections) and one at a time (1 connection)
 *   list                 GET the invoices, 50 a page (cached authorizer)
 *   write                POST a client with a fresh Idempotency-Key (cached authorizer; the
 *                        API wrapper re-reads the caller's access, all strongly consistent)
 * Beside each class's HTTP latency, the gateway times every authorization it makes (from the
 * cache lookup to the policy's answer, the authorizer's run included when uncached): that is
 * the uncached decision end to end, without the HTTP client, the handler or the socket, to
 * compare with the target (p99 ≤ 10 ms), and for a cache hit the gateway's own overhead.
 * Every answer's status is checked (non2xx), and each class reports how many of its
 * authorizations the cache answered, so a class that did not measure what it names shows.
 * Each class's requests carry a header naming it (CLASS_HEADER), so answers still in flight
 * when a class's time is up are never counted in the next class; the next class starts
 * once the gateway has gone quiet.
 * Everything runs on this machine, client and server sharing its cores: the figures are an
 * upper bound of what the code costs, not what API Gateway and Lambda would show.
 */
export interface AuthorizationFigures {
  /** Authorizations the gateway made during the class. */
  count: number;
  /** Of those, answered from the cache. */
  cacheHits: number;
  denied: number;
  p50: number;
  p99: number;
  max: number;
  /** This process's CPU time per authorization, p50 (meaningful one request at a time). */
  cpuP50: number;
}

export interface LoadRow {
  name: string;
  connections: number;
  requests: number;
  non2xx: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  seconds: number;
  /** The gateway's authorizations during the class (none for the floor). */
  authorization?: AuthorizationFigures | undefined;
}

export interface LoadOptions {
  /** Time per class (autocannon's `duration`). */
  secondsPerClass?: number;
  /** Or a number of requests per class (autocannon's `amount`, which takes precedence): the harness's test. */
  requestsPerClass?: number;
  connections?: number;
  /** An existing DynamoDB (the tests' DynamoDB Local) instead of starting one. */
  dynamodbEndpoint?: string | undefined;
  tableName?: string;
  log?: (m: string) => void;
}

const CONNECTIONS = 10;
const CLASS_HEADER = 'x-kontor-bench-class';

const classOf = (s: AuthorizationSample): string | undefined =>
  Object.entries(s.headers).find(([name]) => name.toLowerCase() === CLASS_HEADER)?.[1];

/** p-th percentile (nearest rank) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function figures(samples: readonly AuthorizationSample[]): AuthorizationFigures | undefined {
  if (samples.length === 0) return undefined;
  const ms = samples.map((s) => s.ms);
  return {
    count: samples.length,
    cacheHits: samples.filter((s) => s.cached).length,
    denied: samples.filter((s) => !s.allowed).length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: Math.max(...ms),
    cpuP50: percentile(samples.map((s) => s.cpuMs), 50),
  };
}

export async function measureLoad(o: LoadOptions): Promise<LoadRow[]> {
  const log = o.log ?? (() => {});
  const connections = o.connections ?? CONNECTIONS;
  const bound = o.requestsPerClass !== undefined ? { amount: o.requestsPerClass } : { duration: o.secondsPerClass ?? 10 };
  let samples: AuthorizationSample[] = [];
  const runtime = await startRuntime({
    port: 0,
    cacheTtlSeconds: 300,
    tableName: o.tableName ?? 'bench-load',
    dynamodbEndpoint: o.dynamodbEndpoint,
    onAuthorization: (s) => samples.push(s),
  });
  try {
    const owner = DEMO_USERS.find((u) => u.role === 'owner')!;
    const sign = () => runtime.issuer.sign({ sub: owner.userId, email: owner.email, name: owner.name });
    const token = await sign();
    const base = `${runtime.url}/accounts/${DEMO_MAIN_ACCOUNT_ID}`;
    const invoice = `${base}/invoices/${DEMO_INVOICE_IDS[0]}`;
    // Enough fresh tokens that none is used twice in the uncached classes (each one signed
    // here, before timing): a bounded count, or what ~1,500 requests/s would use.
    const pool = o.requestsPerClass !== undefined ? 2 * o.requestsPerClass + 2 * connections : Math.ceil((o.secondsPerClass ?? 10) * 1500);
    log(`load: signing ${pool} tokens for the uncached classes`);
    const fresh = await Promise.all(Array.from({ length: pool }, sign));
    let nextToken = 0;
    let nextKey = 0;
    const run = Date.now();
    const auth = { authorization: `Bearer ${token}` };
    // Warm every route once (module load, JWKS fetch, first cache entry): cold starts are measured elsewhere.
    for (const url of [`${runtime.url}/health`, invoice, `${base}/invoices?limit=50`]) await fetch(url, { headers: auth });
    await fetch(invoice, { headers: { authorization: `Bearer ${await sign()}` } });
    await fetch(`${base}/clients`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-warm-${run}` },
      body: JSON.stringify({ name: 'Load client (warm-up)' }),
    });

    const uncached: autocannon.Options = {
      url: invoice,
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${fresh[nextToken++ % fresh.length]}` } }) }],
    };
    // Waits until no authorization has been made for a while (answers of the last class still in flight).
    const quiet = async () => {
      for (let seen = -1, waited = 0; seen !== samples.length && waited < 30_000; waited += 500) {
        seen = samples.length;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const classes: Array<{ name: string; connections?: number; options: autocannon.Options }> = [
      { name: 'floor: GET /health (no authorizer)', options: { url: `${runtime.url}/health` } },
      { name: 'authorizer cached + read: GET one invoice', options: { url: invoice, headers: auth } },
      { name: 'authorizer uncached: GET one invoice, fresh token', options: uncached },
      { name: 'authorizer uncached, one at a time', connections: 1, options: uncached },
      { name: 'list: GET 50 invoices', options: { url: `${base}/invoices?limit=50`, headers: auth } },
      {
        name: 'write: POST a client',
        options: {
          url: `${base}/clients`,
          method: 'POST',
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                headers: { ...req.headers, ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-${run}-${nextKey++}` },
                body: JSON.stringify({ name: `Load client ${nextKey}` }),
              }),
            },
          ],
        },
      },
    ];
    const rows: LoadRow[] = [];
    for (const c of classes) {
      const conns = c.connections ?? connections;
      log(`load: ${c.name}, ${conns} connection(s), ${'amount' in bound ? `${bound.amount} requests` : `${bound.duration} s`}`);
      await quiet();
      samples = [];
      const tag = { [CLASS_HEADER]: String(rows.length) };
      const r = await autocannon({ connections: conns, ...bound, ...c.options, headers: { ...c.options.headers, ...tag } });
      rows.push({
        name: c.name,
        connections: conns,
        requests: r.requests.total,
        non2xx: r.non2xx + r.errors + r.timeouts,
        rps: r.requests.average,
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        seconds: r.duration,
        authorization: figures(samples.filter((x) => classOf(x) === tag[CLASS_HEADER])),
      });
    }
    await quiet();
    if (nextToken > fresh.length) log(`load: WARNING ${nextToken - fresh.length} uncached requests reused a token (the cache answered them)`);
    return rows;
  } finally {
    await runtime.stop();
  }
}
