import { PayloadTooLarge, ValidationError } from '../errors.js';

/*
 * UPO (Urzędowe Poświadczenie Odbioru): the official receipt the Polish tax portals return
 * for a submission. Kontor stores it as evidence and checks that what is attached is one:
 *
 *   - at most 256 KB of UTF-8;
 *   - well-formed XML with no DTD and no entity declarations (<!DOCTYPE, <!ENTITY): they
 *     are refused outright, never expanded, so neither "billion laughs" nor external
 *     entities can reach anything that reads the file later; only the five predefined
 *     entities and numeric character references are allowed in text;
 *   - root element `Potwierdzenie` (any namespace prefix) with the elements its kind of
 *     receipt always carries:
 *       e-invoice (KSeF UPO, http://upo.schematy.mf.gov.pl/KSeF/v4-x):
 *         NazwaPodmiotuPrzyjmujacego, NumerReferencyjnySesji, NazwaStrukturyLogicznej,
 *         KodFormularza, and a Dokument with NumerKSeFDokumentu;
 *       vat-register (e-Deklaracje UPO for a JPK submission):
 *         NazwaPodmiotuPrzyjmujacego, NumerReferencyjny, NazwaStrukturyLogicznej, DataWplyniecia.
 *
 * This is a shape check, not XSD validation: the portal signed what it returned, and the
 * point here is to refuse a wrong or hostile file, not to re-verify the portal.
 */
/** What a filing reports: a period's VAT register, or one e-invoice. */
export const FILING_SUBJECTS = ['vat-register', 'e-invoice'] as const;

export const MAX_UPO_BYTES = 256 * 1024;

export interface XmlElement {
  /** The local name (prefix dropped). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const FIELD = 'body.content';
const invalid = (message: string) => new ValidationError(`the receipt is not a valid UPO: ${message}`, { errors: [{ field: FIELD, message }] });

const NAME = /^[A-Za-z_][A-Za-z0-9._:-]*/;
const ATTRIBUTE = /^\s+([A-Za-z_][A-Za-z0-9._:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(raw: string): string {
  return raw.replace(/&([^;\s&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw invalid('a bare & in text');
    if (ref in PREDEFINED) return PREDEFINED[ref]!;
    const m = /^#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7})$/.exec(ref);
    if (!m) throw invalid(`the entity &${ref}; is not one of the predefined ones`);
    const code = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10);
    if (code > 0x10ffff || code === 0) throw invalid(`&${ref}; is not a character`);
    return String.fromCodePoint(code);
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Parses a small XML document into elements; refuses DTDs, entity declarations and anything malformed. */
export function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST/i.test(xml)) throw invalid('DTDs and entity declarations are refused');
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const rest = () => xml.slice(i);
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (text.length) {
      const top = stack[stack.length - 1];
      if (top) top.text += decodeText(text);
      else if (text.trim() !== '') throw invalid('text outside the root element');
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end < 0) throw invalid('an unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) throw invalid('an unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      const top = stack[stack.length - 1];
      if (end < 0 || !top) throw invalid('a CDATA section outside an element or unterminated');
      top.text += xml.slice(i + 9, end);
      i = end + 3;
    } else if (xml.startsWith('<!', i)) {
      throw invalid('markup declarations are refused');
    } else if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][A-Za-z0-9._:-]*)\s*>/.exec(rest());
      const top = stack.pop();
      if (!m || !top || localName(m[1]!) !== top.name) throw invalid('mismatched closing tag');
      i += m[0].length;
    } else {
      i += 1;
      const name = NAME.exec(rest());
      if (!name) throw invalid('a malformed tag');
      i += name[0].length;
      const element: XmlElement = { name: localName(name[0]), attributes: {}, children: [], text: '' };
      for (let a = ATTRIBUTE.exec(rest()); a; a = ATTRIBUTE.exec(rest())) {
        if (Object.hasOwn(element.attributes, a[1]!)) throw invalid(`the attribute ${a[1]} is repeated`);
        element.attributes[a[1]!] = decodeText(a[3] ?? a[4] ?? '');
        i += a[0].length;
      }
      const close = /^\s*(\/?)>/.exec(rest());
      if (!close) throw invalid('a malformed tag');
      i += close[0].length;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) throw invalid('more than one root element');
      else root = element;
      if (close[1] !== '/') stack.push(element);
    }
  }
  if (stack.length) throw invalid(`the element ${stack[stack.length - 1]!.name} is not closed`);
  if (!root) throw invalid('no root element');
  return root;
}

const find = (e: XmlElement, name: string): XmlElement | undefined =>
  e.children.find((c) => c.name === name) ?? e.children.map((c) => find(c, name)).find(Boolean);

const REQUIRED = {
  'e-invoice': ['NazwaPodmiotuPrzyjmujacego', 'NumerReferencyjnySesji', 'NazwaStrukturyLogicznej', 'KodFormularza', 'NumerKSeFDokumentu'],
  'vat-register': ['NazwaPodmiotuPrzyjmujacego', 'NumerReferencyjny', 'NazwaStrukturyLogicznej', 'DataWplyniecia'],
} as const;

export type UpoKind = (typeof FILING_SUBJECTS)[number];

/** Checks a receipt for a filing of `kind`; returns the reference number it carries. */
export function validateUpo(kind: UpoKind, xml: string): { referenceNumber: string; bytes: number } {
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > MAX_UPO_BYTES) {
    throw new PayloadTooLarge(`the receipt is ${bytes} bytes; a UPO is at most ${MAX_UPO_BYTES}`, { extensions: { maxBytes: MAX_UPO_BYTES, field: FIELD } });
  }
  const root = parseXml(xml);
  if (root.name !== 'Potwierdzenie') throw invalid(`the root element is ${root.name}, not Potwierdzenie`);
  for (const name of REQUIRED[kind]) {
    const e = find(root, name);
    if (!e || e.text.trim() === '') throw invalid(`the required element ${name} is missing or empty`);
  }
  if (kind === 'e-invoice' && !root.children.some((c) => c.name === 'Dokument' && find(c, 'NumerKSeFDokumentu'))) {
    throw invalid('a KSeF UPO lists its document in Dokument');
  }
  const reference = find(root, kind === 'e-invoice' ? 'NumerKSeFDokumentu' : 'NumerReferencyjny')!.text.trim();
  return { referenceNumber: reference, bytes };
}
