import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Store } from '#shared/data/context.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { loadFreshAccess } from '#shared/data/entities/access-facts.js';
import { getDelivery, listDeliveries } from '#shared/data/entities/delivery.js';
import { getDocument } from '#shared/data/entities/document.js';
import { listPolledIntegrations } from '#shared/data/entities/integration.js';
import { membershipEntity, membershipKey } from '#shared/data/entities/membership.js';
import { listOrders } from '#shared/data/entities/order.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { getPollState, pollStateKey } from '#shared/data/entities/poll-state.js';
import { mainAccountIdOf, newOrganizationId, newSubAccountId, parseAccountId } from '#shared/domain/ids.js';
import { allegroClient } from '#shared/integrations/allegro.js';
import { localSecretBox } from '#shared/integrations/secret-box.js';
import { BACKOFF_CAP_MS, backoffMs, pollIntegration, type PollerDeps } from '#shared/usecases/allegro-poller.js';
import * as integrations from '#shared/usecases/integrations.js';
import { createTestTable } from '../../support/dynamodb.js';

/*
 * The Allegro poller against DynamoDB Local and a local fake Allegro that follows the
 * documented shapes (test/fixtures/allegro): OAuth refresh with Basic client credentials and
 * rotating refresh tokens, `GET /order/events?from=`, `GET /order/checkout-forms/{id}`.
 */
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../fixtures/allegro/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const FORM_ID = '29738e61-7f6a-11e8-ac45-09db60ede9d6';
const CLIENT = { clientId: 'kontor-app', clientSecret: 'app-secret-0123456789' };

interface FakeAllegro {
  url: string;
  events: Record<string, unknown>[];
  forms: Map<string, Record<string, unknown>>;
  /** The refresh token Allegro accepts now (it rotates on every refresh). */
  refreshToken: string;
  accessTokens: Set<string>;
  refreshes: number;
  eventCalls: string[];
  /** Answer this many coming event calls with 503. */
  failEvents: number;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString('utf8')));
    req.on('end', () => resolve(s));
  });

async function fakeAllegro(): Promise<FakeAllegro> {
  const fake = {
    events: [] as Record<string, unknown>[],
    forms: new Map<string, Record<string, unknown>>(),
    refreshToken: 'rt-0',
    accessTokens: new Set<string>(),
    refreshes: 0,
    eventCalls: [] as string[],
    failEvents: 0,
  } as FakeAllegro;
  const tokenAnswer = fixture('token.refresh.json');
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/vnd.allegro.public.v1+json' }).end(JSON.stringify(value));
      if (req.method === 'POST' && url.pathname === '/auth/oauth/token') {
        const form = new URLSearchParams(await body(req));
        const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;
        if (req.headers.authorization !== basic || form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== fake.refreshToken) {
          return json(400, { error: 'invalid_grant' });
        }
        fake.refreshes++;
        fake.refreshToken = `rt-${fake.refreshes}`;
        const access = `at-${fake.refreshes}`;
        fake.accessTokens.add(access);
        return json(200, { ...tokenAnswer, access_token: access, refresh_token: fake.refreshToken });
      }
      const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (!fake.accessTokens.has(bearer)) return json(401, { error: 'invalid_token' });
      if (req.headers.accept !== 'application/vnd.allegro.public.v1+json') return json(406, {});
      if (req.method === 'GET' && url.pathname === '/order/events') {
        fake.eventCalls.push(url.searchParams.get('from') ?? '');
        if (fake.failEvents > 0) {
          fake.failEvents--;
          return json(503, { errors: [{ message: 'Service unavailable' }] });
        }
        const from = url.searchParams.get('from');
        const start = from ? fake.events.findIndex((e) => e.id === from) + 1 : 0;
        return json(200, { events: fake.events.slice(start, start + Number(url.searchParams.get('limit') ?? 100)) });
      }
      const m = /^\/order\/checkout-forms\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const form = fake.forms.get(decodeURIComponent(m[1]!));
        return form ? json(200, form) : json(404, { errors: [{ code: 'NOT_FOUND' }] });
      }
      json(404, {});
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}

/** The documented events of one checkout form (BOUGHT, FILLED_IN, READY_FOR_PROCESSING), under fresh ids and the given form id. */
let nextEventId = 3016215402094849;
function eventsOf(formId: string): Record<string, unknown>[] {
  return (fixture('order-events.json').events as { order: { checkoutForm: { id: string } } }[]).map((e) => ({
    ...e,
    id: String(nextEventId++),
    order: { ...e.order, checkoutForm: { ...e.order.checkoutForm, id: formId } },
  }));
}
const formOf = (formId: string, status = 'READY_FOR_PROCESSING') => ({ ...fixture('checkout-form.ready-for-processing.json'), id: formId, status });

let db: DynamoDBDocumentClient;
let table: string;
let clock: Date;
let store: Store;
const box = localSecretBox(randomBytes(32));
const fakes: FakeAllegro[] = [];
const created = '2026-03-01T00:00:00.000Z';

async function activated() {
  const org = newOrganizationId();
  const main = mainAccountIdOf(org);
  const sub = newSubAccountId(org);
  const items = [
    organizationEntity.item({ organizationId: org, name: 'O', plan: 'free', features: [], customRoles: {}, createdAt: created, createdBy: 'x', version: 1 }),
    accountEntity.item({ accountId: main, organizationId: org, kind: 'main', name: 'Main', status: 'active', createdAt: created, version: 1 }),
    accountEntity.item({ accountId: sub, organizationId: org, kind: 'sub', name: 'Sub', status: 'active', createdAt: created, version: 1 }),
    membershipEntity.item({ accountId: sub, organizationId: org, userId: 'integrator', email: 'i@x.test', role: 'manager', createdAt: created, version: 1 }),
  ];
  await db.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  const access = await loadFreshAccess(db, table, 'integrator', parseAccountId(sub)!);
  if (!access.allowed) throw new Error(access.reason);
  const { integration, secret } = await integrations.activate(store, box, access.actor, { kind: 'allegro', allegro: { ...CLIENT, refreshToken: 'rt-0' } });
  const fake = await fakeAllegro();
  fakes.push(fake);
  const deps: PollerDeps = { store, box, allegro: allegroClient({ apiUrl: fake.url, authUrl: fake.url }, () => clock) };
  return { sub, integration, secret, actor: access.actor, fake, deps };
}

const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
const invoicesOf = async (sub: string) => (await listOrders(store, sub, { limit: 50, boundTo: 't' })).items;

beforeAll(async () => {
  ({ db, table } = await createTestTable());
  clock = new Date('2026-03-02T10:00:00.000Z');
  store = { db, table, now: () => clock };
});
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

describe('Allegro poller', () => {
  it('activation seals the credentials: the answer and the item hold no secret, the client id is shown', async () => {
    const { integration, secret } = await activated();
    expect(secret).toBeUndefined();
    expect(integration.config).toEqual({ clientId: CLIENT.clientId });
    expect(integration.secret).toMatch(/^aesgcm:/);
    expect(integration.secret).not.toContain(CLIENT.clientSecret);
    expect(JSON.parse(await box.open(integration.secret!, integration.integrationId))).toEqual({ ...CLIENT, refreshToken: 'rt-0' });
  });

  it('refreshes the token, turns the READY_FOR_PROCESSING checkout form into one order and one draft invoice, and logs the poll', async () => {
    const { sub, integration, fake, deps } = await activated();
    fake.events.push(...eventsOf(FORM_ID));
    fake.forms.set(FORM_ID, formOf(FORM_ID));

    const out = await pollIntegration(deps, integration.integrationId);
    expect(out).toMatchObject({ result: 'polled', delivery: { topic: 'allegro.poll', status: 'processed' } });
    expect(fake.refreshes).toBe(1);
    const [order, ...more] = await invoicesOf(sub);
    expect(more).toEqual([]);
    expect(order).toMatchObject({ provider: 'allegro', externalId: FORM_ID, currency: 'PLN', gross: 25989 });
    const invoice = await getDocument(store, sub, 'invoice', order!.invoiceId!, true);
    expect(invoice).toMatchObject({ status: 'draft', gross: 25989, clientName: 'Allegro', createdBy: 'integrator' });
    const eventDelivery = await getDelivery(store, integration.integrationId, `event-${fake.events[2]!.id as string}`);
    expect(eventDelivery).toMatchObject({ topic: 'allegro.READY_FOR_PROCESSING', status: 'processed', orderId: order!.orderId, invoiceId: order!.invoiceId });
    expect(out.result === 'polled' && out.delivery.outcome).toContain('3 event(s) read, 1 order delivery(ies) processed');
    // The rotated refresh token and the access token are kept sealed, never in clear.
    const state = await getPollState(store, integration.integrationId);
    expect(state).toMatchObject({ lastEventId: fake.events[2]!.id, failures: 0 });
    expect(JSON.stringify(state)).not.toMatch(/"(rt|at)-1"/);
    expect(await box.open(state!.refreshToken!, integration.integrationId)).toBe('rt-1');
    expect(state!.leaseOwner).toBeUndefined();
  });

  it('resumes from the last seen event id, keeps its access token until it expires, then refreshes with the rotated refresh token', async () => {
    const { sub, integration, fake, deps } = await activated();
    fake.events.push(...eventsOf(FORM_ID));
    fake.forms.set(FORM_ID, formOf(FORM_ID));
    await pollIntegration(deps, integration.integrationId);
    const seen = fake.events[2]!.id as string;

    const second = '1d6f2a9e-0b7c-4c5d-8e9f-a0b1c2d3e4f5';
    fake.events.push(...eventsOf(second));
    fake.forms.set(second, formOf(second));
    // Not due yet: the schedule's next run is.
    expect(await pollIntegration(deps, integration.integrationId)).toMatchObject({ result: 'skipped', reason: 'not-due-or-leased' });
    advance(5 * 60_000);
    expect(await pollIntegration(deps, integration.integrationId)).toMatchObject({ result: 'polled' });
    expect(fake.eventCalls).toEqual(['', seen]);
    expect(fake.refreshes).toBe(1);
    expect((await invoicesOf(sub)).map((o) => o.externalId).sort()).toEqual([FORM_ID, second].sort());

    // Past the access token's 12 hours: one refresh, with the refresh token Allegro rotated to (rt-1; rt-0 is refused now).
    advance(12 * 3600_000);
    expect(await pollIntegration(deps, integration.integrationId)).toMatchObject({ result: 'polled' });
    expect(fake.refreshes).toBe(2);
    expect(fake.eventCalls.at(-1)).toBe(fake.events.at(-1)!.id);
    expect(await invoicesOf(sub)).toHaveLength(2);
  });

  it('two concurrent pollers: one holds the lease, the other leaves the integration; even a poll that reads the events again makes one invoice per checkout form', async () => {
    const { sub, integration, fake, deps } = await activated();
    fake.events.push(...eventsOf(FORM_ID));
    fake.forms.set(FORM_ID, formOf(FORM_ID));

    const results = await Promise.all([pollIntegration(deps, integration.integrationId), pollIntegration(deps, integration.integrationId)]);
    expect(results.map((r) => r.result).sort()).toEqual(['polled', 'skipped']);
    expect(fake.eventCalls).toHaveLength(1);
    expect(await invoicesOf(sub)).toHaveLength(1);

    // A poller that lost its cursor (or outlived its lease) reads the same events again: deduplicated.
    await db.send(new UpdateCommand({ TableName: table, Key: pollStateKey(integration.integrationId), UpdateExpression: 'REMOVE lastEventId' }));
    advance(5 * 60_000);
    const again = await pollIntegration(deps, integration.integrationId);
    expect(again.result === 'polled' && again.delivery.outcome).toContain('1 already processed');
    const orders = await invoicesOf(sub);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.invoiceId).toBeDefined();
  });

  it("revoking the activator's integrations.manage stops the next poll: nothing is asked of Allegro, the log says why", async () => {
    const { sub, integration, fake, deps } = await activated();
    fake.events.push(...eventsOf(FORM_ID));
    fake.forms.set(FORM_ID, formOf(FORM_ID));
    await db.send(
      new UpdateCommand({ TableName: table, Key: membershipKey(sub, 'integrator'), UpdateExpression: 'SET #r = :r', ExpressionAttributeNames: { '#r': 'role' }, ExpressionAttributeValues: { ':r': 'employee' } }),
    );

    const out = await pollIntegration(deps, integration.integrationId);
    expect(out).toMatchObject({ result: 'failed', delivery: { topic: 'allegro.poll', status: 'failed', error: { status: 403, type: 'integration-gate' } } });
    expect(out.result === 'failed' && out.delivery.error?.detail).toContain('missing-permission');
    expect(fake.refreshes).toBe(0);
    expect(fake.eventCalls).toEqual([]);
    expect(await invoicesOf(sub)).toEqual([]);
  });

  it('finds what to poll through the sparse index: an active Allegro integration is in it, a deactivated one is not', async () => {
    const { integration, actor } = await activated();
    const ids = async () => (await listPolledIntegrations(store, 'allegro')).map((i) => i.integrationId);
    expect(await ids()).toContain(integration.integrationId);
    await integrations.deactivate(store, actor, integration.integrationId, integration.version);
    expect(await ids()).not.toContain(integration.integrationId);
  });

  it('backs off exponentially on 5xx, capped, each failed poll visible in the delivery log; a good poll resets it and catches up', async () => {
    const { sub, integration, fake, deps } = await activated();
    fake.events.push(...eventsOf(FORM_ID));
    fake.forms.set(FORM_ID, formOf(FORM_ID));
    fake.failEvents = 3;

    const first = await pollIntegration(deps, integration.integrationId);
    expect(first).toMatchObject({ result: 'failed', delivery: { status: 'failed', error: { status: 503, type: 'allegro-unavailable' } } });
    expect((await getPollState(store, integration.integrationId))!.nextPollAt).toBe(new Date(clock.getTime() + 5 * 60_000).toISOString());
    advance(4 * 60_000);
    expect(await pollIntegration(deps, integration.integrationId)).toMatchObject({ result: 'skipped' });
    advance(60_000);
    const second = await pollIntegration(deps, integration.integrationId);
    expect(second).toMatchObject({ result: 'failed' });
    expect(second.result === 'failed' && second.delivery.outcome).toContain(`poll failed (2 in a row); next attempt at ${new Date(clock.getTime() + 10 * 60_000).toISOString()}`);
    advance(10 * 60_000);
    await pollIntegration(deps, integration.integrationId);
    expect((await getPollState(store, integration.integrationId))!).toMatchObject({ failures: 3, nextPollAt: new Date(clock.getTime() + 20 * 60_000).toISOString() });
    expect([backoffMs(1), backoffMs(4), backoffMs(6), backoffMs(7), backoffMs(30)]).toEqual([5 * 60_000, 40 * 60_000, 160 * 60_000, BACKOFF_CAP_MS, BACKOFF_CAP_MS]);

    const log = (await listDeliveries(store, integration.integrationId, { limit: 10, boundTo: 't' })).items;
    expect(log.filter((d) => d.topic === 'allegro.poll').map((d) => [d.status, d.error?.status])).toEqual([
      ['failed', 503],
      ['failed', 503],
      ['failed', 503],
    ]);
    expect(await invoicesOf(sub)).toEqual([]);

    advance(20 * 60_000);
    expect(await pollIntegration(deps, integration.integrationId)).toMatchObject({ result: 'polled' });
    const healed = await getPollState(store, integration.integrationId);
    expect(healed!.failures).toBe(0);
    expect(healed!.lastError).toBeUndefined();
    expect(await invoicesOf(sub)).toHaveLength(1);
  });
});
