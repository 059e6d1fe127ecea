import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { priceLines } from '#shared/domain/invoicing/money.js';
import { parseAllegroCheckoutForm, parseShopifyOrder, parseShopifyRefund, parseWooCommerceOrder, toMinor } from '#shared/integrations/shop-orders.js';

/* Real provider payloads (test/fixtures, see SOURCES.md there) mapped to the invoice they become. */
const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
const TODAY = '2026-12-04';

describe('WooCommerce orders', () => {
  it('the documented order 727 becomes two product lines and a shipping line whose totals equal the shop total', () => {
    const order = parseWooCommerceOrder(fixture('woocommerce/order.created.wc-v3.docs-example.json'), TODAY);
    expect(order).toMatchObject({ provider: 'woocommerce', externalId: '727', number: '727', status: 'processing', event: 'order', currency: 'USD', orderDate: '2017-03-22' });
    expect(order.customer).toEqual({
      name: 'John Doe',
      email: 'john.doe@example.com',
      taxId: undefined,
      phone: '(555) 555-5555',
      address: { line1: '969 Market', line2: undefined, postalCode: '94103', city: 'San Francisco', country: 'US' },
    });
    expect(order.lines).toEqual([
      { description: 'Woo Single #1', quantity: 2, unitPrice: 300, vatRate: 7.5 },
      // `&ndash;` as the character, the SKU named.
      { description: 'Ship Your Idea – Color: Black, Size: M Test (Bar3)', quantity: 1, unitPrice: 1200, vatRate: 7.5 },
      { description: 'Shipping: Flat Rate', quantity: 1, unitPrice: 1000, vatRate: 0 },
    ]);
    expect(order.totals).toEqual({ gross: 2935, tax: 135, shipping: 1000, discount: 0 });
    const priced = priceLines(order.lines);
    expect({ net: priced.net, vat: priced.vat, gross: priced.gross }).toEqual({ net: 2800, vat: 135, gross: 2935 });
  });

  it('the updated (completed) order is the same order in another status', () => {
    const order = parseWooCommerceOrder(fixture('woocommerce/order.updated.wc-v3.docs-example.json'), TODAY);
    expect(order).toMatchObject({ externalId: '727', status: 'completed', event: 'order' });
    expect(priceLines(order.lines).gross).toBe(2935);
  });

  it('maps discounts into the lines, fees, coupons, refunds, a VAT number and a cancellation', () => {
    const base = fixture('woocommerce/order.created.wc-v3.docs-example.json') as Record<string, unknown>;
    const order = parseWooCommerceOrder(
      {
        ...base,
        status: 'cancelled',
        currency: 'EUR',
        line_items: [{ name: 'Mug', quantity: 3, subtotal: '30.00', total: '25.00', total_tax: '5.75', sku: '' }],
        fee_lines: [{ name: 'Gift wrap', total: '2.00', total_tax: '0.46' }],
        coupon_lines: [{ code: 'SPRING5', discount: '5.00' }],
        refunds: [{ id: 9, total: '-4.00' }],
        meta_data: [{ key: '_billing_vat', value: 'PL5260250274' }],
      },
      TODAY,
    );
    expect(order.event).toBe('cancelled');
    expect(order.currency).toBe('EUR');
    expect(order.customer.taxId).toBe('PL5260250274');
    expect(order.refunded).toBe(400);
    expect(order.lines).toEqual([
      // 25.00 does not divide by 3: one line of the exact amount, the quantity named.
      { description: 'Mug, discount 5.00 applied × 3', quantity: 1, unitPrice: 2500, vatRate: 23 },
      { description: 'Shipping: Flat Rate', quantity: 1, unitPrice: 1000, vatRate: 0 },
      { description: 'Gift wrap', quantity: 1, unitPrice: 200, vatRate: 23 },
    ]);
    expect(order.notes).toContain('Coupons: SPRING5.');
  });

  it('a payload that is not an order is a 400 naming the field', () => {
    expect(() => parseWooCommerceOrder({ id: 5, name: 'a product' }, TODAY)).toThrow(expect.objectContaining({ status: 400 }));
    try {
      parseWooCommerceOrder({ id: 5, status: 'x', currency: 'USD', total: '1.00' }, TODAY);
    } catch (e) {
      expect((e as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('body.line_items');
    }
    expect(() => parseWooCommerceOrder({ ...(fixture('woocommerce/order.created.wc-v3.docs-example.json') as object), currency: 'XYZ1' }, TODAY)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});

describe('Shopify orders', () => {
  it('the REST fixture order #1001 maps its lines at the order tax rate, its shipping, its discount code, and flags the total it does not reach', () => {
    const order = parseShopifyOrder((fixture('shopify/order.shopify_python_api-fixture.json') as { order: unknown }).order, TODAY);
    expect(order).toMatchObject({ provider: 'shopify', externalId: '450789469', number: '#1001', status: 'authorized', event: 'order', currency: 'USD', orderDate: '2008-01-10' });
    expect(order.customer).toMatchObject({ name: 'Bob Norman', email: 'bob.norman@hostmail.com', phone: '555-625-1199' });
    expect(order.customer.address).toMatchObject({ line1: 'Chestnut Street 92', city: 'Louisville', postalCode: '40202' });
    expect(order.lines).toEqual([
      { description: 'IPod Nano - 8gb - green (IPOD2008GREEN)', quantity: 1, unitPrice: 19900, vatRate: 6 },
      { description: 'IPod Nano - 8gb - red (IPOD2008RED)', quantity: 1, unitPrice: 19900, vatRate: 6 },
      { description: 'IPod Nano - 8gb - black (IPOD2008BLACK)', quantity: 1, unitPrice: 19900, vatRate: 6 },
      { description: 'Shipping: Free Shipping', quantity: 1, unitPrice: 0, vatRate: 0 },
    ]);
    expect(order.totals).toEqual({ gross: 40994, tax: 1194, shipping: 0, discount: 0 });
    expect(order.notes).toEqual(['Discount codes: TENOFF (10.00).']);
  });

  it('taxes included in prices, discount allocations and per-line tax lines give the net lines', () => {
    const order = parseShopifyOrder(
      {
        id: 1,
        name: '#9',
        currency: 'PLN',
        taxes_included: true,
        total_price: '113.00',
        cancelled_at: null,
        line_items: [{ name: 'Book', quantity: 2, price: '61.50', tax_lines: [{ price: '21.00', rate: 0.05 }], discount_allocations: [{ amount: '10.00' }] }],
        shipping_lines: [{ title: 'Courier', price: '12.30', tax_lines: [{ price: '2.30', rate: 0.23 }] }],
      },
      TODAY,
    );
    expect(order.lines).toEqual([
      { description: 'Book, discount 10.00 applied', quantity: 2, unitPrice: 4600, vatRate: 5 },
      { description: 'Shipping: Courier', quantity: 1, unitPrice: 1000, vatRate: 23 },
    ]);
  });

  it('a cancelled order, and a refund on its own', () => {
    const fx = (fixture('shopify/order.shopify_python_api-fixture.json') as { order: Record<string, unknown> }).order;
    expect(parseShopifyOrder({ ...fx, cancelled_at: '2008-01-11T00:00:00-05:00' }, TODAY).event).toBe('cancelled');
    expect(parseShopifyRefund({ id: 77, order_id: 450789469, transactions: [{ amount: '41.94', kind: 'refund', status: 'success', currency: 'USD' }] })).toEqual({
      provider: 'shopify',
      externalOrderId: '450789469',
      refundId: '77',
      amount: 4194,
      currency: 'USD',
    });
    expect(() => parseShopifyRefund({ id: 1 })).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('amounts', () => {
  it('decimal strings become minor units exactly, by the currency digits, half-up', () => {
    expect(toMinor('29.35', 2, 'x')).toBe(2935);
    expect(toMinor('0.9', 2, 'x')).toBe(90);
    expect(toMinor('1000', 0, 'x')).toBe(1000);
    expect(toMinor('1.0005', 3, 'x')).toBe(1001);
    expect(toMinor(0.1, 2, 'x')).toBe(10);
    expect(toMinor('-4.00', 2, 'x')).toBe(-400);
    expect(() => toMinor('1e5', 2, 'x')).toThrow();
  });
});

describe('Allegro checkout forms', () => {
  it('the documented paid form becomes the offer line and a shipping line, netted at 23 %, whose gross equals totalToPay', () => {
    const order = parseAllegroCheckoutForm(fixture('allegro/checkout-form.ready-for-processing.json'), TODAY);
    expect(order).toMatchObject({
      provider: 'allegro',
      externalId: '29738e61-7f6a-11e8-ac45-09db60ede9d6',
      number: '29738e61-7f6a-11e8-ac45-09db60ede9d6',
      status: 'READY_FOR_PROCESSING',
      event: 'order',
      currency: 'PLN',
      orderDate: '2018-10-12',
    });
    // The invoice goes to the company of the invoice address, with its NIP.
    expect(order.customer).toEqual({
      name: 'Allegro',
      email: 'user-email@allegro.pl',
      taxId: '5252674798',
      phone: undefined,
      address: { line1: 'Grunwaldzka 182', postalCode: '60-166', city: 'Poznań', country: 'PL' },
    });
    expect(order.lines).toEqual([
      // 2 × 123.45 gross = 246.90 = 200.73 net + 46.17 VAT; 200.73 does not divide by 2, so one line of the exact amount.
      { description: 'Name of purchased offer (AH-129834) × 2', quantity: 1, unitPrice: 20073, vatRate: 23 },
      { description: 'Shipping: Allegro Paczkomaty InPost', quantity: 1, unitPrice: 1056, vatRate: 23 },
    ]);
    expect(order.totals).toEqual({ gross: 25989, tax: 4860, shipping: 1299, discount: 0 });
    const priced = priceLines(order.lines);
    expect({ net: priced.net, vat: priced.vat, gross: priced.gross }).toEqual({ net: 21129, vat: 4860, gross: 25989 });
    expect(order.notes.join(' ')).toContain('VAT at 23% assumed');
    expect(order.notes.join(' ')).toContain('Please send me an item in red color');
  });

  it('takes the rate of the integration, a natural person without a company, and the buyer when there is no invoice', () => {
    const form = fixture('allegro/checkout-form.ready-for-processing.json') as Record<string, unknown>;
    const person = parseAllegroCheckoutForm(
      { ...form, invoice: { required: true, address: { street: 'Solna 1', city: 'Poznań', zipCode: '60-166', countryCode: 'PL', naturalPerson: { firstName: 'Anna', lastName: 'Nowak' } } } },
      TODAY,
      8,
    );
    expect(person.customer).toMatchObject({ name: 'Anna Nowak', taxId: undefined, address: { line1: 'Solna 1' } });
    expect(person.lines.map((l) => l.vatRate)).toEqual([8, 8]);
    expect(priceLines(person.lines).gross).toBe(25989);
    const noInvoice = parseAllegroCheckoutForm({ ...form, invoice: { required: false } }, TODAY);
    expect(noInvoice.customer).toMatchObject({ name: 'Jan Kowalski', address: { line1: 'Solna', postalCode: '60-166', city: 'Poznań', country: 'PL' } });
  });

  it('a cancelled form is a cancellation; something that is not a checkout form is a 400 naming the field', () => {
    expect(parseAllegroCheckoutForm(fixture('allegro/checkout-form.cancelled.json'), TODAY)).toMatchObject({ status: 'CANCELLED', event: 'cancelled' });
    const form = fixture('allegro/checkout-form.ready-for-processing.json') as Record<string, unknown>;
    expect(() => parseAllegroCheckoutForm({ ...form, summary: {} }, TODAY)).toThrow(expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'body.summary.totalToPay' })] }));
    expect(() => parseAllegroCheckoutForm({ ...form, delivery: { cost: { amount: '1.00', currency: 'EUR' } } }, TODAY)).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ field: 'body.delivery.cost.currency' })] }),
    );
  });
});
