import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { measureLoad, percentile } from '../../bench/load.js';

/*
 * The load benchmark's harness (bench/load.ts), bounded by a request count instead of a
 * duration so that it is deterministic: every class must get only successful answers, and
 * each class must measure what it names — the uncached classes must run the authorizer on
 * every request (no cache hit: a fresh token each time), the cached ones must be answered
 * from the cache every time, the floor must not authorize at all. Timings are not checked.
 */
describe('the load harness', () => {
  it('runs every route class with only 2xx answers, and the authorizer cached or uncached as each class says', async () => {
    const requests = 24;
    const rows = await measureLoad({ requestsPerClass: requests, connections: 3, dynamodbEndpoint: inject('dynamodbEndpoint'), tableName: `load-${randomUUID()}` });
    expect(rows.map((r) => r.name)).toEqual([
      'floor: GET /health (no authorizer)',
      'authorizer cached + read: GET one invoice',
      'authorizer uncached: GET one invoice, fresh token',
      'authorizer uncached, one at a time',
      'list: GET 50 invoices',
      'write: POST a client',
    ]);
    for (const row of rows) {
      expect(row.requests, row.name).toBe(requests);
      expect(row.non2xx, row.name).toBe(0);
    }
    const [floor, cached, uncached, single, list, write] = rows;
    expect(floor!.authorization).toBeUndefined();
    for (const row of [cached!, list!, write!]) {
      expect(row.authorization, row.name).toMatchObject({ count: requests, cacheHits: requests, denied: 0 });
    }
    for (const row of [uncached!, single!]) {
      expect(row.authorization, row.name).toMatchObject({ count: requests, cacheHits: 0, denied: 0 });
    }
    expect(single!.connections).toBe(1);
  }, 120_000);

  it('takes percentiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100), percentile([], 50)]).toEqual([50, 99, 100, 0]);
  });
});
