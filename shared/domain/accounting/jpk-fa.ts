import type { Document } from '../../data/entities/document.js';
import { minorDigitsOf } from '../invoicing/currency.js';
import { Conflict, type FieldError } from '../errors.js';

/*
 * JPK_FA(4): the Polish SAF-T structure of a taxpayer's VAT invoices for a period (Ministry
 * of Finance schema, namespace below), which Polish accounting software imports and the
 * tax office may demand. One file holds the sales invoices issued in one calendar month:
 *
 *   Naglowek           the form, the period (DataOd..DataDo), the tax office (KodUrzedu)
 *   Podmiot1           the seller: NIP, full name, structured address
 *   Faktura*           one per invoice: currency, issue date, number, buyer and seller,
 *                      net (P_13_x) and VAT (P_14_x) per rate group, gross (P_15)
 *   FakturaCtrl        the number of invoices and the sum of their P_15
 *   FakturaWiersz*     one per invoice line: number, description, unit, quantity, unit net
 *                      price, net value, rate
 *   FakturaWierszCtrl  the number of lines and the sum of their P_11
 *
 * Amounts are written in the invoice's own currency, as the schema asks (KodWaluty names
 * it); its PLN VAT (P_14_xW) needs the NBP rate of the day before the sale, which Kontor
 * does not record, so it is left out. Sums come from the stored lines (net, VAT and gross
 * rounded once when the document was priced), so P_13_x/P_14_x agree with the VAT
 * register to the grosz. A discount is a negative line (promo codes) and is exported as
 * one: a negative unit price and net value, already included in its rate's P_13_x.
 *
 * What the structure cannot say is refused, never approximated: a VAT rate outside its
 * list, a currency it does not list or with more than two decimals, a period outside the
 * schema's dates. Corrections (KOREKTA), advance invoices (ZAL), exempt sales (P_19) and
 * reverse charge (oo) are not produced: Kontor's documents have no such kinds.
 */
export const JPK_FA_NAMESPACE = 'http://jpk.mf.gov.pl/wzor/2022/02/17/02171/';
export const ETD_NAMESPACE = 'http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2018/08/24/eD/DefinicjeTypy/';

/** The schema's date range for DataOd/DataDo (tns:TData). */
const FIRST_DAY = '2016-07-01';
const LAST_DAY = '2030-01-01';

/** P_13_x/P_14_x groups: each VAT rate the schema's P_12 lists, by the group its sums go to. */
const RATE_GROUPS: ReadonlyMap<number, 1 | 2 | 3 | 4 | 6> = new Map([
  [23, 1],
  [22, 1],
  [8, 2],
  [7, 2],
  [5, 3],
  [4, 4],
  [3, 4],
  [0, 6],
]);

/** Currencies Kontor accepts that JPK_FA(4)'s TKodWaluty does not list (newer ISO 4217 codes). */
const UNLISTED_CURRENCIES: ReadonlySet<string> = new Set(['SLE', 'VED', 'XCG', 'ZWG']);

/** The seller as Podmiot1 and P_3C/P_3D/P_4B need it. */
export interface JpkSeller {
  /** NIP, ten digits. */
  taxId: string;
  name: string;
  /** Four digits, the tax office's code (KodUrzedu). */
  taxOfficeCode: string;
  /** The address as one line, as on the invoice (P_3D). */
  addressLine: string;
  /** The structured address of Podmiot1: Polish (AdresPodmiotu) or foreign (AdresPodmiotu2). */
  address:
    | { country: 'PL'; voivodeship: string; county: string; commune: string; street?: string; buildingNumber: string; flatNumber?: string; city: string; postalCode: string }
    | { country: string; street?: string; buildingNumber?: string; flatNumber?: string; city: string; postalCode?: string };
}

export interface JpkBuyer {
  name?: string | undefined;
  addressLine?: string | undefined;
  /** As the client's record holds it; an EU prefix is split off into P_5A. */
  taxId?: string | undefined;
}

export interface JpkInvoice {
  document: Document;
  buyer: JpkBuyer;
}

export interface JpkFaInput {
  period: string;
  from: string;
  to: string;
  /** DataWytworzeniaJPK. */
  createdAt: string;
  seller: JpkSeller;
  invoices: readonly JpkInvoice[];
}

/** Where business settings and the integration's config leave a required value missing or unusable. */
export class ExportSettingsIncomplete extends Conflict {}
/** The period holds something JPK_FA cannot express (or nothing at all). */
export class NotExportable extends Conflict {}

// --- the seller ------------------------------------------------------------------------
const NIP_RE = /^[1-9]((\d[1-9])|([1-9]\d))\d{7}$/;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** A tax id as people write it (`PL 123-456-78-90`) reduced to its digits and letters. */
const compactTaxId = (v: string): string => v.replace(/[\s.-]/g, '').toUpperCase();

/**
 * The seller from the account's business settings (name, tax id, address as the invoices
 * show them) and the accounting-export integration's config (what only this export needs:
 * the tax office code and, for a Polish address, its voivodeship, county, commune and
 * building number). Every missing or unusable value is named at once.
 */
export function sellerOf(business: Record<string, unknown> | undefined, config: Record<string, unknown>): JpkSeller {
  const errors: FieldError[] = [];
  const need = (field: string, value: string | undefined, max: number, message = 'required for JPK_FA'): string => {
    if (value === undefined) errors.push({ field, message });
    else if (value.length > max) errors.push({ field, message: `at most ${max} characters in JPK_FA` });
    return value ?? '';
  };
  const optional = (field: string, value: string | undefined, max: number): string | undefined => {
    if (value !== undefined && value.length > max) errors.push({ field, message: `at most ${max} characters in JPK_FA` });
    return value;
  };

  const name = need('settings.business.legalName', text(business?.legalName) ?? text(business?.name), 240);
  const rawTaxId = text(business?.taxId);
  const taxId = rawTaxId === undefined ? undefined : compactTaxId(rawTaxId).replace(/^PL/, '');
  if (taxId === undefined) errors.push({ field: 'settings.business.taxId', message: 'required for JPK_FA: the seller NIP' });
  else if (!NIP_RE.test(taxId)) errors.push({ field: 'settings.business.taxId', message: 'must be a Polish NIP (10 digits) for JPK_FA' });
  const taxOfficeCode = text(config.taxOfficeCode);
  if (taxOfficeCode === undefined || !/^\d{4}$/.test(taxOfficeCode)) {
    errors.push({ field: 'integration.config.taxOfficeCode', message: 'required for JPK_FA: the four-digit code of the tax office (KodUrzedu)' });
  }

  const a = (business?.address ?? undefined) as Record<string, unknown> | undefined;
  const line1 = text(a?.line1);
  const city = need('settings.business.address.city', text(a?.city), 56);
  const postalCode = text(a?.postalCode);
  const country = text(a?.country) ?? 'PL';
  if (line1 === undefined) errors.push({ field: 'settings.business.address.line1', message: 'required for JPK_FA' });
  const addressLine = [line1, text(a?.line2), [postalCode, city].filter(Boolean).join(' '), country === 'PL' ? undefined : country]
    .filter(Boolean)
    .join(', ');

  const street = optional('integration.config.street', text(config.street), 65);
  const flatNumber = optional('integration.config.flatNumber', text(config.flatNumber), 10);
  let address: JpkSeller['address'];
  if (country === 'PL') {
    address = {
      country,
      voivodeship: need('integration.config.voivodeship', text(config.voivodeship), 36),
      county: need('integration.config.county', text(config.county), 36),
      commune: need('integration.config.commune', text(config.commune), 36),
      ...(street ? { street } : {}),
      buildingNumber: need('integration.config.buildingNumber', text(config.buildingNumber), 9),
      ...(flatNumber ? { flatNumber } : {}),
      city,
      postalCode: need('settings.business.address.postalCode', postalCode, 8),
    };
  } else {
    const buildingNumber = optional('integration.config.buildingNumber', text(config.buildingNumber), 9);
    address = {
      country,
      ...(street ? { street } : {}),
      ...(buildingNumber ? { buildingNumber } : {}),
      ...(flatNumber ? { flatNumber } : {}),
      city,
      ...(postalCode ? { postalCode: optional('settings.business.address.postalCode', postalCode, 8)! } : {}),
    };
  }

  if (errors.length > 0) {
    throw new ExportSettingsIncomplete('the seller data JPK_FA needs is incomplete: complete the business settings and the accounting-export integration', {
      errors,
      extensions: { reason: 'export-settings-incomplete' },
    });
  }
  return { taxId: taxId!, name, taxOfficeCode: taxOfficeCode!, addressLine, address };
}

// --- the buyer -------------------------------------------------------------------------
const EU_PREFIXES: ReadonlySet<string> = new Set(
  'AT BE BG CY CZ DK EE FI FR DE EL HR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE GB XI'.split(' '),
);

/** The buyer's P_5A/P_5B: a Polish NIP without its PL, an EU VAT number split into prefix and number. */
export function buyerTaxId(taxId: string | undefined): { prefix?: string; number: string } | undefined {
  if (taxId === undefined || taxId.trim() === '') return undefined;
  const compact = compactTaxId(taxId);
  if (compact === '') return undefined;
  const prefix = compact.slice(0, 2);
  // P_5B is 1..50 characters: the number after the prefix, or the whole id when it has none.
  if (/^[A-Z]{2}./.test(compact) && EU_PREFIXES.has(prefix)) {
    const number = compact.slice(2, 52);
    return prefix === 'PL' ? { number } : { prefix, number };
  }
  return { number: compact.slice(0, 50) };
}

// --- amounts ---------------------------------------------------------------------------
/** Minor units of a currency with at most two decimals, as hundredths (JPY 100 -> 10000). */
const hundredths = (minor: number, digits: number): number => minor * 10 ** (2 - digits);

/** Hundredths as TKwotowy (`-12.30`, `0.00`): exact, no floats. */
function amount(h: number): string {
  const s = String(Math.abs(h)).padStart(3, '0');
  return `${h < 0 ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

// --- XML -------------------------------------------------------------------------------
const escapeXml = (v: string): string =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** TZnakowyJPK is a token of 1..256 characters: whitespace collapsed, longer text cut. */
const token = (v: string): string => escapeXml(Array.from(v.replace(/\s+/g, ' ').trim()).slice(0, 256).join(''));

const el = (name: string, value: string): string => `<${name}>${value}</${name}>`;

function problemsOf(d: Document): string[] {
  const problems: string[] = [];
  const digits = minorDigitsOf(d.currency);
  if (UNLISTED_CURRENCIES.has(d.currency) || digits === undefined) problems.push(`currency ${d.currency} is not in the JPK_FA currency list`);
  else if (digits > 2) problems.push(`currency ${d.currency} has ${digits} decimals; JPK_FA amounts have two`);
  const rates = [...new Set(d.lines.map((l) => l.vatRate))].filter((r) => !RATE_GROUPS.has(r));
  if (rates.length > 0) problems.push(`VAT rate ${rates.join('%, ')}% is not a Polish rate JPK_FA lists (23, 22, 8, 7, 5, 4, 3, 0)`);
  if (d.lines.length === 0) problems.push('the invoice has no lines');
  return problems;
}

function sellerXml(s: JpkSeller): string {
  const a = s.address;
  const parts =
    a.country === 'PL' && 'voivodeship' in a
      ? [
          el('etd:KodKraju', 'PL'),
          el('etd:Wojewodztwo', token(a.voivodeship)),
          el('etd:Powiat', token(a.county)),
          el('etd:Gmina', token(a.commune)),
          a.street ? el('etd:Ulica', token(a.street)) : '',
          el('etd:NrDomu', token(a.buildingNumber)),
          a.flatNumber ? el('etd:NrLokalu', token(a.flatNumber)) : '',
          el('etd:Miejscowosc', token(a.city)),
          el('etd:KodPocztowy', token(a.postalCode)),
        ]
      : [
          el('etd:KodKraju', escapeXml(a.country)),
          a.postalCode ? el('etd:KodPocztowy', token(a.postalCode)) : '',
          el('etd:Miejscowosc', token(a.city)),
          a.street ? el('etd:Ulica', token(a.street)) : '',
          a.buildingNumber ? el('etd:NrDomu', token(a.buildingNumber)) : '',
          a.flatNumber ? el('etd:NrLokalu', token(a.flatNumber)) : '',
        ];
  return el(
    'Podmiot1',
    el('IdentyfikatorPodmiotu', el('NIP', s.taxId) + el('PelnaNazwa', token(s.name))) +
      el(a.country === 'PL' ? 'AdresPodmiotu' : 'AdresPodmiotu2', parts.join('')),
  );
}

/** Net and VAT per P_13_x/P_14_x group, in hundredths. */
function groupsOf(d: Document, digits: number): Map<number, { net: number; vat: number }> {
  const groups = new Map<number, { net: number; vat: number }>();
  for (const l of d.lines) {
    const g = RATE_GROUPS.get(l.vatRate)!;
    const sum = groups.get(g) ?? { net: 0, vat: 0 };
    sum.net += hundredths(l.net, digits);
    sum.vat += hundredths(l.vat, digits);
    groups.set(g, sum);
  }
  return groups;
}

function invoiceXml(inv: JpkInvoice, seller: JpkSeller): { xml: string; gross: number } {
  const d = inv.document;
  const digits = minorDigitsOf(d.currency)!;
  const number = token(d.number ?? d.documentId);
  const buyerTax = buyerTaxId(inv.buyer.taxId);
  const groups = groupsOf(d, digits);
  const sums: string[] = [];
  for (const g of [1, 2, 3, 4] as const) {
    const s = groups.get(g);
    if (s) sums.push(el(`P_13_${g}`, amount(s.net)), el(`P_14_${g}`, amount(s.vat)));
  }
  const zero = groups.get(6);
  if (zero) sums.push(el('P_13_6', amount(zero.net)));
  const gross = hundredths(d.gross, digits);
  const xml = el(
    'Faktura',
    [
      el('KodWaluty', d.currency),
      el('P_1', d.issueDate),
      el('P_2A', number),
      inv.buyer.name ? el('P_3A', token(inv.buyer.name)) : '',
      inv.buyer.addressLine ? el('P_3B', token(inv.buyer.addressLine)) : '',
      el('P_3C', token(seller.name)),
      el('P_3D', token(seller.addressLine)),
      el('P_4B', seller.taxId),
      buyerTax?.prefix ? el('P_5A', buyerTax.prefix) : '',
      buyerTax ? el('P_5B', escapeXml(buyerTax.number)) : '',
      ...sums,
      el('P_15', amount(gross)),
      // Cash accounting, self-billing, reverse charge, split payment, exemption, enforcement,
      // tax representative, new vehicles, triangular simplified procedure, margin schemes:
      // none of them is a property of a Kontor document, so all are false.
      ...['P_16', 'P_17', 'P_18', 'P_18A', 'P_19', 'P_20', 'P_21', 'P_22', 'P_23', 'P_106E_2', 'P_106E_3'].map((f) => el(f, 'false')),
      el('RodzajFaktury', 'VAT'),
    ].join(''),
  );
  return { xml, gross };
}

function linesXml(d: Document): { xml: string[]; net: number } {
  const digits = minorDigitsOf(d.currency)!;
  const number = token(d.number ?? d.documentId);
  let net = 0;
  const xml = d.lines.map((l) => {
    const lineNet = hundredths(l.net, digits);
    net += lineNet;
    return el(
      'FakturaWiersz',
      [
        el('P_2B', number),
        el('P_7', token(l.description)),
        l.unit ? el('P_8A', token(l.unit)) : '',
        el('P_8B', String(l.quantity)),
        el('P_9A', amount(hundredths(l.unitPrice, digits))),
        el('P_11', amount(lineNet)),
        el('P_12', String(l.vatRate)),
      ].join(''),
    );
  });
  return { xml, net };
}

/**
 * The JPK_FA(4) file of a period. Refuses (409, every problem named) a period outside the
 * schema's dates, a period without invoices (the structure needs at least one) and any
 * invoice it cannot express.
 */
export function buildJpkFa(input: JpkFaInput): string {
  if (input.from < FIRST_DAY || input.to > LAST_DAY) {
    throw new NotExportable(`JPK_FA(4) covers periods from ${FIRST_DAY} to ${LAST_DAY}`, { extensions: { reason: 'period-out-of-range', period: input.period } });
  }
  if (input.invoices.length === 0) {
    throw new NotExportable(`no invoice was issued in ${input.period}; a JPK_FA file holds at least one`, { extensions: { reason: 'nothing-to-export', period: input.period } });
  }
  const refused = input.invoices.flatMap(({ document: d }) => problemsOf(d).map((problem) => ({ documentId: d.documentId, number: d.number ?? null, problem })));
  if (refused.length > 0) {
    throw new NotExportable(`${refused.length} problem(s) keep invoices of ${input.period} out of JPK_FA; nothing was exported`, {
      extensions: { reason: 'not-expressible-in-jpk-fa', documents: refused },
    });
  }

  const invoices = [...input.invoices].sort(
    (a, b) => a.document.issueDate.localeCompare(b.document.issueDate) || (a.document.sequence ?? 0) - (b.document.sequence ?? 0),
  );
  let total = 0;
  const faktury = invoices.map((inv) => {
    const { xml, gross } = invoiceXml(inv, input.seller);
    total += gross;
    return xml;
  });
  let linesTotal = 0;
  const wiersze = invoices.flatMap((inv) => {
    const { xml, net } = linesXml(inv.document);
    linesTotal += net;
    return xml;
  });

  const header = el(
    'Naglowek',
    [
      '<KodFormularza kodSystemowy="JPK_FA (4)" wersjaSchemy="1-0">JPK_FA</KodFormularza>',
      el('WariantFormularza', '4'),
      el('CelZlozenia', '1'),
      el('DataWytworzeniaJPK', input.createdAt),
      el('DataOd', input.from),
      el('DataDo', input.to),
      el('KodUrzedu', input.seller.taxOfficeCode),
    ].join(''),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<JPK xmlns="${JPK_FA_NAMESPACE}" xmlns:etd="${ETD_NAMESPACE}">`,
    header,
    sellerXml(input.seller),
    ...faktury,
    el('FakturaCtrl', el('LiczbaFaktur', String(invoices.length)) + el('WartoscFaktur', amount(total))),
    ...wiersze,
    el('FakturaWierszCtrl', el('LiczbaWierszyFaktur', String(wiersze.length)) + el('WartoscWierszyFaktur', amount(linesTotal))),
    '</JPK>',
    '',
  ].join('\n');
}
