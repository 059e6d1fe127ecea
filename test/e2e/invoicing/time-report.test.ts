import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus } from './helpers.js';

/*
 * The time report: time entries of a period summed per member and per client (hours are
 * line quantities, value their net), behind reports.view with its own/all scope.
 */
let org: TestOrganization;
let base: string;
let clientA: string;
let clientB: string;

const entry = (token: string, clientId: string, issueDate: string, quantity: number, unitPrice: number) =>
  createDoc(token, org.mainAccountId, 'time-entries', { clientId, issueDate, lines: [{ description: 'Work', quantity, unitPrice, vatRate: 23 }] });

beforeAll(async () => {
  org = await createOrganization({
    customRoles: [{ key: 'viewer', name: 'Viewer', permissions: ['documents.view.all'] }],
    members: [
      { key: 'owner', role: 'owner' },
      { key: 'ewa', role: 'employee' },
      { key: 'emil', role: 'employee' },
      { key: 'viewer', role: 'custom:viewer' },
    ],
  });
  base = `/accounts/${org.mainAccountId}`;
  const owner = await org.users.owner!.token();
  clientA = (await expectStatus(await call('POST', `${base}/clients`, { token: owner, body: { name: 'Alpha' } }), 201, 'client')).body.id;
  clientB = (await expectStatus(await call('POST', `${base}/clients`, { token: owner, body: { name: 'Beta' } }), 201, 'client')).body.id;
  const ewa = await org.users.ewa!.token();
  const emil = await org.users.emil!.token();
  await entry(ewa, clientA, '2026-04-01', 2, 10_000); // 20 000
  await entry(ewa, clientA, '2026-04-15', 1.5, 8_000); // 12 000
  await entry(ewa, clientB, '2026-04-30', 3, 10_000); // 30 000
  await entry(emil, clientA, '2026-04-10', 0.25, 10_000); // 2 500
  await entry(emil, clientB, '2026-05-01', 8, 10_000); // outside the period
  const cancelled = await entry(emil, clientB, '2026-04-11', 5, 10_000);
  await expectStatus(await call('PATCH', `${base}/time-entries/${cancelled.body.id}`, { token: emil, body: { version: 1, status: 'cancelled' } }), 200, 'cancel');
});

const eur = (net: number) => [{ currency: 'EUR', net }];

describe('the time report over HTTP', () => {
  it('sums hours and their value per member and per client over the period, leaving out cancelled entries', async () => {
    const res = await expectStatus(await call('GET', `${base}/reports/time?from=2026-04-01&to=2026-04-30`, { token: await org.users.owner!.token() }), 200, 'report');
    expect(res.body).toMatchObject({ report: 'time', from: '2026-04-01', to: '2026-04-30', scope: 'all' });
    expect(res.body.totals).toEqual({ entries: 4, hours: 6.75, values: eur(64_500) });
    const byMember = Object.fromEntries(res.body.byMember.map((m: { userId: string }) => [m.userId, m]));
    expect(Object.keys(byMember).sort()).toEqual([org.users.emil!.userId, org.users.ewa!.userId].sort());
    expect(byMember[org.users.ewa!.userId]).toEqual({ userId: org.users.ewa!.userId, entries: 3, hours: 6.5, values: eur(62_000) });
    expect(byMember[org.users.emil!.userId]).toEqual({ userId: org.users.emil!.userId, entries: 1, hours: 0.25, values: eur(2_500) });
    const byClient = Object.fromEntries(res.body.byClient.map((c: { clientId: string }) => [c.clientId, c]));
    expect(byClient[clientA]).toEqual({ clientId: clientA, clientName: 'Alpha', entries: 3, hours: 3.75, values: eur(34_500) });
    expect(byClient[clientB]).toEqual({ clientId: clientB, clientName: 'Beta', entries: 1, hours: 3, values: eur(30_000) });
    expect(res.body.byClient).toHaveLength(2);
    // The period's entries, cancelled one included, and nothing outside it.
    expect(res.body.read.items).toBe(5);
  });

  it("gives an Employee her own entries only, never another member's", async () => {
    const res = await expectStatus(await call('GET', `${base}/reports/time?from=2026-04-01&to=2026-04-30`, { token: await org.users.ewa!.token() }), 200, 'report');
    expect(res.body.scope).toBe('own');
    expect(res.body.totals).toEqual({ entries: 3, hours: 6.5, values: eur(62_000) });
    expect(res.body.byMember.map((m: { userId: string }) => m.userId)).toEqual([org.users.ewa!.userId]);
    const byClient = Object.fromEntries(res.body.byClient.map((c: { clientId: string }) => [c.clientId, c]));
    expect(byClient[clientA]).toMatchObject({ entries: 2, hours: 3.5, values: eur(32_000) });
    expect(byClient[clientB]).toMatchObject({ entries: 1, hours: 3, values: eur(30_000) });
    expect(res.body.read.items).toBe(3);
  });

  it('refuses a role without reports.view', async () => {
    const res = await call('GET', `${base}/reports/time?from=2026-04-01&to=2026-04-30`, { token: await org.users.viewer!.token() });
    expect(res.status).toBe(403);
  });

  it('answers 400 naming the field for a date that is not a calendar date or a period out of order', async () => {
    const token = await org.users.owner!.token();
    const bad = await call('GET', `${base}/reports/time?from=2026-02-30&to=2026-04-30`, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('query.from');
    const reversed = await call('GET', `${base}/reports/time?from=2026-04-30&to=2026-04-01`, { token });
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors[0].field).toBe('query.to');
  });
});
