/*
 * ISO 4217 currencies in circulation with their minor-unit digits (the exponent of the
 * list's "Minor unit" column). Money is always stored in integer minor units of its
 * currency (cents for EUR, yen for JPY, fils for KWD), so the digits matter only when an
 * amount is shown as a decimal (exports). Funds and metals without minor units (XAU, XDR,
 * ...) are left out: nobody invoices in them.
 */
const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR = 'CLF UYW';
const TWO =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
  'GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR ' +
  'LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD ' +
  'PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC ' +
  'SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const table = new Map<string, number>();
for (const [codes, digits] of [
  [ZERO, 0],
  [TWO, 2],
  [THREE, 3],
  [FOUR, 4],
] as const) {
  for (const code of codes.split(' ')) table.set(code, digits);
}

export const CURRENCY_CODES: readonly string[] = [...table.keys()].sort();

export const isCurrency = (code: string): boolean => table.has(code);

/** Minor-unit digits of a currency; undefined for a code that is not on the list. */
export const minorDigitsOf = (code: string): number | undefined => table.get(code);

/**
 * An amount in minor units as a plain decimal string in its currency: 12345 EUR -> "123.45",
 * 12345 JPY -> "12345", 12345 KWD -> "12.345". Exact for every safe integer (no floats).
 */
export function formatMinor(amount: number, currency: string): string {
  const digits = minorDigitsOf(currency) ?? 2;
  const negative = amount < 0;
  const s = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return negative ? `-${whole}` : whole;
}
