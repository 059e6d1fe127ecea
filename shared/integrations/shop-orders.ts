import * as z from 'zod';
import { ValidationError } from '../domain/errors.js';
import { isCurrency, minorDigitsOf } from '../domain/invoicing/currency.js';
import type { LineRequest } from '../domain/invoicing/money.js';

/*
 * Shop orders as Kontor reads them: a WooCommerce order (REST API v3 order object, which
 * is exactly the webhook body), a Shopify order (REST Admin API order, bare in a webhook)
 * or a Shopify refund, and an Allegro checkout form, each mapped to one ShopOrder. The
 * mapping keeps every amount the invoice needs and says what it could not keep:
 *   - lines: quantity and the NET unit price after the line's discounts (an invoice line
 *     has no negative amounts), the VAT rate the provider charged on that line;
 *   - shipping and fees: lines of their own, taxed at their own rate;
 *   - discounts: folded into the lines they were allocated to (named in the line), coupon
 *     codes in the notes;
 *   - currency: the order's, amounts in its minor units (no floats: decimal strings);
 *   - the provider's own totals are kept on the order; when Kontor's per-line rounding
 *     gives another gross, the invoice's notes say so, for a person to check before issuing.
 * Payloads are parsed tolerantly (unknown fields ignored, providers add fields every year),
 * but something that is not an order is a 400 naming the field.
 */
export type ShopProvider = 'woocommerce' | 'shopify' | 'allegro';

export interface ShopCustomer {
  name: string;
  email?: string | undefined;
  taxId?: string | undefined;
  phone?: string | undefined;
  address?: { line1: string; line2?: string | undefined; postalCode?: string | undefined; city?: string | undefined; country?: string | undefined } | undefined;
}

export interface ShopOrder {
  provider: ShopProvider;
  /** The provider's order id (string form). */
  externalId: string;
  /** The order number the shop shows its customer. */
  number: string;
  /** The provider's status word, kept as it is. */
  status: string;
  /** What the delivery means for Kontor: a (new or updated) order, its cancellation, or a refund on it. */
  event: 'order' | 'cancelled' | 'refund';
  currency: string;
  /** The order's date (YYYY-MM-DD), the invoice's issue date. */
  orderDate: string;
  customer: ShopCustomer;
  lines: LineRequest[];
  /** The provider's totals in minor units. */
  totals: { gross: number; tax: number; shipping: number; discount: number };
  /** Total refunded so far, in minor units. */
  refunded: number;
  notes: string[];
}

/** A refund delivered on its own (Shopify refunds/create): which order, how much. */
export interface ShopRefund {
  provider: ShopProvider;
  externalOrderId: string;
  refundId: string;
  amount: number;
  currency: string | undefined;
}

const notAnOrder = (field: string, message: string) =>
  new ValidationError('the payload is not an order', { errors: [{ field: `body${field ? `.${field}` : ''}`, message }] });

/** A decimal amount (string or number) in minor units of `digits`, half-up; exact (no float arithmetic). */
export function toMinor(value: unknown, digits: number, field: string): number {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? value.toFixed(Math.max(digits, 6)) : '') : typeof value === 'string' ? value.trim() : '';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw notAnOrder(field, 'must be a decimal amount');
  const [, sign, whole, frac = ''] = m;
  const padded = (frac + '0'.repeat(digits + 1)).slice(0, digits + 1);
  let minor = BigInt(whole! + padded.slice(0, digits));
  if (Number(padded[digits]) >= 5) minor += 1n;
  const out = Number(minor);
  if (!Number.isSafeInteger(out)) throw notAnOrder(field, 'is too large');
  return sign === '-' ? -out : out;
}

/** A VAT rate in percent with at most 2 places, from tax over net (0 when net is 0). */
export const rateOf = (tax: number, net: number): number => (net <= 0 || tax <= 0 ? 0 : Math.min(100, Math.round((tax * 10_000) / net) / 100));

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#039': "'", apos: "'", ndash: '–', mdash: '—', nbsp: ' ', hellip: '…' };
/** WooCommerce sends product names HTML-escaped (`&ndash;`); an invoice line shows the text. */
const unescape = (s: string): string =>
  s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/gi, (all, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#') && e !== '#039') return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? all;
  });

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/**
 * One invoice line of `net` minor units for `quantity` pieces. An invoice line is quantity
 * times unit price, so when the net (after discounts) does not divide by the quantity, the
 * line is priced as one piece and names the quantity in its description: the amount is
 * exact either way.
 */
function lineOf(description: string, quantity: number, net: number, vatRate: number, field: string): LineRequest {
  if (net < 0) throw notAnOrder(field, 'a negative line amount cannot be invoiced');
  const whole = Number.isInteger(quantity) && quantity > 0;
  if (whole && net % quantity === 0) return { description: clip(description, 500), quantity, unitPrice: net / quantity, vatRate };
  return { description: clip(`${description} × ${quantity}`, 500), quantity: 1, unitPrice: net, vatRate };
}

function currencyOf(code: unknown): { currency: string; digits: number } {
  if (typeof code !== 'string' || !isCurrency(code.toUpperCase())) throw notAnOrder('currency', 'must be an ISO 4217 currency code');
  const currency = code.toUpperCase();
  return { currency, digits: minorDigitsOf(currency) ?? 2 };
}

const dateOf = (value: unknown, fallback: string): string => {
  if (typeof value !== 'string') return fallback;
  const d = /^\d{4}-\d{2}-\d{2}/.exec(value);
  return d ? d[0] : fallback;
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const money = z.union([z.string(), z.number()]);

// --- WooCommerce ------------------------------------------------------------------------
const wooAddress = z.looseObject({
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  company: z.string().optional(),
  address_1: z.string().optional(),
  address_2: z.string().optional(),
  city: z.string().optional(),
  postcode: z.string().optional(),
  country: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
});
const wooTaxed = { total: money, total_tax: money.optional() };
const wooOrder = z.looseObject({
  id: z.number().int(),
  number: z.union([z.string(), z.number()]).optional(),
  status: z.string(),
  currency: z.string(),
  date_created_gmt: z.string().nullish(),
  date_created: z.string().nullish(),
  discount_total: money.optional(),
  shipping_total: money.optional(),
  total: money,
  total_tax: money.optional(),
  billing: wooAddress.optional(),
  meta_data: z.array(z.looseObject({ key: z.string(), value: z.unknown() })).optional(),
  line_items: z.array(z.looseObject({ name: z.string(), quantity: z.number(), subtotal: money.optional(), sku: z.string().nullish(), ...wooTaxed })),
  shipping_lines: z.array(z.looseObject({ method_title: z.string().optional(), ...wooTaxed })).optional(),
  fee_lines: z.array(z.looseObject({ name: z.string().optional(), ...wooTaxed })).optional(),
  coupon_lines: z.array(z.looseObject({ code: z.string(), discount: money.optional() })).optional(),
  refunds: z.array(z.looseObject({ id: z.number().optional(), total: money })).optional(),
});

/** Meta keys shops use for the buyer's VAT / tax number (EU VAT plugins, Polish NIP fields). */
const TAX_ID_META = /^_?(billing_)?(vat(_number)?|nip|tax_?id|eu_vat_number)$/i;

function issuesOf(e: z.ZodError) {
  const i = e.issues[0]!;
  return notAnOrder(i.path.join('.'), i.message);
}

export function parseWooCommerceOrder(payload: unknown, today: string): ShopOrder {
  const parsed = wooOrder.safeParse(payload);
  if (!parsed.success) throw issuesOf(parsed.error);
  const o = parsed.data;
  const { currency, digits } = currencyOf(o.currency);
  const m = (v: unknown, field: string) => (v === undefined || v === null || v === '' ? 0 : toMinor(v, digits, field));
  const notes: string[] = [];
  const lines: LineRequest[] = [];
  o.line_items.forEach((l, i) => {
    const net = m(l.total, `line_items.${i}.total`);
    const tax = m(l.total_tax, `line_items.${i}.total_tax`);
    const before = m(l.subtotal ?? l.total, `line_items.${i}.subtotal`);
    const discount = before - net;
    const name = unescape(l.name) + (l.sku ? ` (${l.sku})` : '');
    lines.push(lineOf(discount > 0 ? `${name}, discount ${fmt(discount, digits)} applied` : name, l.quantity, net, rateOf(tax, net), `line_items.${i}`));
  });
  (o.shipping_lines ?? []).forEach((s, i) => {
    const net = m(s.total, `shipping_lines.${i}.total`);
    lines.push(lineOf(`Shipping: ${unescape(s.method_title ?? 'shipping')}`, 1, net, rateOf(m(s.total_tax, `shipping_lines.${i}.total_tax`), net), `shipping_lines.${i}`));
  });
  (o.fee_lines ?? []).forEach((f, i) => {
    const net = m(f.total, `fee_lines.${i}.total`);
    // A negative fee is a discount WooCommerce did not allocate to lines: kept in the notes.
    if (net < 0) notes.push(`Fee "${unescape(f.name ?? 'fee')}" of ${fmt(net, digits)} ${currency} is not on the invoice (negative amount).`);
    else lines.push(lineOf(unescape(f.name ?? 'Fee'), 1, net, rateOf(m(f.total_tax, `fee_lines.${i}.total_tax`), net), `fee_lines.${i}`));
  });
  if (lines.length === 0) throw notAnOrder('line_items', 'an order needs at least one line');
  const coupons = (o.coupon_lines ?? []).map((c) => c.code);
  if (coupons.length) notes.push(`Coupons: ${coupons.join(', ')}.`);
  const b = o.billing ?? {};
  const taxId = (o.meta_data ?? []).find((x) => TAX_ID_META.test(x.key) && typeof x.value === 'string' && x.value.trim() !== '')?.value as string | undefined;
  const person = [b.first_name, b.last_name].map(text).filter(Boolean).join(' ');
  const refunded = (o.refunds ?? []).reduce((sum, r, i) => sum + Math.abs(m(r.total, `refunds.${i}.total`)), 0);
  const status = o.status;
  return {
    provider: 'woocommerce',
    externalId: String(o.id),
    number: String(o.number ?? o.id),
    status,
    event: status === 'cancelled' || status === 'refunded' || status === 'failed' || status === 'trash' ? 'cancelled' : refunded > 0 ? 'refund' : 'order',
    currency,
    orderDate: dateOf(o.date_created_gmt ?? o.date_created, today),
    customer: {
      name: text(b.company) ?? (person || text(b.email) || `WooCommerce order ${o.id}`),
      email: text(b.email)?.toLowerCase(),
      taxId: text(taxId),
      phone: text(b.phone),
      address: text(b.address_1)
        ? { line1: b.address_1!.trim(), line2: text(b.address_2), postalCode: text(b.postcode), city: text(b.city), country: text(b.country) }
        : undefined,
    },
    lines,
    totals: { gross: m(o.total, 'total'), tax: m(o.total_tax, 'total_tax'), shipping: m(o.shipping_total, 'shipping_total'), discount: m(o.discount_total, 'discount_total') },
    refunded,
    notes,
  };
}

const fmt = (minor: number, digits: number): string => {
  const s = String(Math.abs(minor)).padStart(digits + 1, '0');
  const v = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return minor < 0 ? `-${v}` : v;
};

// --- Shopify ----------------------------------------------------------------------------
const shopifyTaxLines = z.array(z.looseObject({ price: money, rate: z.number().optional(), title: z.string().optional() })).optional();
const shopifyAddress = z
  .looseObject({
    name: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    company: z.string().nullish(),
    address1: z.string().nullish(),
    address2: z.string().nullish(),
    city: z.string().nullish(),
    zip: z.string().nullish(),
    country_code: z.string().nullish(),
    country: z.string().nullish(),
    phone: z.string().nullish(),
  })
  .nullish();
const shopifyOrder = z.looseObject({
  id: z.number().int(),
  name: z.string().optional(),
  order_number: z.number().optional(),
  email: z.string().nullish(),
  currency: z.string(),
  created_at: z.string().nullish(),
  cancelled_at: z.string().nullish(),
  financial_status: z.string().nullish(),
  taxes_included: z.boolean().optional(),
  total_price: money,
  total_tax: money.optional(),
  total_discounts: money.optional(),
  tax_lines: shopifyTaxLines,
  discount_codes: z.array(z.looseObject({ code: z.string(), amount: money.optional() })).optional(),
  line_items: z.array(
    z.looseObject({
      name: z.string().nullish(),
      title: z.string().nullish(),
      sku: z.string().nullish(),
      quantity: z.number(),
      price: money,
      tax_lines: shopifyTaxLines,
      discount_allocations: z.array(z.looseObject({ amount: money })).optional(),
    }),
  ),
  shipping_lines: z.array(z.looseObject({ title: z.string().nullish(), price: money, discounted_price: money.optional(), tax_lines: shopifyTaxLines })).optional(),
  billing_address: shopifyAddress,
  customer: z.looseObject({ email: z.string().nullish(), first_name: z.string().nullish(), last_name: z.string().nullish() }).nullish(),
  refunds: z.array(z.looseObject({ transactions: z.array(z.looseObject({ amount: money, kind: z.string().optional(), status: z.string().optional() })).optional() })).optional(),
});

export function parseShopifyOrder(payload: unknown, today: string): ShopOrder {
  const parsed = shopifyOrder.safeParse(payload);
  if (!parsed.success) throw issuesOf(parsed.error);
  const o = parsed.data;
  const { currency, digits } = currencyOf(o.currency);
  const m = (v: unknown, field: string) => (v === undefined || v === null || v === '' ? 0 : toMinor(v, digits, field));
  const notes: string[] = [];
  // Lines without tax lines of their own take the order's rate when it has exactly one.
  const orderRates = [...new Set((o.tax_lines ?? []).map((t) => t.rate).filter((r): r is number => typeof r === 'number'))];
  const fallbackRate = orderRates.length === 1 ? Math.round(orderRates[0]! * 10_000) / 100 : undefined;
  const rateFrom = (taxLines: z.infer<typeof shopifyTaxLines>, tax: number, net: number) => {
    const rates = (taxLines ?? []).map((t) => t.rate).filter((r): r is number => typeof r === 'number');
    if (rates.length) return Math.min(100, Math.round(rates.reduce((a, b) => a + b, 0) * 10_000) / 100);
    if (tax > 0) return rateOf(tax, net);
    return fallbackRate ?? 0;
  };
  const lines: LineRequest[] = [];
  o.line_items.forEach((l, i) => {
    const gross = m(l.price, `line_items.${i}.price`) * l.quantity;
    const discount = (l.discount_allocations ?? []).reduce((s, d, j) => s + m(d.amount, `line_items.${i}.discount_allocations.${j}.amount`), 0);
    const tax = (l.tax_lines ?? []).reduce((s, t, j) => s + m(t.price, `line_items.${i}.tax_lines.${j}.price`), 0);
    const net = gross - discount - (o.taxes_included ? tax : 0);
    const name = (l.name ?? l.title ?? 'Item') + (l.sku ? ` (${l.sku})` : '');
    lines.push(lineOf(discount > 0 ? `${name}, discount ${fmt(discount, digits)} applied` : name, l.quantity, net, rateFrom(l.tax_lines, tax, net), `line_items.${i}`));
  });
  (o.shipping_lines ?? []).forEach((s, i) => {
    const tax = (s.tax_lines ?? []).reduce((sum, t, j) => sum + m(t.price, `shipping_lines.${i}.tax_lines.${j}.price`), 0);
    const price = m(s.discounted_price ?? s.price, `shipping_lines.${i}.price`);
    const net = price - (o.taxes_included ? tax : 0);
    lines.push(lineOf(`Shipping: ${s.title ?? 'shipping'}`, 1, net, (s.tax_lines ?? []).length ? rateFrom(s.tax_lines, tax, net) : rateOf(tax, net), `shipping_lines.${i}`));
  });
  if (lines.length === 0) throw notAnOrder('line_items', 'an order needs at least one line');
  const codes = (o.discount_codes ?? []).map((d) => (d.amount !== undefined ? `${d.code} (${String(d.amount)})` : d.code));
  if (codes.length) notes.push(`Discount codes: ${codes.join(', ')}.`);
  const allocated = o.line_items.some((l) => (l.discount_allocations ?? []).length > 0);
  const totalDiscount = m(o.total_discounts, 'total_discounts');
  if (totalDiscount > 0 && !allocated) notes.push(`Order discount of ${fmt(totalDiscount, digits)} ${currency} was not allocated to lines by the shop.`);
  const a = o.billing_address ?? undefined;
  const person = text(a?.name) ?? [a?.first_name ?? o.customer?.first_name, a?.last_name ?? o.customer?.last_name].map(text).filter(Boolean).join(' ');
  const email = text(o.email) ?? text(o.customer?.email);
  const refunded = (o.refunds ?? []).reduce(
    (sum, r, i) =>
      sum + (r.transactions ?? []).filter((t) => (t.kind ?? 'refund') === 'refund' && (t.status ?? 'success') === 'success').reduce((s, t, j) => s + m(t.amount, `refunds.${i}.transactions.${j}.amount`), 0),
    0,
  );
  const status = o.cancelled_at ? 'cancelled' : (o.financial_status ?? 'pending');
  return {
    provider: 'shopify',
    externalId: String(o.id),
    number: o.name ?? String(o.order_number ?? o.id),
    status,
    event: o.cancelled_at || o.financial_status === 'refunded' || o.financial_status === 'voided' ? 'cancelled' : refunded > 0 ? 'refund' : 'order',
    currency,
    orderDate: dateOf(o.created_at, today),
    customer: {
      name: text(a?.company) ?? (person || email || `Shopify order ${o.id}`),
      email: email?.toLowerCase(),
      phone: text(a?.phone),
      address: text(a?.address1)
        ? { line1: a!.address1!.trim(), line2: text(a?.address2), postalCode: text(a?.zip), city: text(a?.city), country: text(a?.country_code) ?? text(a?.country) }
        : undefined,
    },
    lines,
    totals: { gross: m(o.total_price, 'total_price'), tax: m(o.total_tax, 'total_tax'), shipping: (o.shipping_lines ?? []).reduce((s, x, i) => s + m(x.price, `shipping_lines.${i}.price`), 0), discount: totalDiscount },
    refunded,
    notes,
  };
}

const shopifyRefund = z.looseObject({
  id: z.number().int(),
  order_id: z.number().int(),
  transactions: z.array(z.looseObject({ amount: money, kind: z.string().optional(), status: z.string().optional(), currency: z.string().optional() })).optional(),
});

/** A Shopify refunds/create body: the refund of one order. */
export function parseShopifyRefund(payload: unknown): ShopRefund {
  const parsed = shopifyRefund.safeParse(payload);
  if (!parsed.success) throw issuesOf(parsed.error);
  const r = parsed.data;
  const tx = (r.transactions ?? []).filter((t) => (t.kind ?? 'refund') === 'refund' && (t.status ?? 'success') === 'success');
  const currency = tx.find((t) => t.currency)?.currency?.toUpperCase();
  const digits = (currency === undefined ? undefined : minorDigitsOf(currency)) ?? 2;
  return {
    provider: 'shopify',
    externalOrderId: String(r.order_id),
    refundId: String(r.id),
    amount: tx.reduce((s, t, i) => s + toMinor(t.amount, digits, `transactions.${i}.amount`), 0),
    currency,
  };
}

// --- Allegro ----------------------------------------------------------------------------
const allegroPrice = z.looseObject({ amount: money, currency: z.string() });
const allegroForm = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  messageToSeller: z.string().nullish(),
  buyer: z.looseObject({
    id: z.string().nullish(),
    email: z.string().nullish(),
    login: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    companyName: z.string().nullish(),
    phoneNumber: z.string().nullish(),
    address: z.looseObject({ street: z.string().nullish(), city: z.string().nullish(), postCode: z.string().nullish(), countryCode: z.string().nullish() }).nullish(),
  }),
  delivery: z.looseObject({ method: z.looseObject({ name: z.string().nullish() }).nullish(), cost: allegroPrice.nullish() }).nullish(),
  invoice: z
    .looseObject({
      required: z.boolean().nullish(),
      address: z
        .looseObject({
          street: z.string().nullish(),
          city: z.string().nullish(),
          zipCode: z.string().nullish(),
          countryCode: z.string().nullish(),
          company: z.looseObject({ name: z.string().nullish(), taxId: z.string().nullish() }).nullish(),
          naturalPerson: z.looseObject({ firstName: z.string().nullish(), lastName: z.string().nullish() }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
  lineItems: z.array(
    z.looseObject({
      offer: z.looseObject({ id: z.string().nullish(), name: z.string(), external: z.looseObject({ id: z.string().nullish() }).nullish() }),
      quantity: z.number().positive(),
      price: allegroPrice,
      selectedAdditionalServices: z.array(z.looseObject({ name: z.string().nullish(), price: allegroPrice, quantity: z.number().positive().nullish() })).nullish(),
      boughtAt: z.string().nullish(),
    }),
  ),
  discounts: z.array(z.looseObject({ type: z.string() })).nullish(),
  summary: z.looseObject({ totalToPay: allegroPrice }),
  updatedAt: z.string().nullish(),
});

/** Allegro's default VAT rate assumption: the Polish standard rate. */
export const ALLEGRO_DEFAULT_VAT_RATE = 23;

/**
 * An Allegro checkout form (`GET /order/checkout-forms/{id}`) as a shop order. Allegro prices
 * are GROSS (what the buyer pays) and the form carries no VAT rate, so each line's gross is
 * netted at `vatRate` (the integration's setting, the Polish standard 23 % by default) and
 * the invoice's notes say so. The delivery cost and paid additional services are lines of
 * their own; the buyer is the invoice address's company (with its tax id, a validated NIP
 * for PL) or natural person, else the buyer's own name. A CANCELLED form is a cancellation.
 */
export function parseAllegroCheckoutForm(payload: unknown, today: string, vatRate: number = ALLEGRO_DEFAULT_VAT_RATE): ShopOrder {
  const parsed = allegroForm.safeParse(payload);
  if (!parsed.success) throw issuesOf(parsed.error);
  const f = parsed.data;
  const { currency, digits } = currencyOf(f.summary.totalToPay.currency);
  const m = (v: unknown, field: string) => toMinor(v, digits, field);
  const sameCurrency = (p: { currency: string }, field: string) => {
    if (p.currency.toUpperCase() !== currency) throw notAnOrder(field, `must be in the order's currency ${currency}`);
  };
  // Net of a gross amount at the rate, half-up in minor units (integer arithmetic).
  const netOf = (gross: number) => Math.round((gross * 10_000) / (10_000 + Math.round(vatRate * 100)));
  const lines: LineRequest[] = [];
  let tax = 0;
  const add = (description: string, quantity: number, gross: number, field: string) => {
    const net = netOf(gross);
    tax += gross - net;
    lines.push(lineOf(description, quantity, net, vatRate, field));
  };
  f.lineItems.forEach((l, i) => {
    sameCurrency(l.price, `lineItems.${i}.price.currency`);
    const name = l.offer.name + (text(l.offer.external?.id) ? ` (${l.offer.external!.id!.trim()})` : '');
    add(name, l.quantity, m(l.price.amount, `lineItems.${i}.price.amount`) * l.quantity, `lineItems.${i}`);
    (l.selectedAdditionalServices ?? []).forEach((s, j) => {
      sameCurrency(s.price, `lineItems.${i}.selectedAdditionalServices.${j}.price.currency`);
      const q = s.quantity ?? 1;
      add(`${s.name ?? 'Additional service'} (${l.offer.name})`, q, m(s.price.amount, `lineItems.${i}.selectedAdditionalServices.${j}.price.amount`) * q, `lineItems.${i}.selectedAdditionalServices.${j}`);
    });
  });
  if (lines.length === 0) throw notAnOrder('lineItems', 'an order needs at least one line');
  const cost = f.delivery?.cost;
  let shipping = 0;
  if (cost) {
    sameCurrency(cost, 'delivery.cost.currency');
    shipping = m(cost.amount, 'delivery.cost.amount');
    if (shipping > 0) add(`Shipping: ${text(f.delivery?.method?.name) ?? 'delivery'}`, 1, shipping, 'delivery.cost');
  }
  const notes = [`Allegro prices are gross; VAT at ${vatRate}% assumed (Allegro does not send the rate).`];
  const discounts = (f.discounts ?? []).map((d) => d.type);
  if (discounts.length) notes.push(`Allegro discounts: ${discounts.join(', ')} (already in the line prices).`);
  if (text(f.messageToSeller)) notes.push(`Buyer's message: ${clip(f.messageToSeller!.trim(), 300)}`);
  const b = f.buyer;
  const inv = f.invoice?.address ?? undefined;
  const person = [b.firstName, b.lastName].map(text).filter(Boolean).join(' ');
  const invoicePerson = [inv?.naturalPerson?.firstName, inv?.naturalPerson?.lastName].map(text).filter(Boolean).join(' ');
  const address = text(inv?.street)
    ? { line1: inv!.street!.trim(), postalCode: text(inv?.zipCode), city: text(inv?.city), country: text(inv?.countryCode) }
    : text(b.address?.street)
      ? { line1: b.address!.street!.trim(), postalCode: text(b.address?.postCode), city: text(b.address?.city), country: text(b.address?.countryCode) }
      : undefined;
  const cancelled = f.status === 'CANCELLED';
  return {
    provider: 'allegro',
    externalId: f.id,
    number: f.id,
    status: f.status,
    event: cancelled ? 'cancelled' : 'order',
    currency,
    orderDate: dateOf(f.lineItems[0]?.boughtAt ?? f.updatedAt, today),
    customer: {
      name: text(inv?.company?.name) ?? (invoicePerson || text(b.companyName) || person || text(b.login) || `Allegro buyer ${b.id ?? f.id}`),
      email: text(b.email)?.toLowerCase(),
      taxId: text(inv?.company?.taxId),
      phone: text(b.phoneNumber),
      address,
    },
    lines,
    totals: { gross: m(f.summary.totalToPay.amount, 'summary.totalToPay.amount'), tax, shipping, discount: 0 },
    refunded: 0,
    notes,
  };
}
