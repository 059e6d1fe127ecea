import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { divRoundHalfUp, documentTotals, lineTotals, toScaled, MAX_AMOUNT } from '#shared/domain/invoicing/money.js';
import { ValidationError } from '#shared/domain/errors.js';
import { formatMinor, isCurrency, minorDigitsOf } from '#shared/domain/invoicing/currency.js';

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return (e.errors ?? []).map((x) => x.field);
    throw e;
  }
  throw new Error('expected a ValidationError');
};

describe('line totals: per line, half-up, in minor units', () => {
  it.each([
    // [quantity, unitPrice, vatRate, net, vat]
    [1, 1000, 23, 1000, 230],
    [1.5, 1001, 23, 1502, 345], // 1501.5 -> 1502 (half up); 345.46 -> 345
    [3, 50, 5, 150, 8], // VAT 7.5 -> 8: an exact half goes up, not to even (which would be 8 too)
    [1, 250, 1, 250, 3], // VAT 2.5 -> 3 (half-even would give 2)
    [0.5, 1, 0, 1, 0], // 0.5 -> 1 (half-even would give 0)
    [0.001, 499, 0, 0, 0], // 0.499 -> 0
    [0.001, 500, 0, 1, 0], // 0.5 -> 1
    [2.333, 300, 8.5, 700, 60], // 699.9 -> 700; 59.5 -> 60
    [10, 199, 0, 1990, 0],
    [1, 0, 23, 0, 0],
  ])('%s x %s at %s percent VAT is net %s, VAT %s', (quantity, unitPrice, vatRate, net, vat) => {
    expect(lineTotals({ quantity, unitPrice, vatRate })).toEqual({ net, vat, gross: net + vat });
  });

  it('sums the rounded lines for the document: rounding per line, not on the sum', () => {
    // Three lines of 0.5 cent VAT each: per line 1+1+1 = 3; on the sum 1.5 -> 2.
    const t = documentTotals([1, 2, 3].map(() => ({ quantity: 1, unitPrice: 10, vatRate: 5 })));
    expect(t.lines.map((l) => l.vat)).toEqual([1, 1, 1]);
    expect(t).toMatchObject({ net: 30, vat: 3, gross: 33 });
  });

  it('computes exactly where floating point would not: 0.1 x 3 and large prices', () => {
    expect(lineTotals({ quantity: 0.1, unitPrice: 3, vatRate: 0 }).net).toBe(0); // 0.3 -> 0
    expect(lineTotals({ quantity: 0.3, unitPrice: 5, vatRate: 0 }).net).toBe(2); // 1.5 -> 2 (0.3*5 = 1.4999999 in floats)
    expect(lineTotals({ quantity: 3, unitPrice: 3_000_000_000_000_000, vatRate: 0 }).net).toBe(9_000_000_000_000_000);
  });

  it('refuses an overflowing line naming the line, and an overflowing document naming the lines', () => {
    expect(fieldsOf(() => lineTotals({ quantity: 2, unitPrice: MAX_AMOUNT, vatRate: 0 }, 'body.lines.4'))).toEqual(['body.lines.4']);
    expect(fieldsOf(() => lineTotals({ quantity: 1, unitPrice: MAX_AMOUNT, vatRate: 1 }))).toEqual(['lines.0']);
    const big = { quantity: 1, unitPrice: MAX_AMOUNT - 1, vatRate: 0 };
    expect(fieldsOf(() => documentTotals([big, big], 'body.lines'))).toEqual(['body.lines']);
  });

  it('names every bad field of every line at once', () => {
    const fields = fieldsOf(() =>
      documentTotals(
        [
          { quantity: -1, unitPrice: 1, vatRate: 0 },
          { quantity: 1, unitPrice: 1.5, vatRate: 100.001 },
        ],
        'body.lines',
      ),
    );
    expect(fields).toEqual(['body.lines.0.quantity', 'body.lines.1.unitPrice', 'body.lines.1.vatRate']);
  });

  it('rounds half-up exactly for any product (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (n, d) => {
        const q = divRoundHalfUp(n, d);
        // q is the nearest integer to n/d with ties upwards: -d/2 <= n - q*d < d/2.
        const diff = n - q * d;
        expect(2n * diff < d && 2n * diff >= -d).toBe(true);
      }),
    );
  });

  it('keeps every line total within safe integers or refuses it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000_000 }).map((q) => q / 1000),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 10_000 }).map((r) => r / 100),
        (quantity, unitPrice, vatRate) => {
          try {
            const t = lineTotals({ quantity, unitPrice, vatRate });
            expect(Number.isSafeInteger(t.gross) && t.gross === t.net + t.vat).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
          }
        },
      ),
    );
  });
});

describe('decimal scaling', () => {
  it('reads decimals through their text, never through float multiplication', () => {
    expect(toScaled(0.1, 3)).toBe(100n);
    expect(toScaled(1.005, 3)).toBe(1005n);
    expect(toScaled(1.0005, 3)).toBeUndefined();
    expect(toScaled(1e-7, 3)).toBeUndefined();
    expect(toScaled(1e21, 3)).toBeUndefined();
    expect(toScaled(Number.NaN, 2)).toBeUndefined();
  });
});

describe('ISO 4217 currencies', () => {
  it('knows minor-unit digits: 2 for EUR, 0 for JPY, 3 for KWD, 4 for CLF', () => {
    expect([minorDigitsOf('EUR'), minorDigitsOf('JPY'), minorDigitsOf('KWD'), minorDigitsOf('CLF')]).toEqual([2, 0, 3, 4]);
  });

  it('refuses codes that are not on the list', () => {
    expect(['XYZ', 'eur', 'EURO', 'XAU', ''].map(isCurrency)).toEqual([false, false, false, false, false]);
  });

  it('formats minor units as exact decimals of the currency', () => {
    expect([formatMinor(12345, 'EUR'), formatMinor(12345, 'JPY'), formatMinor(12345, 'KWD'), formatMinor(5, 'EUR'), formatMinor(0, 'EUR')]).toEqual([
      '123.45',
      '12345',
      '12.345',
      '0.05',
      '0.00',
    ]);
    expect(formatMinor(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('90071992547409.91');
  });
});
