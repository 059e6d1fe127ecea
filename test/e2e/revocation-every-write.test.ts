import { describe, expect, inject, it } from 'vitest';
import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ALL_PERMISSIONS, infoOf, type Action } from '#shared/authz/catalogue.js';
import { builtInPermissionNames } from '#shared/authz/roles.js';
import { membershipKey } from '#shared/data/entities/membership.js';
import { GATEWAY_RESPONSES } from '#shared/http/gateway-responses.js';
import { isAccountRoute, ROUTES, type Route } from '#shared/http/routes.js';
import { localDb } from '../support/dynamodb.js';
import { call, inBatches, type ApiResponse } from '../support/http.js';
import { createOrganization } from '../support/orgs.js';
import { reportsSettled } from '../support/streams.js';

/*
 * Revocation at once for every write (SPEC: a change never runs on a cached allow). The
 * authorizer's result is cached per (Authorization header, path) for the gateway's TTL (60 s
 * on the local runtime, as in the stack), so a caller removed or demoted a moment ago still
 * passes the gateway on every path it called before. The API wrapper re-reads the caller's
 * access for every POST, PUT, PATCH and DELETE of an account route and refuses on that.
 *
 * The routes come from the route table, never from a list here: every state-changing route
 * whose auth is an action, so a route added later is covered without an edit.
 *
 * Each request carries an invalid If-Match header and no body. The wrapper's order
 * (shared/http/api.ts) is: route permission from the context, the fresh re-read for a
 * change, then the HTTP conventions (body media type, If-Match), then the route. So:
 *   - before the revocation the answer is the If-Match 400: the gateway let the caller in,
 *     the re-read allowed, and the route itself never ran (nothing written while warming);
 *   - after it, the same request must be the handler's refusal (403 from the re-read, or
 *     404 where existence is hidden), never that 400 (which would mean the re-read
 *     allowed) and never the gateway's deny (which would mean the cache was not warm: the
 *     authorizer ran again). A fresh token on the same path gets the gateway's deny, so
 *     the authorizer itself would refuse: the refusal seen is the handler's own.
 * Nothing of the organization's items changes across the revoked requests.
 */
const DENIED = GATEWAY_RESPONSES.ACCESS_DENIED;
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BAD_IF_MATCH = { 'if-match': 'not-an-etag' };

const writeRoutes = (ROUTES as readonly Route[]).filter(
  (r): r is Route & { auth: { action: Action } } =>
    CHANGES.has(r.method) && isAccountRoute(r) && typeof r.auth === 'object' && 'action' in r.auth,
);

const concrete = (route: Route, accountId: string): string =>
  route.path.replace('{accountId}', accountId).replace(/\{(\w+)\}/g, (_, name: string) => `zz-${name.toLowerCase()}`);

const holds = (permissions: ReadonlySet<string>, action: Action): boolean =>
  infoOf(action)!.scoped ? permissions.has(`${action}.own`) || permissions.has(`${action}.all`) : permissions.has(action);

const send = (route: Route, path: string, token: string) => call(route.method, path, { token, headers: BAD_IF_MATCH });

const isGatewayDeny = (res: ApiResponse) => res.status === DENIED.statusCode && res.body?.detail === DENIED.problem.detail;
const passedWithoutRunning = (res: ApiResponse) =>
  res.status === 400 && Array.isArray(res.body?.errors) && res.body.errors.some((e: { field?: string }) => e.field === 'header.If-Match');
const handlerRefusal = (res: ApiResponse) => (res.status === 403 && !isGatewayDeny(res)) || res.status === 404;

/** Every item of the organization (its id is in every key of its items), as a sorted snapshot. */
async function snapshot(organizationId: string): Promise<string[]> {
  const marker = organizationId.slice(4);
  const db = localDb();
  const out: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: inject('tableName'), ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      const text = JSON.stringify(item);
      if (text.includes(marker)) out.push(text);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out.sort();
}


describe('revocation at once for every write', () => {
  it('refuses every state-changing route of the route table to a caller removed or demoted while its allow is still cached', async () => {
    const ALL = [...ALL_PERMISSIONS];
    const org = await createOrganization({
      plan: 'small',
      features: ['self-bookkeeping'],
      customRoles: [
        { key: 'all', name: 'Every permission', permissions: ALL },
        { key: 'none', name: 'Nothing', permissions: [] },
      ],
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'second', role: 'custom:all' },
      ],
    });
    const A = org.mainAccountId;
    const callers = {
      // Removed: the membership item is deleted.
      owner: { user: org.users.owner!, permissions: new Set<string>(builtInPermissionNames('owner')) },
      // Demoted: the membership now names a role that holds nothing.
      second: { user: org.users.second!, permissions: new Set<string>(ALL) },
    };
    const cases = (['owner', 'second'] as const).flatMap((who) =>
      writeRoutes.filter((r) => holds(callers[who].permissions, r.auth.action)).map((route) => ({ who, route, path: concrete(route, A) })),
    );
    const tokens = { owner: await callers.owner.user.token(), second: await callers.second.user.token() };

    // Warm the cache: every route once, each answered by the wrapper after its re-read allowed.
    const warm = await inBatches(cases.map((c) => () => send(c.route, c.path, tokens[c.who])), 8);
    const notWarm = cases.map((c, i) => ({ who: c.who, route: c.route.id, status: warm[i]!.status, ok: passedWithoutRunning(warm[i]!) })).filter((c) => !c.ok);
    expect(notWarm).toEqual([]);

    const db = localDb();
    const table = inject('tableName');
    await db.send(new DeleteCommand({ TableName: table, Key: membershipKey(A, callers.owner.user.userId) }));
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: membershipKey(A, callers.second.user.userId),
        UpdateExpression: 'SET #role = :role',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': `custom:${org.roleIds.none}` },
      }),
    );

    await reportsSettled();
    const before = await snapshot(org.organizationId);

    // The same requests again, well within the TTL: the gateway answers from its cache.
    const after = await inBatches(cases.map((c) => () => send(c.route, c.path, tokens[c.who])), 8);
    const wrong = cases
      .map((c, i) => ({ who: c.who, route: c.route.id, status: after[i]!.status, gatewayDeny: isGatewayDeny(after[i]!), refused: handlerRefusal(after[i]!) }))
      .filter((c) => !c.refused);
    expect(wrong).toEqual([]);
    const status = after.map((r) => r.status);
    expect(status.every((s) => s < 200 || s >= 300)).toBe(true);

    // The authorizer, asked again (a fresh token: a new cache key), refuses on the same paths:
    // so the refusals above are the handler's, on a policy the cache still held.
    const fresh = { owner: await callers.owner.user.token(), second: await callers.second.user.token() };
    const authorizerNow = await inBatches(cases.map((c) => () => send(c.route, c.path, fresh[c.who])), 8);
    expect(cases.filter((_, i) => !isGatewayDeny(authorizerNow[i]!)).map((c) => `${c.who} ${c.route.id}`)).toEqual([]);

    await reportsSettled();
    expect(await snapshot(org.organizationId)).toEqual(before);

    const byCaller = (who: 'owner' | 'second') => cases.filter((c) => c.who === who).length;
    const tally = new Map<number, number>();
    for (const s of status) tally.set(s, (tally.get(s) ?? 0) + 1);
    const answers = [...tally].map(([s, n]) => `${n}× ${s}`).join(', ');
    console.info(
      `revocation at once: ${writeRoutes.length} state-changing action routes in the route table; ` +
        `${byCaller('owner')} refused to a removed Owner, ${byCaller('second')} to a demoted member ` +
        `(${writeRoutes.length - byCaller('second')} need an action only the Owner holds); ${cases.length} requests, each refused by the handler on a cached allow (${answers}); 0 items changed`,
    );
    // Not vacuous: every write route is covered by at least the Owner.
    expect(byCaller('owner')).toBe(writeRoutes.length);
    expect(byCaller('second')).toBeGreaterThan(0);
  }, 60_000);
});
