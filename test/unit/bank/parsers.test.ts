import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { parseAmount } from '../../../shared/domain/bank/statement.js';
import { identify } from '../../../shared/domain/bank/statement.js';
import { yymmdd } from '../../../shared/domain/bank/mt940.js';
import { parseStatement } from '../../../shared/domain/bank/parse.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bank/${name}`, import.meta.url), 'utf8');
const all = (name: string) => parseStatement(fixture(name)).statements.flatMap((s) => s.transactions);
/** [bookingDate, valueDate, direction, amount] of each transaction, for explicit comparison. */
const brief = (name: string) => all(name).map((t) => [t.bookingDate, t.valueDate, t.direction[0], t.amount, t.currency].join(' '));

function refusal(body: string): ValidationError {
  try {
    parseStatement(body);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('the statement parsed');
}

describe('MT940 fixtures parse to their transactions', () => {
  it('mBank (PL): SOH/ETX envelope, two-line :61:, bank reference after //, wrapped :86:', () => {
    const { format, statements } = parseStatement(fixture('mbank-pl.mt940.sta'));
    expect(format).toBe('mt940');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ statementId: 'ST170119CYC/1', sequence: '1/1', account: 'PL29114010810000267002001002', currency: 'PLN' });
    expect(statements[0]!.openingBalance).toEqual({ amount: 40, date: '2017-01-19' });
    expect(statements[0]!.closingBalance).toEqual({ amount: 43, date: '2017-01-19' });
    expect(brief('mbank-pl.mt940.sta')).toEqual(['2017-01-19 2017-01-19 c 1 PLN', '2017-01-19 2017-01-19 c 1 PLN', '2017-01-19 2017-01-19 c 1 PLN']);
    const [first] = all('mbank-pl.mt940.sta');
    expect(first!.bankReference).toBe('MB170119012058');
    expect(first!.remittance).toContain('TYT.: PRZELEW SRODKOW');
    expect(first!.remittance).toContain('Z RACH.: 56114010810000267002001001');
  });

  it('Rabobank (NL): :940: header, two statements, zero-padded amounts, /EREF/ /NAME/ /REMI/ codes', () => {
    const { statements } = parseStatement(fixture('rabobank-nl-iban.mt940.sta'));
    expect(statements.map((s) => [s.account, s.transactions.length])).toEqual([
      ['NL71RABO0123456789', 2],
      ['NL71RABO0123456789', 2],
    ]);
    expect(statements[0]!.openingBalance).toEqual({ amount: 100000, date: '2013-01-01' });
    expect(statements[1]!.closingBalance).toEqual({ amount: 93000, date: '2013-01-15' });
    expect(brief('rabobank-nl-iban.mt940.sta')).toEqual([
      '2013-01-01 2013-01-01 d 2500 EUR',
      '2013-01-02 2013-01-02 d 1000 EUR',
      '2013-01-08 2013-01-08 d 2500 EUR',
      '2013-01-09 2013-01-09 d 1000 EUR',
    ]);
    const t = all('rabobank-nl-iban.mt940.sta');
    expect(t[0]!.endToEndId).toBe('01-01-2013 12:00 0030000987654321');
    expect(t[0]!.counterpartyName).toBe('CONTRA ACCOUNT HOLDER');
    expect(t[1]!.remittance).toBe('Reference 201301234');
    expect(t[1]!.counterpartyName).toBe('JOHN DOE');
  });

  it('ABN AMRO (NL): envelope lines, :28: and :28C:, :60M:/:62M:, amounts without decimals, a blank line, entry dates', () => {
    const { statements } = parseStatement(fixture('abnamro-nl.mt940.sta'));
    expect(statements.map((s) => [s.statementId, s.sequence, s.account, s.transactions.length])).toEqual([
      ['ABN AMRO BANK NV', '19321/1', '517852257', 8],
      ['ABN AMRO BANK NV', '19322/1', '517852257', 2],
    ]);
    expect(statements[1]!.openingBalance).toEqual({ amount: 287684, date: '2011-05-23' });
    expect(brief('abnamro-nl.mt940.sta')).toEqual([
      '2011-05-24 2011-05-24 d 900 EUR',
      '2011-05-23 2011-05-21 d 1159 EUR',
      '2011-05-23 2011-05-23 d 1163 EUR',
      '2011-05-23 2011-05-22 d 1180 EUR',
      '2011-05-23 2011-05-21 d 1345 EUR',
      '2011-05-23 2011-05-21 d 1549 EUR',
      '2011-05-23 2011-05-21 d 10700 EUR',
      '2011-05-23 2011-05-22 d 14148 EUR',
      '2011-05-24 2011-05-24 d 949 EUR',
      '2011-05-24 2011-05-24 d 1500 EUR',
    ]);
    expect(all('abnamro-nl.mt940.sta')[0]!.remittance).toBe(
      'GIRO 428428 KPN - DIGITENNE BETALINGSKENM. 000000042188659 5314606715 BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW',
    );
  });

  it('ING (NL): header block, :64:/:65:, a debit closing balance, a statement-level :86: and an XXX trailer', () => {
    const { statements } = parseStatement(fixture('ing-nl.mt940.mta'));
    expect(statements).toHaveLength(1);
    expect(statements[0]!.closingBalance).toEqual({ amount: -994509, date: '2010-07-23' });
    expect(brief('ing-nl.mt940.mta')).toEqual(['2010-07-22 2010-07-22 c 56 EUR', '2010-07-22 2010-07-22 c 1045 EUR', '2010-07-22 2010-07-22 d 1000099 EUR']);
    // The statement-level :86: (D000001C000002...) is not glued to the last transaction.
    expect(all('ing-nl.mt940.mta')[2]!.remittance).toBe('VERZAMELBETALING BATCH-ID: 012345 TOTAAL 198 POSTEN');
  });

  it('reads CRLF line endings exactly like LF', () => {
    for (const name of ['mbank-pl.mt940.sta', 'rabobank-nl-iban.mt940.sta', 'abnamro-nl.mt940.sta', 'ing-nl.mt940.mta']) {
      expect(parseStatement(fixture(name).replace(/\n/g, '\r\n'))).toEqual(parseStatement(fixture(name)));
    }
  });

  it('reads ?20..?29 subfields of a structured :86: (GVC layout) with SEPA EREF+/SVWZ+ keys', () => {
    const body = [
      ':20:STARTUMSE',
      ':25:10020030/1234567',
      ':28C:00001/001',
      ':60F:C240102EUR1000,00',
      ':61:2401020102CR123,45NTRFNONREF//B4A02XXX',
      ':86:166?00GUTSCHRIFT?100599?20EREF+E2E-77?21SVWZ+Rechnung INV-0000?2242 Danke?30DEUTDEFF?31DE02100100109307118603?32MUSTER',
      '?33MANN GMBH',
      ':62F:C240102EUR1123,45',
      '-',
    ].join('\n');
    const [t] = parseStatement(body).statements[0]!.transactions;
    expect(t).toMatchObject({
      bookingDate: '2024-01-02',
      direction: 'credit',
      amount: 12345,
      bankReference: 'B4A02XXX',
      endToEndId: 'E2E-77',
      remittance: 'Rechnung INV-000042 Danke',
      counterpartyName: 'MUSTERMANN GMBH',
      counterpartyAccount: 'DE02100100109307118603',
    });
  });
});

describe('CAMT.053 fixtures parse to their transactions', () => {
  it('Rabobank camt.053.001.02: 132 statements of two accounts, 9 booked entries, invoice numbers in Ustrd', () => {
    const { format, statements } = parseStatement(fixture('rabobank-nl.camt053.001.02.xml'));
    expect(format).toBe('camt053');
    expect(statements).toHaveLength(132);
    expect(new Set(statements.map((s) => s.account))).toEqual(new Set(['NL17RABO0310029597', 'NL59RABO3181240869']));
    expect(statements[0]!.openingBalance).toEqual({ amount: 2148944, date: '2016-07-19' });
    expect(brief('rabobank-nl.camt053.001.02.xml')).toEqual([
      '2016-07-26 2016-07-26 d 407600 EUR',
      '2016-07-26 2016-07-26 d 582383 EUR',
      '2016-08-15 2016-08-15 c 442525 EUR',
      '2016-08-16 2016-08-17 d 1158961 EUR',
      '2016-09-28 2016-09-28 c 298299 EUR',
      '2016-10-04 2016-10-03 d 428576 EUR',
      '2016-10-05 2016-10-01 d 8 EUR',
      '2016-10-11 2016-10-11 c 451668 EUR',
      '2016-07-26 2016-07-26 c 582383 EUR',
    ]);
    const t = all('rabobank-nl.camt053.001.02.xml');
    expect(t[2]).toMatchObject({ remittance: '2016Q3-0004', counterpartyName: 'XS NEWS B V', counterpartyAccount: 'NL62ABNA0408441224' });
    expect(t[0]!.creditorReference).toBe('1067931951601240');
  });

  it('Genkgo camt.053.001.08: Othr/Id account, Sts/Cd, DtTm booking date, AcctSvcrRef, EndToEndId, SCOR reference', () => {
    const { statements } = parseStatement(fixture('genkgo-camt053.001.08.xml'));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ statementId: '253EURNL26VAYB8060476890', account: 'NL26VAYB8060476890', currency: 'EUR' });
    expect(statements[0]!.closingBalance).toEqual({ amount: -2700, date: '2014-12-30' });
    expect(statements[0]!.transactions).toEqual([
      expect.objectContaining({
        bookingDate: '2014-12-31',
        valueDate: '2015-01-02',
        direction: 'credit',
        amount: 885,
        currency: 'EUR',
        bankReference: 'AAAASESS-FP-CN_98765/01',
        endToEndId: 'MUELL/FINP/RA12345',
        creditorReference: '4654654654654654',
        counterpartyName: 'NAME NAME',
      }),
    ]);
  });

  it('refuses a DTD or entity declaration before parsing (XXE, entity expansion), naming its line', () => {
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Document><BkToCstmrStmt/></Document>`;
    const e = refusal(xxe);
    expect(e.extensions).toMatchObject({ line: 2, field: 'DOCTYPE' });
    const lol = `<?xml version="1.0"?>\n<Document>\n<!ENTITY a "aaaa">\n</Document>`;
    expect(refusal(lol).extensions).toMatchObject({ line: 3, field: 'ENTITY' });
  });

  it('names the line and the field of a bad entry', () => {
    const xml = fixture('genkgo-camt053.001.08.xml').replace('<Amt Ccy="EUR">8.85</Amt>', '<Amt Ccy="EUR">8.855</Amt>');
    const e = refusal(xml);
    expect(e.extensions).toEqual({ line: 110, field: 'Ntry/Amt' });
    expect(e.errors?.[0]?.field).toBe('body.line.110.Ntry/Amt');
  });

  it('names the line of malformed XML', () => {
    expect(refusal('<Document>\n<BkToCstmrStmt>\n<Stmt></Stm>\n</BkToCstmrStmt></Document>').extensions).toMatchObject({ line: 3, field: 'XML' });
  });
});

describe('MT940 refusals name the line and the field', () => {
  const base = [':20:REF', ':25:NL71RABO0123456789', ':28C:1', ':60F:C240101EUR10,00', ':61:240102C5,00NTRFNONREF', ':86:INV-000001', ':62F:C240102EUR15,00'];
  const broken = (i: number, line: string) => base.map((l, j) => (j === i ? line : l)).join('\n');

  it.each([
    [4, ':61:24010XC5,00NTRFNONREF', 5, ':61:'],
    [4, ':61:240230C5,00NTRFNONREF', 5, ':61:'],
    [4, ':61:240102C5,001NTRFNONREF', 5, ':61:'],
    [3, ':60F:C240101XXX10,00', 4, ':60F:'],
    [6, ':62F:C240102EUR15', 7, ':62F:'],
  ])('line %#: %s', (i, line, expectedLine, field) => {
    expect(refusal(broken(i as number, line as string)).extensions).toEqual({ line: expectedLine, field });
  });

  it('a statement without an opening balance, or no statement at all', () => {
    expect(refusal(base.filter((_, i) => i !== 3).join('\n')).extensions).toEqual({ line: 1, field: ':60F:' });
    expect(refusal('hello\nworld').extensions).toEqual({ line: 1, field: ':20:' });
  });
});

describe('MT940 amounts and dates (properties)', () => {
  it('an amount written with a decimal comma reads back as the same minor units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 6 }), (minor, zeros) => {
        const s = String(minor).padStart(3, '0');
        const text = `${'0'.repeat(zeros)}${s.slice(0, -2)},${s.slice(-2)}`;
        expect(parseAmount(text, 'EUR', ',')).toBe(minor);
        // Trailing decimals may be left out: "12," and "12,5" are 1200 and 1250.
        if (minor % 100 === 0) expect(parseAmount(`${minor / 100},`, 'EUR', ',')).toBe(minor);
      }),
    );
  });

  it('more decimals than the currency has, or anything but digits and one comma, is refused', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const out = parseAmount(s, 'EUR', ',');
        if (typeof out === 'number') expect(s).toMatch(/^\d+(,\d{0,2})?$/);
      }),
    );
    expect(parseAmount('1,234', 'EUR', ',')).toMatch(/more than 2 decimals/);
    expect(parseAmount('1234', 'JPY', ',')).toBe(1234);
    expect(parseAmount('1,5', 'JPY', ',')).toMatch(/more than 0 decimals/);
    expect(parseAmount('1,234', 'KWD', ',')).toBe(1234);
  });

  it('YYMMDD is a real calendar date, 80..99 in the 1900s and 00..79 in the 2000s', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1980-01-01T00:00:00Z'), max: new Date('2079-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        expect(yymmdd(iso.slice(2, 4), iso.slice(5, 7), iso.slice(8, 10))).toBe(iso);
      }),
    );
    expect(yymmdd('24', '02', '30')).toBeUndefined();
    expect(yymmdd('23', '02', '29')).toBeUndefined();
    expect(yymmdd('24', '02', '29')).toBe('2024-02-29');
  });

  it('an entry date in January after a December value date is in the next year', () => {
    const body = [':20:R', ':25:A', ':60F:C231231EUR0,00', ':61:2312310102C1,00NTRFNONREF', ':61:2401011231D1,00NTRFNONREF', ':62F:C240102EUR0,00'].join('\n');
    expect(parseStatement(body).statements[0]!.transactions.map((t) => [t.valueDate, t.bookingDate])).toEqual([
      ['2023-12-31', '2024-01-02'],
      ['2024-01-01', '2023-12-31'],
    ]);
  });
});

describe('transaction identity', () => {
  it('is the same for a transaction listed in two overlapping statements, and tells identical twins apart', () => {
    const day = (d: string, lines: string[]) => [':20:R', ':25:NL71RABO0123456789', `:60F:C${d}EUR0,00`, ...lines, `:62F:C${d}EUR0,00`, '-'];
    const a = ':61:240102C5,00NTRFNONREF';
    const b = ':61:240103C7,00NTRFNONREF';
    const first = identify(parseStatement([...day('240102', [a, a])].join('\n')).statements).map((x) => x.id);
    const overlapping = identify(parseStatement([...day('240102', [a, a]), ...day('240103', [b])].join('\n')).statements).map((x) => x.id);
    expect(new Set(first).size).toBe(2);
    expect(overlapping.slice(0, 2)).toEqual(first);
    expect(overlapping[2]).not.toBe(first[0]);
  });
});
