import { invoicingKeys } from './keys.js';

/*
 * The stored shape of each entity. Builders here are the only place that sets key
 * attributes, so an item can never be written with keys that disagree with keys.ts.
 */

// --- invoicing (issue 5) ---------------------------------------------------------------
type DocKind = 'invoice' | 'estimate' | 'expense' | 'time-entry';
type DocStatus = 'draft' | 'issued' | 'partially-paid' | 'paid' | 'cancelled';

export interface StoredLine {
  description: string;
  itemId?: string | undefined;
  /** Decimal quantity as sent (at most 3 places). */
  quantity: number;
  unit?: string | undefined;
  /** Minor units of the document's currency. */
  unitPrice: number;
  /** Percent, at most 2 places. */
  vatRate: number;
  net: number;
  vat: number;
  gross: number;
}

export interface DocumentItem {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
  type: 'document';
  documentId: string;
  kind: DocKind;
  organizationId: string;
  accountId: string;
  /** Gapless per account and kind; absent until the document is issued. */
  sequence?: number | undefined;
  number?: string | undefined;
  status: DocStatus;
  clientId?: string | undefined;
  /** The client's name when the document was written: a document never changes with its client. */
  clientName?: string | undefined;
  currency: string;
  issueDate: string;
  dueDate?: string | undefined;
  lines: StoredLine[];
  net: number;
  vat: number;
  gross: number;
  paid: number;
  notes?: string | undefined;
  /** SPEC 1.3: the creator owns the document (documents.*.own). */
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
}

export interface DocumentCounterItem {
  pk: string;
  sk: string;
  type: 'document-counter';
  /** The last sequence number given out; the next document gets last + 1. */
  last: number;
}

export interface ClientItem {
  pk: string;
  sk: string;
  type: 'client';
  clientId: string;
  accountId: string;
  name: string;
  email?: string | undefined;
  taxId?: string | undefined;
  phone?: string | undefined;
  address?: Record<string, string> | undefined;
  notes?: string | undefined;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface CatalogItem {
  pk: string;
  sk: string;
  type: 'item';
  itemId: string;
  accountId: string;
  name: string;
  sku?: string | undefined;
  unit?: string | undefined;
  unitPrice: number;
  currency: string;
  vatRate: number;
  description?: string | undefined;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface PaymentItem {
  pk: string;
  sk: string;
  gsi2pk: string;
  gsi2sk: string;
  type: 'payment';
  paymentId: string;
  organizationId: string;
  accountId: string;
  invoiceId: string;
  invoiceNumber?: string | undefined;
  /** The invoice's creator: payments.view.own shows payments on one's own invoices. */
  invoiceCreatedBy: string;
  amount: number;
  currency: string;
  paidAt: string;
  method?: string | undefined;
  reference?: string | undefined;
  createdBy: string;
  createdAt: string;
}

export interface SettingsItem {
  pk: string;
  sk: string;
  type: 'settings';
  accountId: string;
  section: string;
  data: Record<string, unknown>;
  updatedBy: string;
  updatedAt: string;
  version: number;
}

export const documentItem = (
  d: Omit<DocumentItem, 'pk' | 'sk' | 'gsi1pk' | 'gsi1sk' | 'gsi2pk' | 'gsi2sk' | 'type'>,
): DocumentItem => ({
  ...invoicingKeys.document(d.accountId, d.kind, d.documentId),
  ...invoicingKeys.documentInAccount(d.accountId, d.kind, d.issueDate, d.documentId),
  ...invoicingKeys.documentOfCreator(d.accountId, d.createdBy, d.kind, d.issueDate, d.documentId),
  type: 'document',
  ...d,
});

export const clientItem = (c: Omit<ClientItem, 'pk' | 'sk' | 'type'>): ClientItem => ({
  ...invoicingKeys.client(c.accountId, c.clientId),
  type: 'client',
  ...c,
});

export const catalogItem = (i: Omit<CatalogItem, 'pk' | 'sk' | 'type'>): CatalogItem => ({
  ...invoicingKeys.item(i.accountId, i.itemId),
  type: 'item',
  ...i,
});

export const paymentItem = (p: Omit<PaymentItem, 'pk' | 'sk' | 'gsi2pk' | 'gsi2sk' | 'type'>): PaymentItem => ({
  ...invoicingKeys.payment(p.accountId, p.paymentId),
  ...invoicingKeys.paymentOfCreator(p.accountId, p.invoiceCreatedBy, p.paymentId),
  type: 'payment',
  ...p,
});

export const settingsItem = (s: Omit<SettingsItem, 'pk' | 'sk' | 'type'>): SettingsItem => ({
  ...invoicingKeys.settings(s.accountId, s.section),
  type: 'settings',
  ...s,
});
// --- end invoicing (issue 5) -----------------------------------------------------------
