import { readFileSync, readdirSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';

/*
 * JPK_FA(4) files checked the way a tax portal or an accountant's import would: against
 * the Ministry of Finance's published XSD (test/fixtures/jpk, see its SOURCES.md) with
 * xmllint, and read back with a plain XML parser to check the sums.
 */
const DIR = new URL('../fixtures/jpk/', import.meta.url);
const MAIN = 'Schemat_JPK_FA(4)_v1-0.xsd';
const schemas = readdirSync(DIR)
  .filter((f) => f.endsWith('.xsd'))
  .map((fileName) => ({ fileName, contents: readFileSync(new URL(fileName, DIR), 'utf8') }));

/** xmllint's verdict on the file against JPK_FA(4): the error messages, none when valid. */
export async function jpkFaSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: { fileName: 'jpk-fa.xml', contents: xml },
    schema: schemas.find((s) => s.fileName === MAIN)!,
    preload: schemas.filter((s) => s.fileName !== MAIN),
  });
  return result.valid ? [] : result.errors.map((e) => e.message);
}

export interface JpkFaRead {
  header: Record<string, unknown>;
  seller: Record<string, unknown>;
  invoices: Array<Record<string, string>>;
  invoiceCtrl: { LiczbaFaktur: string; WartoscFaktur: string };
  lines: Array<Record<string, string>>;
  lineCtrl: { LiczbaWierszyFaktur: string; WartoscWierszyFaktur: string };
}

/** The file's elements by name (namespace prefixes dropped), every value as its text. */
export function readJpkFa(xml: string): JpkFaRead {
  const parser = new XMLParser({
    removeNSPrefix: true,
    ignoreAttributes: true,
    parseTagValue: false,
    isArray: (name) => name === 'Faktura' || name === 'FakturaWiersz',
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const jpk = (parser.parse(xml) as any).JPK;
  return {
    header: jpk.Naglowek,
    seller: jpk.Podmiot1,
    invoices: jpk.Faktura,
    invoiceCtrl: jpk.FakturaCtrl,
    lines: jpk.FakturaWiersz,
    lineCtrl: jpk.FakturaWierszCtrl,
  };
}
