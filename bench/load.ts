import autocannon from 'autocannon';
import { DEMO_INVOICE_IDS, DEMO_MAIN_ACCOUNT_ID, DEMO_USERS } from '../scripts/local/demo.js';
import { startRuntime } from '../scripts/local/runtime.js';

/*
 * Latency under load on the local runtime: the real authorizer and handlers behind the API
 * Gateway emulation, DynamoDB Local in memory, autocannon over loopback with 10
 * connections, a bounded time per route class. The classes:
 *   health               GET /health: no authorizer, a trivial handler (the gateway's own floor)
 *   authorizer cached    GET one invoice with one token: the authorizer's answer comes from the cache
 *   authorizer uncached  the same GET with a fresh token on every request: token verification,
 *                        the access facts read (BatchGetItem, strongly consistent) and the policy
 *   list                 GET the invoices, 50 a page (cached authorizer)
 *   write                POST a client with an Idempotency-Key (cached authorizer)
 * Everything runs on this machine, client and server sharing its cores: the figures are
 * an upper bound of what the code costs, not what API Gateway and Lambda would show.
 */
export interface LoadRow {
  name: string;
  requests: number;
  non2xx: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  seconds: number;
}

const CONNECTIONS = 10;

export async function measureLoad(secondsPerClass: number, log: (m: string) => void): Promise<LoadRow[]> {
  const runtime = await startRuntime({ port: 0, cacheTtlSeconds: 300, tableName: 'bench-load' });
  try {
    const owner = DEMO_USERS.find((u) => u.role === 'owner')!;
    const sign = () => runtime.issuer.sign({ sub: owner.userId, email: owner.email, name: owner.name });
    const token = await sign();
    const base = `${runtime.url}/accounts/${DEMO_MAIN_ACCOUNT_ID}`;
    const invoice = `${base}/invoices/${DEMO_INVOICE_IDS[0]}`;
    // Enough fresh tokens that none is used twice in the uncached class (each one signed here, before timing).
    const pool = Math.ceil(secondsPerClass * 1500);
    log(`load: signing ${pool} tokens for the uncached class`);
    const fresh = await Promise.all(Array.from({ length: pool }, sign));
    let nextToken = 0;
    let nextKey = 0;
    const auth = { authorization: `Bearer ${token}` };
    // Warm every route once (module load, JWKS fetch, first cache entry): cold starts are measured elsewhere.
    for (const url of [`${runtime.url}/health`, invoice, `${base}/invoices?limit=50`]) await fetch(url, { headers: auth });

    const classes: Array<{ name: string; options: autocannon.Options }> = [
      { name: 'health (no authorizer)', options: { url: `${runtime.url}/health` } },
      { name: 'authorizer cached: GET one invoice', options: { url: invoice, headers: auth } },
      {
        name: 'authorizer uncached: GET one invoice, fresh token',
        options: {
          url: invoice,
          requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${fresh[nextToken++ % fresh.length]}` } }) }],
        },
      },
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
                headers: { ...req.headers, ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-${Date.now()}-${nextKey++}` },
                body: JSON.stringify({ name: `Load client ${nextKey}` }),
              }),
            },
          ],
        },
      },
    ];
    const rows: LoadRow[] = [];
    for (const c of classes) {
      log(`load: ${c.name} for ${secondsPerClass} s`);
      const r = await autocannon({ connections: CONNECTIONS, duration: secondsPerClass, ...c.options });
      rows.push({
        name: c.name,
        requests: r.requests.total,
        non2xx: r.non2xx + r.errors + r.timeouts,
        rps: r.requests.average,
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        seconds: r.duration,
      });
    }
    if (nextToken > fresh.length) log(`load: WARNING ${nextToken - fresh.length} uncached requests reused a token (the cache answered them)`);
    return rows;
  } finally {
    await runtime.stop();
  }
}
