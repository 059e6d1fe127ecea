import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { GATEWAY_RESPONSES } from '#shared/http/gateway-responses.js';
import { grantKey } from '#shared/data/entities/grant.js';
import { call, type ApiResponse } from '../support/http.js';
import { createOrganization } from '../support/orgs.js';
import { localDb } from '../support/dynamodb.js';

/*
 * SPEC.md 1, 3 and 4 through the real authorizer on the local runtime: the API Gateway
 * emulation calls the authorizer Lambda, caches its policy per (token, path) and evaluates
 * it. What these tests observe is the gateway's decision: its ACCESS_DENIED problem, or the
 * request reaching the handler (whatever the handler then answers: its object-level checks
 * are the handlers' tests).
 */
type Gate = 'pass' | 'deny';
const DENIED = GATEWAY_RESPONSES.ACCESS_DENIED;

function gate(res: ApiResponse): Gate | `unexpected ${number}` {
  if (res.status === DENIED.statusCode && res.body?.detail === DENIED.problem.detail) return 'deny';
  // 401 and 503 come from the gateway too, and are never an answer to an authorization question here.
  if (res.status === 401 || res.status === 503) return `unexpected ${res.status}`;
  return 'pass';
}

const through = async (token: string, method: string, path: string) => gate(await call(method, path, { token, body: method === 'GET' || method === 'DELETE' ? undefined : {} }));

/** Probe routes for the rows of SPEC.md 1, with the literal expectation per role. */
const PROBES: Array<[string, string, string, Record<'owner' | 'manager' | 'employee' | 'accountant', Gate>]> = [
  ['invite users', 'POST', '/invitations', { owner: 'pass', manager: 'deny', employee: 'deny', accountant: 'deny' }],
  ['change roles', 'PATCH', '/members/u-someone', { owner: 'pass', manager: 'deny', employee: 'deny', accountant: 'deny' }],
  ['create documents', 'POST', '/invoices', { owner: 'pass', manager: 'pass', employee: 'pass', accountant: 'deny' }],
  ['view documents (own or all)', 'GET', '/invoices/inv-1', { owner: 'pass', manager: 'pass', employee: 'pass', accountant: 'pass' }],
  ['edit documents (own or all)', 'PATCH', '/expenses/exp-1', { owner: 'pass', manager: 'pass', employee: 'pass', accountant: 'deny' }],
  ['change business information', 'PATCH', '/settings/business', { owner: 'pass', manager: 'pass', employee: 'deny', accountant: 'deny' }],
  ['set payment methods', 'PATCH', '/settings/payment-methods', { owner: 'pass', manager: 'pass', employee: 'deny', accountant: 'deny' }],
  ['change other settings', 'PATCH', '/settings/other', { owner: 'pass', manager: 'pass', employee: 'deny', accountant: 'deny' }],
  ['create clients', 'POST', '/clients', { owner: 'pass', manager: 'pass', employee: 'pass', accountant: 'deny' }],
  ['view the item list', 'GET', '/items', { owner: 'pass', manager: 'pass', employee: 'pass', accountant: 'pass' }],
  ['delete items', 'DELETE', '/items/it-1', { owner: 'pass', manager: 'pass', employee: 'deny', accountant: 'deny' }],
  ['view reports', 'GET', '/reports/revenue', { owner: 'pass', manager: 'pass', employee: 'pass', accountant: 'pass' }],
  ['export data', 'GET', '/exports/documents', { owner: 'pass', manager: 'pass', employee: 'deny', accountant: 'pass' }],
];

describe('the authorizer on the local runtime', () => {
  it('SPEC.md 1: lets each built-in role through exactly the routes of its matrix row', async () => {
    const org = await createOrganization({
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'manager', role: 'manager' },
        { key: 'employee', role: 'employee' },
        { key: 'accountant', role: 'accountant' },
      ],
    });
    for (const role of ['owner', 'manager', 'employee', 'accountant'] as const) {
      const token = await org.users[role]!.token();
      for (const [row, method, path, want] of PROBES) {
        const got = await through(token, method, `/accounts/${org.mainAccountId}${path}`);
        expect({ role, row, got }).toEqual({ role, row, got: want[role] });
      }
    }
  });

  it('3.3: a grant opens one sub-account for one user; 3.7: with the main-account role', async () => {
    const org = await createOrganization({
      subAccounts: 2,
      members: [
        { key: 'mgr', role: 'manager', grants: [0] },
        { key: 'emp', role: 'employee', grants: [0] },
        { key: 'other', role: 'manager' },
      ],
    });
    const [sub0, sub1] = org.subAccountIds as [string, string];
    const mgr = await org.users.mgr!.token();
    expect(await through(mgr, 'PATCH', `/accounts/${sub0}/settings/business`)).toBe('pass');
    expect(await through(mgr, 'GET', `/accounts/${sub1}/invoices`)).toBe('deny');
    expect(await through(await org.users.other!.token(), 'GET', `/accounts/${sub0}/invoices`)).toBe('deny');
    // The Employee's main-account role travels with the grant: no business settings there either.
    const emp = await org.users.emp!.token();
    expect(await through(emp, 'POST', `/accounts/${sub0}/invoices`)).toBe('pass');
    expect(await through(emp, 'PATCH', `/accounts/${sub0}/settings/business`)).toBe('deny');
  });

  it('3.4: a sub-account member reaches its sub-account only: not the main account, not a sibling', async () => {
    const org = await createOrganization({ subAccounts: 2, members: [{ key: 'branch', role: 'manager', account: 0 }] });
    const token = await org.users.branch!.token();
    expect(await through(token, 'GET', `/accounts/${org.subAccountIds[0]}/invoices`)).toBe('pass');
    expect(await through(token, 'GET', `/accounts/${org.mainAccountId}/invoices`)).toBe('deny');
    expect(await through(token, 'GET', `/accounts/${org.subAccountIds[1]}/invoices`)).toBe('deny');
  });

  it('3.2 + 3.5: the Owner reaches every sub-account without any grant, archived ones included', async () => {
    const org = await createOrganization({ subAccounts: 3, archived: [2], members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    for (const sub of org.subAccountIds) {
      expect(await through(token, 'POST', `/accounts/${sub}/sub-accounts`)).toBe('pass');
      expect(await through(token, 'PUT', `/accounts/${sub}/members/u-x/grants/${sub}`)).toBe('pass');
    }
  });

  it('when the sub-account is archived, it denies everyone but the Owner', async () => {
    const org = await createOrganization({
      plan: 'small',
      features: ['self-bookkeeping'],
      subAccounts: 1,
      archived: [0],
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager', grants: [0] },
        { key: 'bo', role: 'backoffice' },
        { key: 'branch', role: 'manager', account: 0 },
      ],
    });
    const path = `/accounts/${org.subAccountIds[0]}/invoices`;
    expect(await through(await org.users.owner!.token(), 'GET', path)).toBe('pass');
    for (const key of ['mgr', 'bo', 'branch']) expect({ key, got: await through(await org.users[key]!.token(), 'GET', path) }).toEqual({ key, got: 'deny' });
  });

  it('4.1-4.3: Backoffice works only on a Small+ plan with self-bookkeeping, and then in every sub-account without grants', async () => {
    const cases = [
      { plan: 'free', features: ['self-bookkeeping'], want: 'deny' },
      { plan: 'small', features: [], want: 'deny' },
      { plan: 'small', features: ['self-bookkeeping'], want: 'pass' },
      { plan: 'unlimited', features: ['self-bookkeeping'], want: 'pass' },
    ] as const;
    for (const c of cases) {
      const org = await createOrganization({ plan: c.plan, features: [...c.features], subAccounts: 2, members: [{ key: 'bo', role: 'backoffice' }] });
      const token = await org.users.bo!.token();
      for (const accountId of [org.mainAccountId, ...org.subAccountIds]) {
        expect({ ...c, accountId, got: await through(token, 'DELETE', `/accounts/${accountId}/payments/p-1`) }).toEqual({ ...c, accountId, got: c.want });
      }
      // Bookkeeping, not administration.
      if (c.want === 'pass') expect(await through(token, 'POST', `/accounts/${org.mainAccountId}/invitations`)).toBe('deny');
    }
  });

  it('2: a custom role passes exactly the routes of its permissions', async () => {
    const org = await createOrganization({
      customRoles: [{ key: 'shop', name: 'Shop integrator', permissions: ['integrations.*', 'clients.view'] }],
      members: [{ key: 'c1', role: 'custom:shop' }],
    });
    const token = await org.users.c1!.token();
    const base = `/accounts/${org.mainAccountId}`;
    expect(await through(token, 'GET', `${base}/clients`)).toBe('pass');
    expect(await through(token, 'POST', `${base}/clients`)).toBe('deny');
    expect(await through(token, 'GET', `${base}/invoices`)).toBe('deny');
  });

  it('7.1: an Owner of one organization is denied every account of another, whatever ids it sends', async () => {
    const a = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const b = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }] });
    const token = await a.users.owner!.token();
    for (const accountId of [b.mainAccountId, b.subAccountIds[0]!, `${a.mainAccountId}_${b.subAccountIds[0]!.split('_')[2]}`]) {
      expect({ accountId, got: await through(token, 'GET', `/accounts/${accountId}/invoices`) }).toEqual({ accountId, got: 'deny' });
    }
  });

  it('a cached policy is right for every method on the path: the same token is denied a PATCH after an allowed GET', async () => {
    const org = await createOrganization({ members: [{ key: 'acc', role: 'accountant' }, { key: 'emp', role: 'employee' }] });
    const path = `/accounts/${org.mainAccountId}/invoices/inv-1`;
    const acc = await org.users.acc!.token();
    expect(await through(acc, 'GET', path)).toBe('pass');
    expect(await through(acc, 'PATCH', path)).toBe('deny');
    expect(await through(acc, 'DELETE', path)).toBe('deny');
    const emp = await org.users.emp!.token();
    expect(await through(emp, 'GET', path)).toBe('pass');
    expect(await through(emp, 'DELETE', path)).toBe('pass');
  });

  it('a revoked grant stops a new token at once, and a cached (token, path) within the TTL only', async () => {
    const org = await createOrganization({ subAccounts: 1, members: [{ key: 'mgr', role: 'manager', grants: [0] }] });
    const sub = org.subAccountIds[0]!;
    const before = await org.users.mgr!.token();
    expect(await through(before, 'GET', `/accounts/${sub}/invoices`)).toBe('pass');

    await localDb().send(new DeleteCommand({ TableName: inject('tableName'), Key: grantKey(org.mainAccountId, org.users.mgr!.userId, sub) }));

    // The cached entry for (token, path) still answers until the TTL runs out...
    expect(await through(before, 'GET', `/accounts/${sub}/invoices`)).toBe('pass');
    // ...but any other path, or any new token, asks the authorizer again.
    expect(await through(before, 'GET', `/accounts/${sub}/clients`)).toBe('deny');
    expect(await through(await org.users.mgr!.token(), 'GET', `/accounts/${sub}/invoices`)).toBe('deny');
  });
});

describe('an account id percent-encoded in the path', () => {
  /** The id with its first character (`a`) or its underscore percent-encoded, as a client may send it. */
  const encodings = (id: string) => [`%61${id.slice(1)}`, id.replace('_', '%5F'), id.replace('_', '%5f')];

  it("reaches the caller's own account, decoded once, on the account and its routes", async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const token = await org.users.owner!.token();
    for (const encoded of encodings(org.mainAccountId)) {
      const account = await call('GET', `/accounts/${encoded}`, { token });
      expect(account.status, `${encoded}: ${account.text}`).toBe(200);
      expect(account.body.accountId).toBe(org.mainAccountId);
      const clients = await call('GET', `/accounts/${encoded}/clients`, { token });
      expect(clients.status, `${encoded}: ${clients.text}`).toBe(200);
    }
  });

  it('never addresses another account: another organization, a double encoding, or anything off the grammar', async () => {
    const mine = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const theirs = await createOrganization({ members: [{ key: 'owner', role: 'owner' }] });
    const token = await mine.users.owner!.token();
    for (const encoded of encodings(theirs.mainAccountId)) {
      expect(gate(await call('GET', `/accounts/${encoded}`, { token })), encoded).toBe('deny');
      expect(gate(await call('GET', `/accounts/${encoded}/clients`, { token })), encoded).toBe('deny');
    }
    // Decoded once, `%2561cc_…` is `%61cc_…`: not an account id.
    expect(gate(await call('GET', `/accounts/%2561${mine.mainAccountId.slice(1)}`, { token }))).toBe('deny');
    // An encoded slash or wildcard never splits or widens the id.
    expect(gate(await call('GET', `/accounts/${mine.mainAccountId}%2Fclients`, { token }))).toBe('deny');
    expect(gate(await call('GET', `/accounts/acc_%2A`, { token }))).toBe('deny');
  });
});
