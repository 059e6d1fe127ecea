import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signBody } from '#shared/integrations/signatures.js';
import { apiUrl, call, type ApiResponse } from '../../support/http.js';
import { createOrganization, type TestUser } from '../../support/orgs.js';

/*
 * Webhook integrations over HTTP on the local runtime: the webhook authorizer in the
 * gateway emulation, the function's signature check over the raw body, orders to draft
 * invoices exactly once, the delivery log and its replay, and SPEC 6.3's gate.
 */
const wooOrder = readFileSync(new URL('../../fixtures/woocommerce/order.created.wc-v3.docs-example.json', import.meta.url));
const wooUpdated = readFileSync(new URL('../../fixtures/woocommerce/order.updated.wc-v3.docs-example.json', import.meta.url));
const shopifyOrder = Buffer.from(JSON.stringify((JSON.parse(readFileSync(new URL('../../fixtures/shopify/order.shopify_python_api-fixture.json', import.meta.url), 'utf8')) as { order: unknown }).order));

async function as(user: TestUser, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return call(method, path, { token: await user.token(), ...(body === undefined ? {} : { body }) });
}

/** Posts bytes to a webhook URL as a provider does: raw body, its own headers, no token. */
async function deliver(url: string, body: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text, text };
}

const wooHeaders = (secret: string, body: Buffer, deliveryId: string, topic = 'order.created') => ({
  'content-type': 'application/json',
  'x-wc-webhook-topic': topic,
  'x-wc-webhook-delivery-id': deliveryId,
  'x-wc-webhook-signature': signBody(secret, body),
});

async function setup() {
  const org = await createOrganization({ subAccounts: 1, members: [{ key: 'owner', role: 'owner' }, { key: 'integrator', role: 'manager', account: 0 }] });
  const sub = org.subAccountIds[0]!;
  const integrator = org.users.integrator!;
  const res = await as(integrator, 'POST', `/accounts/${sub}/integrations`, { kind: 'woocommerce', config: { shopUrl: 'https://shop.example' } });
  expect(res.status, res.text).toBe(201);
  return { org, sub, integrator, owner: org.users.owner!, integration: res.body as { id: string; webhookUrl: string; secret: string; version: number } };
}

const invoicesOf = async (user: TestUser, accountId: string) => (await as(user, 'GET', `/accounts/${accountId}/invoices?limit=200`)).body.items as Array<Record<string, unknown>>;

describe('WooCommerce webhooks on the local runtime', () => {
  it('activation answers the webhook URL and the secret once; reads never show it', async () => {
    const { sub, integrator, integration } = await setup();
    expect(integration.webhookUrl).toBe(`${apiUrl()}/webhooks/${integration.id}`);
    expect(integration.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const got = await as(integrator, 'GET', `/accounts/${sub}/integrations/${integration.id}`);
    expect(got.body).toMatchObject({ status: 'active', hasSecret: true, activatedBy: integrator.userId });
    expect(got.text).not.toContain(integration.secret);
    expect((await as(integrator, 'GET', `/accounts/${sub}/integrations`)).text).not.toContain(integration.secret);
  });

  it('a signed order creates exactly one draft invoice with its client and lines in the sub-account, however often it is delivered', async () => {
    const { sub, integrator, integration } = await setup();
    const deliveryId = randomUUID();
    const headers = wooHeaders(integration.secret, wooOrder, deliveryId);
    const first = await deliver(integration.webhookUrl, wooOrder, headers);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ duplicate: false, delivery: { status: 'processed', topic: 'order.created' } });

    // The same delivery 10× one after the other, then 10× at once: nothing more.
    for (let i = 0; i < 10; i++) expect((await deliver(integration.webhookUrl, wooOrder, headers)).body.duplicate).toBe(true);
    const racing = await Promise.all(Array.from({ length: 10 }, () => deliver(integration.webhookUrl, wooOrder, headers)));
    expect(racing.map((r) => r.status)).toEqual(Array(10).fill(200));
    // Another delivery of the same order (order.updated racing order.created) updates it.
    const updates = await Promise.all(
      Array.from({ length: 5 }, () => {
        const id = randomUUID();
        return deliver(integration.webhookUrl, wooUpdated, wooHeaders(integration.secret, wooUpdated, id, 'order.updated'));
      }),
    );
    expect(updates.map((r) => r.status)).toEqual(Array(5).fill(200));

    const invoices = await invoicesOf(integrator, sub);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'draft', currency: 'USD', totals: { net: 2800, vat: 135, gross: 2935 }, issueDate: '2017-03-22', createdBy: integrator.userId });
    const invoice = (await as(integrator, 'GET', `/accounts/${sub}/invoices/${invoices[0]!.id as string}`)).body;
    expect(invoice.lines.map((l: { description: string }) => l.description)).toEqual(['Woo Single #1', 'Ship Your Idea – Color: Black, Size: M Test (Bar3)', 'Shipping: Flat Rate']);
    const clients = (await as(integrator, 'GET', `/accounts/${sub}/clients`)).body.items;
    expect(clients).toHaveLength(1);
    expect(clients[0]).toMatchObject({ name: 'John Doe', email: 'john.doe@example.com' });
    expect(invoice.clientId).toBe(clients[0].id);
    const orders = (await as(integrator, 'GET', `/accounts/${sub}/orders`)).body.items;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ externalId: '727', status: 'completed', gross: 2935, invoiceId: invoice.id });

    const log = (await as(integrator, 'GET', `/accounts/${sub}/integrations/${integration.id}/deliveries`)).body.items;
    expect(log).toHaveLength(6);
    expect(log.every((d: { status: string }) => d.status === 'processed')).toBe(true);
  });

  it("answers WooCommerce's unsigned creation ping with 200 and processes nothing", async () => {
    const { sub, integrator, integration } = await setup();
    const ping = await deliver(integration.webhookUrl, Buffer.from('webhook_id=42'), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ping.status, ping.text).toBe(200);
    expect(ping.body).toEqual({ received: true, duplicate: false, delivery: null });
    expect((await as(integrator, 'GET', `/accounts/${sub}/integrations/${integration.id}/deliveries`)).body.items).toEqual([]);
  });

  it('refuses a bad or missing signature (401), a payload that is not an order (400, logged, replayable) and an oversized body (413)', async () => {
    const { sub, integrator, integration } = await setup();
    const headers = wooHeaders(integration.secret, wooOrder, randomUUID());
    const tampered = Buffer.from(wooOrder.toString('utf8').replace('"29.35"', '"0.01"'));
    const bad = await deliver(integration.webhookUrl, tampered, headers);
    expect(bad.status, bad.text).toBe(401);
    const { 'x-wc-webhook-signature': _sig, ...unsigned } = headers;
    expect((await deliver(integration.webhookUrl, wooOrder, unsigned)).status).toBe(401);
    const wrongSecret = await deliver(integration.webhookUrl, wooOrder, { ...headers, 'x-wc-webhook-signature': signBody('another secret', wooOrder) });
    expect(wrongSecret.status).toBe(401);
    expect((await as(integrator, 'GET', `/accounts/${sub}/integrations/${integration.id}/deliveries`)).body.items).toEqual([]);

    const product = Buffer.from(JSON.stringify({ id: 93, name: 'Woo Single #1', price: '3.00' }));
    const deliveryId = randomUUID();
    const notOrder = await deliver(integration.webhookUrl, product, wooHeaders(integration.secret, product, deliveryId));
    expect(notOrder.status, notOrder.text).toBe(400);
    expect(notOrder.body.errors[0].field).toMatch(/^body\./);
    const failed = (await as(integrator, 'GET', `/accounts/${sub}/integrations/${integration.id}/deliveries/${deliveryId}`)).body;
    expect(failed).toMatchObject({ status: 'failed', replayable: true, attempts: 1, error: { status: 400, type: 'validation-error' } });
    const replayed = await as(integrator, 'POST', `/accounts/${sub}/integrations/${integration.id}/deliveries/${deliveryId}/replay`);
    expect(replayed.status).toBe(400);
    expect((await as(integrator, 'GET', `/accounts/${sub}/integrations/${integration.id}/deliveries/${deliveryId}`)).body.attempts).toBe(2);

    const huge = Buffer.alloc(1024 * 1024 + 1, 'a');
    expect((await deliver(integration.webhookUrl, huge, wooHeaders(integration.secret, huge, randomUUID()))).status).toBe(413);
    expect(await invoicesOf(integrator, sub)).toEqual([]);
  });

  it('SPEC 6.3: once the activator loses integrations.manage, deliveries are refused (403) and nothing is processed; deactivation too', async () => {
    const { sub, integrator, owner, integration } = await setup();
    const member = `/accounts/${sub}/members/${encodeURIComponent(integrator.userId)}`;
    const demoted = await as(owner, 'PATCH', member, { role: 'employee', version: 1 });
    expect(demoted.status, demoted.text).toBe(200);
    // Never delivered before: the webhook authorizer decides uncached and denies at the gateway.
    const denied = await deliver(integration.webhookUrl, wooOrder, wooHeaders(integration.secret, wooOrder, randomUUID()));
    expect(denied.status, denied.text).toBe(403);
    expect(await invoicesOf(owner, sub)).toEqual([]);

    // A second integration, delivered to while allowed (the gateway caches the allow), then deactivated:
    // the cached allow lets the request reach the function, whose own gate refuses it.
    const other = (await as(owner, 'POST', `/accounts/${sub}/integrations`, { kind: 'woocommerce' })).body;
    const ok = await deliver(other.webhookUrl, wooOrder, wooHeaders(other.secret, wooOrder, randomUUID()));
    expect(ok.status, ok.text).toBe(200);
    expect((await as(owner, 'POST', `/accounts/${sub}/integrations/${other.id}/deactivate`, { version: 1 })).status).toBe(200);
    const after = await deliver(other.webhookUrl, wooUpdated, wooHeaders(other.secret, wooUpdated, randomUUID(), 'order.updated'));
    expect(after.status, after.text).toBe(403);
    expect(after.body.reason).toBe('integration-inactive');
  });

  it('a Shopify order signed with the secret the shop chose becomes a draft invoice, and a refund annotates it', async () => {
    const { sub, integrator } = await setup();
    const secret = `shpss_${randomUUID()}`;
    const shop = (await as(integrator, 'POST', `/accounts/${sub}/integrations`, { kind: 'shopify', secret })).body;
    expect(shop.secret).toBeNull();
    const headers = (body: Buffer, topic: string) => ({
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-hmac-sha256': signBody(secret, body),
    });
    const created = await deliver(shop.webhookUrl, shopifyOrder, headers(shopifyOrder, 'orders/create'));
    expect(created.status, created.text).toBe(200);
    const refund = Buffer.from(JSON.stringify({ id: 509562969, order_id: 450789469, transactions: [{ amount: '41.94', kind: 'refund', status: 'success', currency: 'USD' }] }));
    const refunded = await deliver(shop.webhookUrl, refund, headers(refund, 'refunds/create'));
    expect(refunded.status, refunded.text).toBe(200);
    expect(refunded.body.delivery.outcome).toBe('refund recorded; draft invoice annotated');
    const [invoice] = await invoicesOf(integrator, sub);
    expect(invoice).toMatchObject({ status: 'draft', totals: { net: 59700, vat: 3582, gross: 63282 } });
    const full = (await as(integrator, 'GET', `/accounts/${sub}/invoices/${invoice!.id as string}`)).body;
    expect(full.notes).toContain('Refund 509562969: 41.94 USD.');
    expect(full.notes).toContain("The shop's total is 409.94 USD");
  });
});
