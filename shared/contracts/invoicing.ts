import * as z from 'zod';
import type { RouteContract } from './types.js';
import { accountId, accountPath, crudContracts, pageOf } from './admin-common.js';
import { ULID_RE } from '../domain/ids.js';
import { isCurrency } from '../domain/invoicing/currency.js';
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS, DOCUMENT_SEGMENTS } from '../domain/invoicing/documents.js';
import { DOCUMENT_STATUSES, isIsoDate } from '../domain/invoicing/status.js';
import { toScaled } from '../domain/invoicing/money.js';
import { multiLine, safeText, singleLine, versionOf } from './text.js';

/*
 * Contracts of the invoicing routes. Money is always an integer of minor units of the
 * document's currency (EUR 12.34 = 1234); quantities are decimals with at most 3 places;
 * VAT rates are percentages with at most 2 places. Totals are computed by the server (per
 * line, half-up) and never accepted from the client.
 */

// --- building blocks ------------------------------------------------------------------
export const ulidParam = z.string().regex(ULID_RE, 'must be an id (26-character ULID)').meta({ id: 'Ulid' });
export const isoDate = z.string().refine(isIsoDate, 'must be a calendar date YYYY-MM-DD').meta({ id: 'IsoDate', format: 'date' });
export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code')
  .refine(isCurrency, 'unknown ISO 4217 currency code')
  .meta({ id: 'CurrencyCode', description: 'ISO 4217, e.g. EUR' });
/** An amount in integer minor units of its currency; responses use it unbounded (totals, balances). */
export const money = z
  .number()
  .int('must be an integer of minor units')
  .meta({ id: 'Money', description: 'Integer minor units of the currency (EUR 12.34 = 1234)' });
const minorUnits = money.nonnegative().max(Number.MAX_SAFE_INTEGER, 'overflows');
const positiveMinorUnits = minorUnits.refine((v) => v > 0, 'must be greater than 0');
const quantity = z
  .number()
  .positive('must be greater than 0')
  .max(1_000_000_000)
  .refine((v) => toScaled(v, 3) !== undefined, 'at most 3 decimals');
const vatRate = z
  .number()
  .min(0)
  .max(100)
  .refine((v) => toScaled(v, 2) !== undefined, 'at most 2 decimals');
const cursor = z.string().min(1).max(4096).optional();
const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
const version = versionOf(0).describe('the version the change is based on (optimistic locking)');

const inOrder = (from: string | undefined | null, to: string | undefined | null) => !from || !to || from <= to;

// --- documents ------------------------------------------------------------------------
export const documentPath = z.object({ accountId, documentId: ulidParam });

const lineInput = z
  .object({
    description: singleLine(500),
    itemId: ulidParam.optional(),
    quantity,
    unit: singleLine(20).optional(),
    unitPrice: minorUnits
      .optional()
      .describe("omitted with an itemId: the client's price-list price in the document's currency, else the item's own price"),
    vatRate: vatRate.optional().describe("omitted with an itemId: the item's VAT rate"),
  })
  .refine((l) => l.itemId !== undefined || (l.unitPrice !== undefined && l.vatRate !== undefined), {
    path: ['unitPrice'],
    message: 'unitPrice and vatRate are required on a line that names no itemId',
  })
  .meta({ id: 'DocumentLineInput' });

export const createDocumentBody = z
  .object({
    status: z.enum(['draft', 'issued']).default('draft').describe('issued documents are numbered at once'),
    clientId: ulidParam.optional(),
    currency: currencyCode,
    issueDate: isoDate.optional().describe('defaults to today (UTC)'),
    dueDate: isoDate.optional(),
    lines: z.array(lineInput).min(1).max(200),
    notes: multiLine(2000).optional(),
  })
  .strict()
  .refine((b) => inOrder(b.issueDate, b.dueDate), { path: ['dueDate'], message: 'must be on or after the issue date' })
  .meta({ id: 'CreateDocument' });

export const updateDocumentBody = z
  .object({
    version,
    status: z.enum(DOCUMENT_STATUSES).optional(),
    clientId: ulidParam.nullable().optional(),
    currency: currencyCode.optional(),
    issueDate: isoDate.optional(),
    dueDate: isoDate.nullable().optional(),
    lines: z.array(lineInput).min(1).max(200).optional(),
    notes: multiLine(2000).nullable().optional(),
  })
  .strict()
  .refine((b) => inOrder(b.issueDate, b.dueDate), { path: ['dueDate'], message: 'must be on or after the issue date' })
  .meta({ id: 'UpdateDocument' });

export const listDocumentsQuery = z
  .object({ limit: limit(200, 50), cursor, from: isoDate.optional(), to: isoDate.optional() })
  .refine((q) => inOrder(q.from, q.to), { path: ['to'], message: 'must be on or after from' });

const lineOutput = z
  .object({
    description: z.string(),
    itemId: z.string().nullable(),
    quantity: z.number(),
    unit: z.string().nullable(),
    unitPrice: money,
    vatRate: z.number(),
    net: money,
    vat: money,
    gross: money,
  })
  .meta({ id: 'DocumentLine' });

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #RRGGBB');
/** How the business's documents look: its logo, colours and footer (business information, SPEC 1). */
export const brandingSettings = z
  .object({
    // https only: a document view links it, and a browser showing it must not fetch over plain http.
    logoUrl: safeText(z.url({ protocol: /^https$/ }).max(500), 'single').nullable(),
    primaryColor: hexColor.nullable(),
    accentColor: hexColor.nullable(),
    footerText: multiLine(500).nullable(),
  })
  .strict()
  .meta({ id: 'BrandingSettings' });
/**
 * What a document is shown with: the account's branding and its terms and conditions, as
 * set now (settings), on the single-document read only; lists leave it out.
 */
export const documentPresentation = z
  .object({ branding: brandingSettings, termsAndConditions: z.string().nullable() })
  .meta({ id: 'DocumentPresentation' });
export const documentResponse = z.object({
  /** Present on GET of one document: its branding and terms (documentPresentation). */
  presentation: documentPresentation.optional(),
  id: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  number: z.string().nullable().describe('assigned when the document is issued; gapless per account and kind'),
  sequence: z.number().int().nullable(),
  status: z.enum(DOCUMENT_STATUSES),
  clientId: z.string().nullable(),
  clientName: z.string().nullable(),
  currency: z.string(),
  issueDate: z.string(),
  dueDate: z.string().nullable(),
  lines: z.array(lineOutput),
  totals: z.object({ net: money, vat: money, gross: money, paid: money, outstanding: money }),
  notes: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
}).meta({ id: 'Document', description: 'An invoice, estimate, expense or time entry: the four kinds share one shape' });

const documentContracts = (one: string, many: string) =>
  crudContracts(one, many, {
    itemPath: documentPath,
    listQuery: listDocumentsQuery,
    create: createDocumentBody,
    update: updateDocumentBody,
    response: documentResponse,
  });

// --- clients and items ---------------------------------------------------------------
const address = z
  .object({
    line1: singleLine(200),
    line2: singleLine(200).optional(),
    postalCode: singleLine(20).optional(),
    city: singleLine(100).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
  })
  .strict()
  .meta({ id: 'Address' });

const clientFields = {
  name: singleLine(200),
  email: z.email().max(254).optional(),
  taxId: singleLine(50).optional(),
  phone: singleLine(50).optional(),
  address: address.optional(),
  notes: multiLine(2000).optional(),
  priceListId: ulidParam.optional().describe("the price list this client's document lines take item prices from"),
};
export const createClientBody = z.object(clientFields).strict().meta({ id: 'CreateClient' });
export const updateClientBody = z
  .object({
    version,
    name: clientFields.name.optional(),
    email: clientFields.email.unwrap().nullable().optional(),
    taxId: clientFields.taxId.unwrap().nullable().optional(),
    phone: clientFields.phone.unwrap().nullable().optional(),
    address: address.nullable().optional(),
    notes: multiLine(2000).nullable().optional(),
    priceListId: ulidParam.nullable().optional(),
  })
  .strict()
  .meta({ id: 'UpdateClient' });
export const clientPath = z.object({ accountId, clientId: ulidParam });
export const clientResponse = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  taxId: z.string().nullable(),
  phone: z.string().nullable(),
  address: address.nullable(),
  notes: z.string().nullable(),
  priceListId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
}).meta({ id: 'Client' });

const itemFields = {
  name: singleLine(200),
  sku: singleLine(64).optional(),
  unit: singleLine(20).optional(),
  unitPrice: minorUnits,
  currency: currencyCode,
  vatRate,
  description: multiLine(2000).optional(),
};
export const createItemBody = z.object(itemFields).strict().meta({ id: 'CreateItem' });
export const updateItemBody = z
  .object({
    version,
    name: itemFields.name.optional(),
    sku: itemFields.sku.unwrap().nullable().optional(),
    unit: itemFields.unit.unwrap().nullable().optional(),
    unitPrice: minorUnits.optional(),
    currency: currencyCode.optional(),
    vatRate: vatRate.optional(),
    description: multiLine(2000).nullable().optional(),
  })
  .strict()
  .meta({ id: 'UpdateItem' });
export const itemPath = z.object({ accountId, itemId: ulidParam });
export const itemResponse = z.object({
  id: z.string(),
  name: z.string(),
  sku: z.string().nullable(),
  unit: z.string().nullable(),
  unitPrice: money,
  currency: z.string(),
  vatRate: z.number(),
  description: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
}).meta({ id: 'Item' });
export const listCatalogQuery = z.object({ limit: limit(200, 50), cursor });

// --- payments ------------------------------------------------------------------------
export const PAYMENT_METHOD_TYPES = ['bank-transfer', 'card', 'cash', 'paypal', 'other'] as const;
export const createPaymentBody = z
  .object({
    invoiceId: ulidParam,
    amount: positiveMinorUnits.describe('minor units of the invoice currency'),
    currency: currencyCode.optional().describe("must equal the invoice's currency when given"),
    paidAt: isoDate,
    method: z.enum(PAYMENT_METHOD_TYPES).optional(),
    reference: singleLine(200).optional(),
  })
  .strict()
  .meta({ id: 'CreatePayment' });
export const paymentPath = z.object({ accountId, paymentId: ulidParam });
export const paymentResponse = z.object({
  id: z.string(),
  invoiceId: z.string(),
  invoiceNumber: z.string().nullable(),
  amount: money,
  currency: z.string(),
  paidAt: z.string(),
  method: z.string().nullable(),
  reference: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
}).meta({ id: 'Payment' });
export const createPaymentResponse = paymentResponse
  .extend({
    invoice: z.object({ id: z.string(), status: z.enum(DOCUMENT_STATUSES), paid: money, outstanding: money, version: z.number().int() }),
  })
  .meta({ id: 'RecordedPayment', description: 'The payment and the invoice balance it leaves' });

// --- reports and exports -------------------------------------------------------------
export const REPORTS = ['revenue', 'outstanding', 'expenses'] as const;
export const reportPath = z.object({ accountId, report: z.enum(REPORTS) });
export const reportQuery = z
  .object({
    from: isoDate.optional().describe('first issue date of the period; default 1 January of the current year'),
    to: isoDate.optional().describe('last issue date of the period; default 31 December of the current year'),
  })
  .refine((q) => inOrder(q.from, q.to), { path: ['to'], message: 'must be on or after from' });
const reportAmounts = {
  currency: z.string(),
  count: z.number().int(),
  net: money,
  vat: money,
  gross: money,
  paid: money,
  outstanding: money,
};
export const reportResponse = z.object({
  report: z.enum(REPORTS),
  from: z.string(),
  to: z.string(),
  scope: z.enum(['all', 'own']).describe('own: only documents the caller created (SPEC 1.3)'),
  totals: z.array(z.object(reportAmounts)),
  byPeriod: z.array(z.object({ period: z.string().describe('YYYY-MM'), ...reportAmounts })),
  byClient: z.array(z.object({ clientId: z.string().nullable(), clientName: z.string().nullable(), ...reportAmounts })),
  read: z.object({ items: z.number().int().describe('aggregate items read: months x currencies, and months x currencies x clients (days for a month the period covers in part); never the documents') }),
}).meta({ id: 'Report' });

/*
 * The time report: time entries of a period summed per member and per client. A time
 * entry's lines are hours (quantity) at a rate (unitPrice), so its time is the sum of its
 * lines' quantities and its value their net, per currency. Cancelled entries do not count.
 */
export const timeReportPath = z.object({ accountId });
const timeValue = z.object({ currency: z.string(), net: money });
const timeTotals = {
  entries: z.number().int(),
  hours: z.number().describe('sum of the entries\' line quantities, to 3 decimal places'),
  values: z.array(timeValue).describe('the net value of those hours, one row per currency'),
};
export const timeReportResponse = z.object({
  report: z.literal('time'),
  from: z.string(),
  to: z.string(),
  scope: z.enum(['all', 'own']).describe('own: only time entries the caller created (SPEC 1.3)'),
  totals: z.object(timeTotals),
  byMember: z.array(z.object({ userId: z.string(), ...timeTotals })),
  byClient: z.array(z.object({ clientId: z.string().nullable(), clientName: z.string().nullable(), ...timeTotals })),
  read: z.object({ items: z.number().int().describe('time entries read: every entry of the period in the caller\'s scope (a Query over the issue-date index)') }),
}).meta({ id: 'TimeReport' });

export const EXPORT_DATASETS = [...DOCUMENT_SEGMENTS, 'clients', 'items', 'payments'] as const;
export const exportPath = z.object({ accountId, dataset: z.enum(EXPORT_DATASETS) });
export const exportQuery = z
  .object({
    format: z.enum(['csv', 'json']).default('csv'),
    limit: limit(1000, 500),
    cursor,
    from: isoDate.optional().describe('documents only: first issue date'),
    to: isoDate.optional().describe('documents only: last issue date'),
  })
  .refine((q) => inOrder(q.from, q.to), { path: ['to'], message: 'must be on or after from' });
export const exportResponse = z
  .object({ dataset: z.enum(EXPORT_DATASETS), items: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() })
  .meta({
    id: 'ExportPage',
    description: 'format=json; with format=csv (default) the page is text/csv and the cursor is in the X-Next-Cursor header',
  });

// --- settings ------------------------------------------------------------------------
export const businessSettings = z
  .object({
    name: singleLine(200).nullable(),
    legalName: singleLine(200).nullable(),
    taxId: singleLine(50).nullable(),
    address: address.nullable(),
    email: z.email().max(254).nullable(),
    phone: singleLine(50).nullable(),
    website: safeText(z.url().max(500), 'single').nullable(),
  })
  .strict()
  .meta({ id: 'BusinessSettings' });
export const paymentMethodSettings = z
  .object({
    methods: z
      .array(
        z
          .object({
            type: z.enum(PAYMENT_METHOD_TYPES),
            label: singleLine(100),
            enabled: z.boolean(),
            iban: z
              .string()
              .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/, 'must be an IBAN without spaces')
              .optional(),
            bic: z
              .string()
              .regex(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/, 'must be a BIC')
              .optional(),
            instructions: multiLine(1000).optional(),
          })
          .strict(),
      )
      .max(20),
  })
  .strict()
  .meta({ id: 'PaymentMethodSettings' });
export const INVOICE_TEMPLATES = ['classic', 'modern', 'minimal'] as const;
export const otherSettings = z
  .object({
    paymentTermsDays: z.number().int().min(0).max(365),
    defaultCurrency: currencyCode,
    invoiceTemplate: z.enum(INVOICE_TEMPLATES),
    reminders: z
      .object({
        enabled: z.boolean(),
        daysBeforeDue: z.array(z.number().int().min(1).max(90)).max(5),
        daysAfterDue: z.array(z.number().int().min(1).max(365)).max(10),
      })
      .strict(),
    defaultNotes: multiLine(2000).nullable(),
    /** The business's terms and conditions, printed with its documents (SPEC 1: "terms"). */
    termsAndConditions: multiLine(10_000).nullable(),
  })
  .strict()
  .meta({ id: 'OtherSettings' });

export const SETTINGS_SCHEMAS = {
  business: businessSettings,
  'payment-methods': paymentMethodSettings,
  other: otherSettings,
  branding: brandingSettings,
} as const;
export type SettingsSection = keyof typeof SETTINGS_SCHEMAS;

// Named after their section's settings (BusinessSettings → BusinessSettingsSection and
// UpdateBusinessSettings), and made once each: a read and a change answer the same type.
const makeSettingsResponse = <T extends z.ZodObject>(section: SettingsSection, schema: T) =>
  z
    .object({ section: z.literal(section), settings: schema, version: z.number().int(), updatedAt: z.string().nullable(), updatedBy: z.string().nullable() })
    .meta({ id: `${z.globalRegistry.get(schema)?.id ?? section}Section` });
const settingsResponses = new Map<SettingsSection, unknown>();
export const settingsResponse = <T extends z.ZodObject>(section: SettingsSection, schema: T): ReturnType<typeof makeSettingsResponse<T>> => {
  if (!settingsResponses.has(section)) settingsResponses.set(section, makeSettingsResponse(section, schema));
  return settingsResponses.get(section) as ReturnType<typeof makeSettingsResponse<T>>;
};
const settingsPatch = <T extends z.ZodObject>(schema: T) =>
  schema
    .partial()
    .extend({ version })
    .strict()
    .meta({ id: `Update${z.globalRegistry.get(schema)?.id ?? 'Settings'}` });

export const settingsPatchSchemas = {
  business: settingsPatch(businessSettings),
  'payment-methods': settingsPatch(paymentMethodSettings),
  other: settingsPatch(otherSettings),
  branding: settingsPatch(brandingSettings),
} as const;

// --- the table -----------------------------------------------------------------------
export const invoicingContracts: Record<string, RouteContract> = {
  ...Object.fromEntries(
    DOCUMENT_KINDS.flatMap((k) => Object.entries(documentContracts(DOCUMENT_KIND_NAMES[k].one, DOCUMENT_KIND_NAMES[k].many))),
  ),
  ...crudContracts('Client', 'Clients', {
    itemPath: clientPath,
    listQuery: listCatalogQuery,
    create: createClientBody,
    update: updateClientBody,
    response: clientResponse,
  }),
  ...crudContracts('Item', 'Items', {
    itemPath,
    listQuery: listCatalogQuery,
    create: createItemBody,
    update: updateItemBody,
    response: itemResponse,
  }),
  listPayments: { path: accountPath, query: listCatalogQuery, response: pageOf(paymentResponse) },
  createPayment: { path: accountPath, body: createPaymentBody, response: createPaymentResponse, status: 201 },
  getPayment: { path: paymentPath, response: paymentResponse },
  deletePayment: { path: paymentPath, status: 204 },
  getReport: { path: reportPath, query: reportQuery, response: reportResponse },
  getTimeReport: { path: timeReportPath, query: reportQuery, response: timeReportResponse },
  getExport: { path: exportPath, query: exportQuery, response: exportResponse },
  getBusinessSettings: { path: accountPath, response: settingsResponse('business', businessSettings) },
  updateBusinessSettings: { path: accountPath, body: settingsPatchSchemas.business, response: settingsResponse('business', businessSettings) },
  getPaymentMethodSettings: { path: accountPath, response: settingsResponse('payment-methods', paymentMethodSettings) },
  updatePaymentMethodSettings: {
    path: accountPath,
    body: settingsPatchSchemas['payment-methods'],
    response: settingsResponse('payment-methods', paymentMethodSettings),
  },
  getOtherSettings: { path: accountPath, response: settingsResponse('other', otherSettings) },
  updateOtherSettings: { path: accountPath, body: settingsPatchSchemas.other, response: settingsResponse('other', otherSettings) },
  getBrandingSettings: { path: accountPath, response: settingsResponse('branding', brandingSettings) },
  updateBrandingSettings: { path: accountPath, body: settingsPatchSchemas.branding, response: settingsResponse('branding', brandingSettings) },
};

export const SETTINGS_DEFAULTS: { [K in SettingsSection]: z.infer<(typeof SETTINGS_SCHEMAS)[K]> } = {
  business: { name: null, legalName: null, taxId: null, address: null, email: null, phone: null, website: null },
  'payment-methods': { methods: [] },
  other: {
    paymentTermsDays: 14,
    defaultCurrency: 'EUR',
    invoiceTemplate: 'classic',
    reminders: { enabled: false, daysBeforeDue: [], daysAfterDue: [] },
    defaultNotes: null,
    termsAndConditions: null,
  },
  branding: { logoUrl: null, primaryColor: null, accentColor: null, footerText: null },
};
