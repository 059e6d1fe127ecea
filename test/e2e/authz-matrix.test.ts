import { describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, infoOf, type Action, type Permission } from '#shared/authz/catalogue.js';
import { BUILT_IN_ROLES, builtInPermissionNames } from '#shared/authz/roles.js';
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS } from '#shared/domain/invoicing/documents.js';
import { GATEWAY_RESPONSES } from '#shared/http/gateway-responses.js';
import { isAccountRoute, ROUTES, type Route } from '#shared/http/routes.js';
import { call, inBatches, type ApiResponse } from '../support/http.js';
import { createOrganization, type TestOrganization } from '../support/orgs.js';
import { createDoc, expectStatus } from './invoicing/helpers.js';

/*
 * The authorization matrix, generated: every account route of the route table × every
 * built-in role and a custom role × the contexts a caller can be in. The expected answer is
 * derived from the catalogue and the roles' permission names (SPEC 1, 2) and the account
 * rules of SPEC 3 and 4, never written per route, so a route added later is covered without
 * an edit here. What is observed is the real gateway (authorizer and cache) in front of the
 * real handlers on the local runtime: a deny is the gateway's ACCESS_DENIED problem; a pass
 * is anything else (the handler then answers 400 for the empty body, 404 for the made-up
 * id, …). A leak is a pass where a deny is expected; an over-deny the reverse. Both must be 0.
 */
const DENIED = GATEWAY_RESPONSES.ACCESS_DENIED;
const ROLES = [...BUILT_IN_ROLES, 'custom'] as const;
type RoleKey = (typeof ROLES)[number];
type Context = 'own account' | 'sub-account without grant' | 'archived sub-account' | 'another organization';
const CONTEXTS: readonly Context[] = ['own account', 'sub-account without grant', 'archived sub-account', 'another organization'];

// A custom role holding every other permission of the catalogue: a mix of areas, scopes and kinds.
const CUSTOM_PERMISSIONS: readonly Permission[] = ALL_PERMISSIONS.filter((_, i) => i % 2 === 0);

const permissionsOf = (role: RoleKey): ReadonlySet<string> =>
  new Set(role === 'custom' ? CUSTOM_PERMISSIONS : builtInPermissionNames(role));

/** Whether a set of permission names holds an action: the plain name, or either scope of a scoped one. */
const holds = (permissions: ReadonlySet<string>, action: Action): boolean =>
  infoOf(action)!.scoped ? permissions.has(`${action}.own`) || permissions.has(`${action}.all`) : permissions.has(action);

/** SPEC 3.2-3.5 and 4.2, for a main-account member of each role and no grant anywhere. */
function expected(role: RoleKey, context: Context, action: Action): 'pass' | 'deny' {
  const has = holds(permissionsOf(role), action);
  switch (context) {
    case 'own account':
      return has ? 'pass' : 'deny';
    case 'sub-account without grant':
      // The Owner reaches every sub-account; Backoffice too, on a plan that has it; nobody else without a grant.
      return (role === 'owner' || role === 'backoffice') && has ? 'pass' : 'deny';
    case 'archived sub-account':
      return role === 'owner' && has ? 'pass' : 'deny';
    case 'another organization':
      return 'deny';
  }
}

const actionRoutes = (ROUTES as readonly Route[]).filter(
  (r): r is Route & { auth: { action: Action } } => isAccountRoute(r) && typeof r.auth === 'object' && 'action' in r.auth,
);

// Any value the authorizer accepts for a parameter other than the account: handlers answer
// 400 or 404 for it, so a passing write changes nothing.
const concrete = (route: Route, accountId: string): string =>
  route.path.replace('{accountId}', accountId).replace(/\{(\w+)\}/g, (_, name: string) => `zz-${name.toLowerCase()}`);

const gate = (res: ApiResponse): 'pass' | 'deny' | `unexpected ${number}` => {
  if (res.status === DENIED.statusCode && res.body?.detail === DENIED.problem.detail) return 'deny';
  // 401 and 5xx are never an answer to an authorization question here.
  if (res.status === 401 || res.status >= 500) return `unexpected ${res.status}`;
  return 'pass';
};

const through = async (token: string, route: Route, path: string) =>
  gate(await call(route.method, path, { token, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} }));


describe('the generated authorization matrix', () => {
  it('lets every role through exactly the routes its permissions name, in every account context; 0 leaks, 0 over-denies', async () => {
    // Backoffice needs a plan with it and the self-bookkeeping feature (SPEC 4.1).
    const org = await createOrganization({
      plan: 'small',
      features: ['self-bookkeeping'],
      subAccounts: 2,
      archived: [1],
      customRoles: [{ key: 'custom', name: 'Every other permission', permissions: [...CUSTOM_PERMISSIONS] }],
      members: ROLES.map((role) => ({ key: role, role: role === 'custom' ? 'custom:custom' : role })),
    });
    const other = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const accountOf: Record<Context, string> = {
      'own account': org.mainAccountId,
      'sub-account without grant': org.subAccountIds[0]!,
      'archived sub-account': org.subAccountIds[1]!,
      'another organization': other.mainAccountId,
    };
    const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await org.users[r]!.token()] as const)));

    const cells = ROLES.flatMap((role) =>
      CONTEXTS.flatMap((context) =>
        actionRoutes.map((route) => ({ role, context, route, want: expected(role, context, route.auth.action) })),
      ),
    );
    const got = await inBatches(cells.map((c) => () => through(tokens[c.role]!, c.route, concrete(c.route, accountOf[c.context]))));
    const wrong = cells
      .map((c, i) => ({ role: c.role, context: c.context, route: `${c.route.method} ${c.route.path}`, want: c.want, got: got[i] }))
      .filter((c) => c.want !== c.got);
    const leaks = wrong.filter((c) => c.want === 'deny');
    const passes = cells.filter((c) => c.want === 'pass').length;
    console.info(
      `authorization matrix: ${actionRoutes.length} routes × ${ROLES.length} roles × ${CONTEXTS.length} contexts = ${cells.length} requests; ` +
        `${passes} expected passes, ${cells.length - passes} expected denies; ${leaks.length} leaks, ${wrong.length - leaks.length} over-denies`,
    );
    expect(wrong).toEqual([]);
    // The matrix is not vacuous: every role passes somewhere and is denied somewhere.
    for (const role of ROLES) {
      expect(cells.some((c) => c.role === role && c.want === 'pass'), role).toBe(true);
      expect(cells.some((c) => c.role === role && c.want === 'deny'), role).toBe(true);
    }
  }, 300_000);

  describe("another member's object", () => {
    /*
     * Scoped actions (SPEC 1.3: "own documents only") are decided per object by the handler.
     * Every route of a scoped action with an object id is tried on an object the Owner
     * created: a role with `.all` reads it; a role with `.own` only gets 404 on a read (the
     * object is not in its world), a refusal on a change, and the object is left exactly as
     * it was.
     */
    // An object is named by an `…Id` parameter last in the path (`{report}` or `{dataset}` name no object).
    const scopedObjectRoutes = actionRoutes.filter((r) => infoOf(r.auth.action)!.scoped && /\/\{(?!accountId\})\w+Id\}$/.test(r.path));

    /** The Owner's object behind each collection a scoped route reaches, by its path up to the id. */
    async function ownersObjects(org: TestOrganization): Promise<Map<string, string>> {
      const token = await org.users.owner!.token();
      const A = `/accounts/${org.mainAccountId}`;
      const objects = new Map<string, string>();
      for (const kind of DOCUMENT_KINDS) {
        const { segment } = DOCUMENT_KIND_NAMES[kind];
        objects.set(`${A}/${segment}`, (await createDoc(token, org.mainAccountId, segment, { status: kind === 'invoice' ? 'issued' : 'draft' })).body.id);
      }
      const invoiceId = objects.get(`${A}/invoices`)!;
      const payment = await call('POST', `${A}/payments`, { token, body: { invoiceId, amount: 100, paidAt: '2026-03-20', method: 'bank-transfer' } });
      objects.set(`${A}/payments`, (await expectStatus(payment, 201, 'payment')).body.id);
      return objects;
    }

    it('hides the Owner\'s objects from roles that hold only the own scope, and changes nothing for them', async () => {
      const org = await createOrganization({
        plan: 'small',
        features: ['self-bookkeeping'],
        customRoles: [{ key: 'custom', name: 'Every other permission', permissions: [...CUSTOM_PERMISSIONS] }],
        members: ROLES.map((role) => ({ key: role, role: role === 'custom' ? 'custom:custom' : role })),
      });
      const A = `/accounts/${org.mainAccountId}`;
      const objects = await ownersObjects(org);
      const ownerToken = await org.users.owner!.token();
      const missing = scopedObjectRoutes.filter((r) => !objects.has(`${A}${r.path.slice(r.path.indexOf('}') + 1).replace(/\/\{\w+\}$/, '')}`));
      // A new scoped object route needs its collection's fixture above, or this fails naming it.
      expect(missing.map((r) => r.id)).toEqual([]);
      expect(scopedObjectRoutes.length).toBeGreaterThan(0);

      let checked = 0;
      for (const route of scopedObjectRoutes) {
        const collection = `${A}${route.path.slice(route.path.indexOf('}') + 1).replace(/\/\{\w+\}$/, '')}`;
        const id = objects.get(collection)!;
        const before = await call('GET', `${collection}/${id}`, { token: ownerToken });
        for (const role of ROLES) {
          if (role === 'owner') continue;
          const permissions = permissionsOf(role);
          const { action } = route.auth;
          const all = permissions.has(`${action}.all`);
          const ownOnly = !all && permissions.has(`${action}.own`);
          if (!all && !ownOnly) continue; // the gateway's deny: the matrix above covers it
          const token = await org.users[role]!.token();
          if (route.method === 'GET') {
            const res = await call('GET', `${collection}/${id}`, { token });
            expect({ role, route: route.id, status: res.status }).toEqual({ role, route: route.id, status: all ? 200 : 404 });
            checked++;
          } else if (ownOnly) {
            const res = await call(route.method, `${collection}/${id}`, { token, body: route.method === 'DELETE' ? undefined : { version: before.body.version } });
            // 404 (not in its world) or 403 (the handler's own-scope refusal): a refusal either way.
            expect({ role, route: route.id, refused: [403, 404].includes(res.status) }, res.text).toEqual({ role, route: route.id, refused: true });
            const after = await call('GET', `${collection}/${id}`, { token: ownerToken });
            expect(after.body, `${role} ${route.id}`).toEqual(before.body);
            checked++;
          }
        }
      }
      console.info(`another member's object: ${scopedObjectRoutes.length} scoped object routes, ${checked} role checks`);
      expect(checked).toBeGreaterThan(0);
    }, 120_000);
  });
});
