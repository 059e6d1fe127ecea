import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discountLines, isDiscountLine } from '#shared/domain/invoicing/discount.js';
import { priceLines } from '#shared/domain/invoicing/money.js';

/* The promo-code discount lines: per VAT rate, per line half-up, exact for fixed amounts. */
const doc = (lines: Array<{ quantity: number; unitPrice: number; vatRate: number }>) =>
  priceLines(lines.map((l) => ({ description: 'x', ...l }))).lines;

describe('discount lines', () => {
  it('takes a percent of each VAT rate’s net, half-up, one negative line per rate (highest rate first)', () => {
    const lines = discountLines(doc([{ quantity: 2, unitPrice: 10_000, vatRate: 23 }, { quantity: 1, unitPrice: 3_333, vatRate: 5 }]), { kind: 'percent', percent: 12.5 }, 'P');
    expect(lines.map((l) => [l.vatRate, l.net, l.vat, l.gross])).toEqual([
      [23, -2500, -575, -3075],
      [5, -417, -21, -438],
    ]);
    expect(lines.every(isDiscountLine)).toBe(true);
  });

  it('with one VAT rate, the line is named by the label alone', () => {
    expect(discountLines(doc([{ quantity: 1, unitPrice: 100, vatRate: 23 }]), { kind: 'percent', percent: 50 }, 'Promo code X')[0]!.description).toBe('Promo code X');
  });

  it('splits a fixed amount exactly, never more than the net, never below zero per rate', () => {
    const line = fc.record({ quantity: fc.integer({ min: 1, max: 50 }), unitPrice: fc.integer({ min: 0, max: 1_000_000 }), vatRate: fc.constantFrom(0, 5, 8, 23) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100_000_000 }), (ls, amount) => {
        const priced = doc(ls);
        const net = priced.reduce((s, l) => s + l.net, 0);
        const off = discountLines(priced, { kind: 'fixed', amount }, 'F');
        const total = off.reduce((s, l) => s + l.net, 0);
        // abs, not -total: with a zero net there are no lines and -0 is not Object.is 0.
        expect(Math.abs(total)).toBe(Math.min(amount, net));
        for (const l of off) {
          const base = priced.filter((p) => p.vatRate === l.vatRate).reduce((s, p) => s + p.net, 0);
          expect(l.net).toBeLessThan(0);
          expect(-l.net).toBeLessThanOrEqual(base);
          expect(l.gross).toBe(l.net + l.vat);
        }
      }),
    );
  });

  it('a percent of 100 takes the whole net and the whole VAT of each rate', () => {
    const priced = doc([{ quantity: 3, unitPrice: 999, vatRate: 23 }, { quantity: 1, unitPrice: 1, vatRate: 8 }]);
    const off = discountLines(priced, { kind: 'percent', percent: 100 }, 'all');
    expect(off.reduce((s, l) => s + l.gross, 0)).toBe(-priced.reduce((s, l) => s + l.gross, 0));
  });
});
