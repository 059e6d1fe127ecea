import { divRoundHalfUp, RATE_SCALE, toScaled, type PricedLine } from './money.js';

/*
 * The lines a promo code adds to a document: a discount is shown as its own negative
 * line(s), never hidden in the other lines' prices. VAT is owed on what is charged, so a
 * discount reduces each VAT rate's base by its share: one negative line per VAT rate the
 * document carries, each with that rate.
 *
 *   percent p: per rate, net off = round_half_up(net of the rate * p / 100), VAT off =
 *              round_half_up(net off * rate), both per line and half-up like every line;
 *   fixed F:   a net amount, capped at the document's net, split across rates in
 *              proportion to their net (largest remainder, so the parts sum to F exactly),
 *              VAT off per rate as above.
 * Only positive lines form the base: a document carries at most one promo code, and its
 * discount lines are its only negative ones (line inputs are never negative).
 */
export type Discount = { kind: 'percent'; percent: number } | { kind: 'fixed'; amount: number };

export const isDiscountLine = (l: { unitPrice: number }): boolean => l.unitPrice < 0;

export function discountLines(lines: readonly PricedLine[], discount: Discount, label: string): PricedLine[] {
  const base = new Map<number, bigint>();
  for (const l of lines) if (!isDiscountLine(l)) base.set(l.vatRate, (base.get(l.vatRate) ?? 0n) + BigInt(l.net));
  const rates = [...base.keys()].sort((a, b) => b - a);
  const total = rates.reduce((s, r) => s + base.get(r)!, 0n);
  const off = new Map<number, bigint>();
  if (discount.kind === 'percent') {
    const bp = toScaled(discount.percent, 2)!;
    for (const r of rates) off.set(r, divRoundHalfUp(base.get(r)! * bp, RATE_SCALE));
  } else if (total > 0n) {
    const amount = BigInt(discount.amount) < total ? BigInt(discount.amount) : total;
    let given = 0n;
    const shares = rates.map((r) => {
      const exact = amount * base.get(r)!;
      const floor = exact / total;
      given += floor;
      return { r, floor, rest: exact % total };
    });
    shares.sort((a, b) => (b.rest > a.rest ? 1 : b.rest < a.rest ? -1 : b.r - a.r));
    for (const [i, s] of shares.entries()) off.set(s.r, s.floor + (BigInt(i) < amount - given ? 1n : 0n));
  }
  return rates
    .filter((r) => (off.get(r) ?? 0n) > 0n)
    .map((r) => {
      const net = off.get(r)!;
      const vat = divRoundHalfUp(net * toScaled(r, 2)!, RATE_SCALE);
      return {
        description: rates.length > 1 ? `${label} (VAT ${r}%)` : label,
        quantity: 1,
        unitPrice: -Number(net),
        vatRate: r,
        net: -Number(net),
        vat: -Number(vat),
        gross: -Number(net + vat),
      };
    });
}
