import { ValidationError, type FieldError } from '../errors.js';

/*
 * Line and document totals in integer minor units.
 *
 * Representation: unit prices are integer minor units of the document's currency;
 * quantities are decimals with at most 3 places, held as integer thousandths; VAT rates are
 * percentages with at most 2 places, held as integer basis points (23% = 2300).
 *
 * Rounding rule (documented in docs/data-model.md): PER LINE, HALF-UP.
 *   net(line) = round_half_up(quantity * unitPrice)
 *   vat(line) = round_half_up(net(line) * rate)
 *   document net / vat / gross = the sums of the lines' (already rounded) values.
 * Half-up ("commercial rounding", the rule most EU VAT administrations describe) rounds an
 * exact half away from zero; every amount here is non-negative, so that is upwards.
 * Products are computed in BigInt, so no intermediate ever loses precision; any result
 * above Number.MAX_SAFE_INTEGER is refused as an overflow rather than stored inexactly.
 */

export const QUANTITY_SCALE = 1000n;
export const RATE_SCALE = 10_000n; // basis points per unit (100% = 10000)
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

export interface LineInput {
  /** Decimal quantity, > 0, at most 3 decimals. */
  quantity: number;
  /** Unit price in minor units, a non-negative safe integer. */
  unitPrice: number;
  /** VAT rate in percent, 0..100, at most 2 decimals. */
  vatRate: number;
}

export interface LineTotals {
  net: number;
  vat: number;
  gross: number;
}

export interface DocumentTotals extends LineTotals {
  lines: LineTotals[];
}

/** round(n / d) half-up for n >= 0, d > 0. */
export const divRoundHalfUp = (n: bigint, d: bigint): bigint => (2n * n + d) / (2n * d);

/** A decimal with at most `places` places as an integer of 10^-places, or undefined if it has more. */
export function toScaled(value: number, places: number): bigint | undefined {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return undefined;
  // Through the shortest decimal representation, never through float multiplication:
  // 0.1 * 1000 is 100.00000000000001 in binary floating point.
  const text = value.toString();
  if (/e/i.test(text)) {
    const fixed = value.toFixed(places);
    return Number(fixed) === value ? BigInt(fixed.replace('.', '')) : undefined;
  }
  const [whole, frac = ''] = text.split('.');
  if (frac.length > places) return undefined;
  return BigInt(`${whole}${frac.padEnd(places, '0')}`);
}

const toSafe = (v: bigint): number | undefined => (v <= BigInt(MAX_AMOUNT) && v >= 0n ? Number(v) : undefined);

/**
 * Totals of one line. Throws ValidationError naming `<field>.quantity`, `.unitPrice`,
 * `.vatRate` or the line itself (overflow).
 */
export function lineTotals(line: LineInput, field = 'lines.0'): LineTotals {
  const errors: FieldError[] = [];
  const q = toScaled(line.quantity, 3);
  if (q === undefined || q <= 0n) errors.push({ field: `${field}.quantity`, message: 'must be greater than 0 with at most 3 decimals' });
  if (!Number.isSafeInteger(line.unitPrice) || line.unitPrice < 0) {
    errors.push({ field: `${field}.unitPrice`, message: 'must be a non-negative safe integer of minor units' });
  }
  const r = toScaled(line.vatRate, 2);
  if (r === undefined || r < 0n || r > 10_000n) errors.push({ field: `${field}.vatRate`, message: 'must be a percentage 0..100 with at most 2 decimals' });
  if (errors.length) throw new ValidationError('invalid line', { errors });

  const netBig = divRoundHalfUp(q! * BigInt(line.unitPrice), QUANTITY_SCALE);
  const vatBig = divRoundHalfUp(netBig * r!, RATE_SCALE);
  return checkedTotals(netBig, vatBig, field, 'the line amount overflows', 'the line total');
}

/** Net, VAT and gross (their sum) in minor units, or a 422 on `field` when any of them exceeds MAX_AMOUNT. */
function checkedTotals(netBig: bigint, vatBig: bigint, field: string, detail: string, what: string): LineTotals {
  const net = toSafe(netBig);
  const vat = toSafe(vatBig);
  const gross = toSafe(netBig + vatBig);
  if (net === undefined || vat === undefined || gross === undefined) {
    throw new ValidationError(detail, { errors: [{ field, message: `${what} exceeds ${MAX_AMOUNT} minor units` }] });
  }
  return { net, vat, gross };
}

/** Totals of a document: every line rounded on its own, then summed (checked for overflow). */
export function documentTotals(lines: readonly LineInput[], field = 'lines'): DocumentTotals {
  const errors: FieldError[] = [];
  const out: LineTotals[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      out.push(lineTotals(line, `${field}.${i}`));
    } catch (e) {
      if (e instanceof ValidationError && e.errors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length) throw new ValidationError(`${errors.length} invalid line field${errors.length === 1 ? '' : 's'}`, { errors });
  let net = 0n;
  let vat = 0n;
  for (const l of out) {
    net += BigInt(l.net);
    vat += BigInt(l.vat);
  }
  return { ...checkedTotals(net, vat, field, 'the document total overflows', 'the document total'), lines: out };
}

/** a + b for safe non-negative amounts, refusing overflow. */
export function addAmounts(a: number, b: number, field: string): number {
  const sum = toSafe(BigInt(a) + BigInt(b));
  if (sum === undefined) {
    throw new ValidationError('the amount overflows', { errors: [{ field, message: `exceeds ${MAX_AMOUNT} minor units` }] });
  }
  return sum;
}

/** A line as a request names it: what it sells and the three numbers that price it. */
export interface LineRequest extends LineInput {
  description: string;
  itemId?: string | undefined;
  unit?: string | undefined;
}

/** A line as a document keeps it: the request's fields and the line's own rounded totals. */
export type PricedLine = LineRequest & LineTotals;

/** Prices every line (per line, half-up) and totals the document; 400 naming the line on overflow. */
export function priceLines(lines: readonly LineRequest[], field = 'body.lines'): { lines: PricedLine[]; net: number; vat: number; gross: number } {
  const totals = documentTotals(lines, field);
  return {
    lines: lines.map((l, i) => ({
      description: l.description,
      itemId: l.itemId,
      quantity: l.quantity,
      unit: l.unit,
      unitPrice: l.unitPrice,
      vatRate: l.vatRate,
      ...totals.lines[i]!,
    })),
    net: totals.net,
    vat: totals.vat,
    gross: totals.gross,
  };
}
