import type { Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { batchGetItems } from '../data/dynamo.js';
import { clientEntity, clientKeys, type Client } from '../data/entities/client.js';
import type { Document } from '../data/entities/document.js';
import type { Payment } from '../data/entities/payment.js';
import { getSettings } from '../data/entities/settings.js';
import { buildJpkFa, sellerOf, type JpkBuyer } from '../domain/accounting/jpk-fa.js';
import { isBooked } from '../domain/accounting/ledger.js';
import { periodBounds } from '../domain/accounting/period.js';
import { requireActiveIntegration } from './active-integration.js';
import { readPeriod, type PeriodState } from './accounting.js';

/*
 * Accounting exports (SPEC 2.3 "accounting exports"): a period's sales invoices as JPK_FA(4)
 * XML and its payments as CSV, for the accountant's own software. The route needs
 * accounting.view (the area's permission for reading and exporting the books, as the
 * registers' CSV); the export is an integration, so it answers only while the account has
 * an active accounting-export integration (409 integration-inactive otherwise), switched
 * on in the catalogue by a holder of integrations.manage.
 *
 * Both read the period the way the books do (readPeriod): the same invoices count (issued,
 * not draft or cancelled, by issue date) and the same payments (by payment date).
 */
const joinAddress = (a: Client['address']): string | undefined =>
  a ? [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.country].filter(Boolean).join(', ') : undefined;

/**
 * The buyer of an invoice: the name the invoice was written to, the client's address and tax
 * id as its record holds them now (a document keeps only its client's name).
 */
const buyerOf = (d: Document, client: Client | undefined): JpkBuyer => ({
  name: d.clientName ?? client?.name,
  addressLine: joinAddress(client?.address),
  taxId: client?.taxId,
});

async function clientsOf(store: Store, accountId: string, invoices: readonly Document[]): Promise<Map<string, Client>> {
  const ids = [...new Set(invoices.flatMap((d) => (d.clientId ? [d.clientId] : [])))];
  const items = await batchGetItems(store, ids.map((id) => clientKeys.entry(accountId, id)));
  return new Map(items.map((raw) => clientEntity.parse(raw)).map((c) => [c.clientId, c]));
}

export async function jpkFa(store: Store, p: Principal, period: string): Promise<{ state: PeriodState; xml: string; itemsRead: number }> {
  const bounds = periodBounds(period);
  const { integration } = await requireActiveIntegration(store, p.accountId, 'accounting-export');
  // Refused before the period is read: settings that cannot make a valid file are named first.
  const business = await getSettings(store, p.accountId, 'business');
  const seller = sellerOf(business?.data, integration.config);
  const invoices: Document[] = [];
  const read = await readPeriod(store, p, period, {
    invoice: (d) => {
      if (isBooked(d)) invoices.push(d);
    },
  });
  const clients = await clientsOf(store, p.accountId, invoices);
  const xml = buildJpkFa({
    period,
    ...bounds,
    createdAt: store.now().toISOString(),
    seller,
    invoices: invoices.map((d) => ({ document: d, buyer: buyerOf(d, d.clientId ? clients.get(d.clientId) : undefined) })),
  });
  return { state: read.state, xml, itemsRead: read.itemsRead + clients.size };
}

export async function payments(store: Store, p: Principal, period: string): Promise<{ state: PeriodState; payments: Payment[]; itemsRead: number }> {
  periodBounds(period);
  await requireActiveIntegration(store, p.accountId, 'accounting-export');
  const out: Payment[] = [];
  const read = await readPeriod(store, p, period, {
    payment: (x) => {
      out.push(x);
    },
  });
  out.sort((a, b) => a.paidAt.localeCompare(b.paidAt) || a.paymentId.localeCompare(b.paymentId));
  return { ...read, payments: out };
}
