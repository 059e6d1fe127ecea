import { describe, expect, it } from 'vitest';
import type { Document, StoredLine } from '#shared/data/entities/document.js';
import { buildJpkFa, buyerTaxId, ExportSettingsIncomplete, NotExportable, sellerOf, type JpkInvoice, type JpkSeller } from '#shared/domain/accounting/jpk-fa.js';
import { jpkFaSchemaErrors, readJpkFa } from '../../support/jpk.js';

/*
 * The JPK_FA(4) builder, checked against the Ministry of Finance's XSD (xmllint) and read
 * back for its sums. Amounts in the fixtures are minor units, as stored.
 */
const line = (description: string, quantity: number, unitPrice: number, vatRate: number, vat: number, unit?: string): StoredLine => {
  const net = Math.round(quantity * unitPrice);
  return { description, quantity, unitPrice, vatRate, net, vat, gross: net + vat, ...(unit ? { unit } : {}) };
};

let seq = 0;
function invoice(over: Partial<Document> & Pick<Document, 'currency' | 'issueDate' | 'lines'>): Document {
  seq += 1;
  const net = over.lines.reduce((s, l) => s + l.net, 0);
  const vat = over.lines.reduce((s, l) => s + l.vat, 0);
  return {
    documentId: `01JD0000000000000000000${String(seq).padStart(3, '0')}`,
    kind: 'invoice',
    organizationId: 'o1',
    accountId: 'o1',
    sequence: seq,
    number: `FV/${seq}/11/2026`,
    status: 'issued',
    net,
    vat,
    gross: net + vat,
    paid: 0,
    createdBy: 'u1',
    createdAt: '2026-11-01T08:00:00.000Z',
    updatedBy: 'u1',
    updatedAt: '2026-11-01T08:00:00.000Z',
    version: 1,
    ...over,
  };
}

const BUSINESS = {
  name: 'Kontor Test',
  legalName: 'Kontor Test sp. z o.o.',
  taxId: 'PL 526-000-12-46',
  address: { line1: 'ul. Prosta 1/2', postalCode: '00-838', city: 'Warszawa', country: 'PL' },
};
const CONFIG = { taxOfficeCode: '1471', voivodeship: 'mazowieckie', county: 'Warszawa', commune: 'Warszawa', street: 'Prosta', buildingNumber: '1', flatNumber: '2' };
const SELLER: JpkSeller = sellerOf(BUSINESS, CONFIG);

const build = (invoices: JpkInvoice[], seller = SELLER) =>
  buildJpkFa({ period: '2026-11', from: '2026-11-01', to: '2026-11-30', createdAt: '2026-12-01T09:30:00.000Z', seller, invoices });

// PLN, five lines: 23% (two hours), 8%, 5%, 0% and a promo-code discount at 23%.
const PLN = invoice({
  currency: 'PLN',
  issueDate: '2026-11-03',
  clientName: 'Nabywca S.A.',
  lines: [
    line('Consulting', 2, 10000, 23, 4600, 'h'),
    line('Book', 1, 5000, 8, 400, 'pcs'),
    line('Bread', 3, 1000, 5, 150),
    line('Service supplied abroad', 1, 2000, 0, 0),
    line('Promo code WELCOME (discount)', 1, -2000, 23, -460),
  ],
});
// EUR to an EU business: its VAT id splits into P_5A and P_5B.
const EUR = invoice({ currency: 'EUR', issueDate: '2026-11-10', clientName: 'Kunde GmbH', lines: [line('Licence', 1, 100000, 23, 23000)] });
// JPY has no minor unit: 10000 yen is 10000.00 in the file.
const JPY = invoice({ currency: 'JPY', issueDate: '2026-11-20', lines: [line('Translation', 2, 5000, 8, 800)] });

const PERIOD: JpkInvoice[] = [
  { document: JPY, buyer: {} },
  { document: EUR, buyer: { name: 'Kunde GmbH', addressLine: 'Hauptstr. 5, 10115 Berlin, DE', taxId: 'DE 123 456 789' } },
  { document: PLN, buyer: { name: 'Nabywca S.A.', addressLine: 'ul. Długa 5, 31-147 Kraków', taxId: '677-000-12-34' } },
];

describe('JPK_FA(4) of a period', () => {
  it('is valid against the published JPK_FA(4) schema for several VAT rates, a foreign currency and a discount line', async () => {
    const xml = build(PERIOD);
    expect(await jpkFaSchemaErrors(xml)).toEqual([]);
    // The check itself can fail: the same file without its tax office is not JPK_FA.
    expect((await jpkFaSchemaErrors(xml.replace(/<KodUrzedu>\d+<\/KodUrzedu>/, ''))).join('\n')).toContain('KodUrzedu');
  });

  it('sums each invoice per rate group (P_13_x net, P_14_x VAT), the discount included in its rate, and P_15 gross', () => {
    const { invoices } = readJpkFa(build(PERIOD));
    expect(invoices.map((f) => f.P_2A)).toEqual([PLN.number, EUR.number, JPY.number]); // by issue date
    const [pln, eur, jpy] = invoices as [Record<string, string>, Record<string, string>, Record<string, string>];
    expect(pln).toMatchObject({
      KodWaluty: 'PLN',
      P_1: '2026-11-03',
      P_3A: 'Nabywca S.A.',
      P_3B: 'ul. Długa 5, 31-147 Kraków',
      P_3C: 'Kontor Test sp. z o.o.',
      P_3D: 'ul. Prosta 1/2, 00-838 Warszawa',
      P_4B: '5260001246',
      P_5B: '6770001234',
      P_13_1: '180.00', // 200.00 - 20.00 discount
      P_14_1: '41.40', // 46.00 - 4.60
      P_13_2: '50.00',
      P_14_2: '4.00',
      P_13_3: '30.00',
      P_14_3: '1.50',
      P_13_6: '20.00',
      P_15: '326.90',
      RodzajFaktury: 'VAT',
    });
    expect(pln).not.toHaveProperty('P_5A');
    expect(eur).toMatchObject({ KodWaluty: 'EUR', P_5A: 'DE', P_5B: '123456789', P_13_1: '1000.00', P_14_1: '230.00', P_15: '1230.00' });
    expect(eur).not.toHaveProperty('P_14_1W'); // the NBP rate is not recorded
    expect(jpy).toMatchObject({ KodWaluty: 'JPY', P_13_2: '10000.00', P_14_2: '800.00', P_15: '10800.00' });
    expect(jpy).not.toHaveProperty('P_3A');
  });

  it('writes every line, the discount as a negative unit price and net value, and control sums over invoices and lines', () => {
    const read = readJpkFa(build(PERIOD));
    expect(read.lines).toHaveLength(7);
    expect(read.lines[0]).toEqual({ P_2B: PLN.number, P_7: 'Consulting', P_8A: 'h', P_8B: '2', P_9A: '100.00', P_11: '200.00', P_12: '23' });
    expect(read.lines[4]).toEqual({ P_2B: PLN.number, P_7: 'Promo code WELCOME (discount)', P_8B: '1', P_9A: '-20.00', P_11: '-20.00', P_12: '23' });
    expect(read.invoiceCtrl).toEqual({ LiczbaFaktur: '3', WartoscFaktur: '12356.90' }); // 326.90 + 1230.00 + 10800.00
    expect(read.lineCtrl).toEqual({ LiczbaWierszyFaktur: '7', WartoscWierszyFaktur: '11280.00' }); // 280.00 + 1000.00 + 10000.00
    expect(read.header).toMatchObject({ KodFormularza: 'JPK_FA', WariantFormularza: '4', CelZlozenia: '1', DataOd: '2026-11-01', DataDo: '2026-11-30', KodUrzedu: '1471' });
    expect(read.seller).toEqual({
      IdentyfikatorPodmiotu: { NIP: '5260001246', PelnaNazwa: 'Kontor Test sp. z o.o.' },
      AdresPodmiotu: {
        KodKraju: 'PL',
        Wojewodztwo: 'mazowieckie',
        Powiat: 'Warszawa',
        Gmina: 'Warszawa',
        Ulica: 'Prosta',
        NrDomu: '1',
        NrLokalu: '2',
        Miejscowosc: 'Warszawa',
        KodPocztowy: '00-838',
      },
    });
  });

  it('escapes markup in names and cuts text to the 256 characters the structure allows, staying valid', async () => {
    const long = 'x'.repeat(300);
    const doc = invoice({ currency: 'PLN', issueDate: '2026-11-05', lines: [line(`<b>${long}</b>`, 1, 100, 23, 23)] });
    const xml = build([{ document: doc, buyer: { name: 'Kowalski & Syn "<Sp. j.>"' } }]);
    expect(await jpkFaSchemaErrors(xml)).toEqual([]);
    const read = readJpkFa(xml);
    expect(xml).toContain('<P_3A>Kowalski &amp; Syn &quot;&lt;Sp. j.&gt;&quot;</P_3A>');
    expect(read.invoices[0]!.P_3A).toBe('Kowalski & Syn "<Sp. j.>"');
    expect(read.lines[0]!.P_7).toHaveLength(256);
  });

  it('writes a seller abroad as AdresPodmiotu2, valid against the schema', async () => {
    const seller = sellerOf({ ...BUSINESS, address: { line1: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' } }, { taxOfficeCode: '1471' });
    const xml = build([{ document: PLN, buyer: {} }], seller);
    expect(await jpkFaSchemaErrors(xml)).toEqual([]);
    expect(readJpkFa(xml).seller.AdresPodmiotu2).toEqual({ KodKraju: 'DE', KodPocztowy: '10115', Miejscowosc: 'Berlin' });
  });

  it('refuses, naming each invoice and problem, a VAT rate or currency the structure cannot express; nothing is built', () => {
    const german = invoice({ currency: 'PLN', issueDate: '2026-11-07', lines: [line('Beer', 1, 1000, 19, 190)] });
    const dinar = invoice({ currency: 'KWD', issueDate: '2026-11-08', lines: [line('Oil', 1, 1000, 23, 230)] });
    const bolivar = invoice({ currency: 'VED', issueDate: '2026-11-09', lines: [line('Coffee', 1, 1000, 23, 230)] });
    const refusal = (() => {
      try {
        build([{ document: PLN, buyer: {} }, { document: german, buyer: {} }, { document: dinar, buyer: {} }, { document: bolivar, buyer: {} }]);
      } catch (e) {
        return e;
      }
      throw new Error('built');
    })();
    expect(refusal).toBeInstanceOf(NotExportable);
    expect((refusal as NotExportable).status).toBe(409);
    expect((refusal as NotExportable).extensions).toEqual({
      reason: 'not-expressible-in-jpk-fa',
      documents: [
        { documentId: german.documentId, number: german.number, problem: 'VAT rate 19% is not a Polish rate JPK_FA lists (23, 22, 8, 7, 5, 4, 3, 0)' },
        { documentId: dinar.documentId, number: dinar.number, problem: 'currency KWD has 3 decimals; JPK_FA amounts have two' },
        { documentId: bolivar.documentId, number: bolivar.number, problem: 'currency VED is not in the JPK_FA currency list' },
      ],
    });
  });

  it('refuses a period without invoices (the structure needs one) and a period outside the schema dates', () => {
    expect(() => build([])).toThrow(expect.objectContaining({ extensions: { reason: 'nothing-to-export', period: '2026-11' } }));
    expect(() =>
      buildJpkFa({ period: '2030-02', from: '2030-02-01', to: '2030-02-28', createdAt: '2026-12-01T00:00:00Z', seller: SELLER, invoices: [{ document: PLN, buyer: {} }] }),
    ).toThrow(expect.objectContaining({ extensions: { reason: 'period-out-of-range', period: '2030-02' } }));
  });
});

describe('the seller of a JPK_FA file', () => {
  it('takes name, NIP and address from the business settings and what only JPK needs from the integration config', () => {
    expect(SELLER).toMatchObject({ taxId: '5260001246', name: 'Kontor Test sp. z o.o.', taxOfficeCode: '1471', addressLine: 'ul. Prosta 1/2, 00-838 Warszawa' });
  });

  it('names every missing or unusable value at once', () => {
    const fieldsOf = (business: Record<string, unknown> | undefined, config: Record<string, unknown>) => {
      try {
        sellerOf(business, config);
      } catch (e) {
        expect(e).toBeInstanceOf(ExportSettingsIncomplete);
        return (e as ExportSettingsIncomplete).errors?.map((f) => f.field);
      }
      throw new Error('accepted');
    };
    expect(fieldsOf(undefined, {})).toEqual([
      'settings.business.legalName',
      'settings.business.taxId',
      'integration.config.taxOfficeCode',
      'settings.business.address.city',
      'settings.business.address.line1',
      'integration.config.voivodeship',
      'integration.config.county',
      'integration.config.commune',
      'integration.config.buildingNumber',
      'settings.business.address.postalCode',
    ]);
    expect(fieldsOf({ ...BUSINESS, taxId: 'DE123456789' }, { ...CONFIG, taxOfficeCode: '14' })).toEqual(['settings.business.taxId', 'integration.config.taxOfficeCode']);
  });

  it("splits a buyer's EU VAT id into prefix and number and drops PL from a Polish NIP", () => {
    expect(buyerTaxId('DE 123 456 789')).toEqual({ prefix: 'DE', number: '123456789' });
    expect(buyerTaxId('PL526-000-12-46')).toEqual({ number: '5260001246' });
    expect(buyerTaxId('US-12-3456789')).toEqual({ number: 'US123456789' });
    expect(buyerTaxId(undefined)).toBeUndefined();
    expect(buyerTaxId(' - ')).toBeUndefined();
    expect(buyerTaxId('DE')).toEqual({ number: 'DE' }); // a bare prefix is not split into an empty number
  });
});
