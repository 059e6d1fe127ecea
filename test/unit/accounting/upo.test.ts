import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_UPO_BYTES, parseXml, validateUpo } from '#shared/domain/accounting/upo.js';
import { PayloadTooLarge, ValidationError } from '#shared/domain/errors.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/upo/${name}`, import.meta.url), 'utf8');
const KSEF = fixture('ksef-upo-v4-2.xml');
const JPK = fixture('e-deklaracje-upo.xml');

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return e.errors?.[0]?.message ?? '';
    throw e;
  }
  throw new Error('accepted');
};

describe('UPO receipts', () => {
  it('accepts a KSeF UPO for an e-invoice and returns the KSeF number it carries', () => {
    expect(validateUpo('e-invoice', KSEF)).toEqual({ referenceNumber: '5260250274-20260315-0100A0B1C2D3-E4', bytes: Buffer.byteLength(KSEF) });
  });

  it('accepts an e-Deklaracje UPO for a VAT register and returns its reference number', () => {
    expect(validateUpo('vat-register', JPK).referenceNumber).toBe('1f7e4a0b2c9d3e5f6a7b8c9d0e1f2a3b');
  });

  it('refuses a receipt of the other kind, naming the element it lacks', () => {
    expect(messageOf(() => validateUpo('vat-register', KSEF))).toBe('the required element NumerReferencyjny is missing or empty');
    expect(messageOf(() => validateUpo('e-invoice', JPK))).toBe('the required element NumerReferencyjnySesji is missing or empty');
  });

  it('refuses a DTD or an entity declaration before parsing anything', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Potwierdzenie>&lol2;</Potwierdzenie>`;
    expect(messageOf(() => validateUpo('e-invoice', laughs))).toBe('DTDs and entity declarations are refused');
    const external = JPK.replace('<Potwierdzenie', '<!DOCTYPE Potwierdzenie SYSTEM "file:///etc/passwd"><Potwierdzenie');
    expect(messageOf(() => validateUpo('vat-register', external))).toBe('DTDs and entity declarations are refused');
  });

  it('refuses undeclared entities, malformed nesting, a second root and another root element', () => {
    expect(messageOf(() => parseXml('<a>&foo;</a>'))).toBe('the entity &foo; is not one of the predefined ones');
    expect(messageOf(() => parseXml('<a><b></a></b>'))).toBe('mismatched closing tag');
    expect(messageOf(() => parseXml('<a/><b/>'))).toBe('more than one root element');
    expect(messageOf(() => parseXml('<a>'))).toBe('the element a is not closed');
    expect(messageOf(() => validateUpo('vat-register', '<Faktura/>'))).toBe('the root element is Faktura, not Potwierdzenie');
  });

  it('reads predefined entities, character references and CDATA as text', () => {
    const root = parseXml('<a x="1 &amp; 2"><b>&lt;&#65;&#x42;<![CDATA[<c>]]></b></a>');
    expect(root.attributes.x).toBe('1 & 2');
    expect(root.children[0]!.text).toBe('<AB<c>');
  });

  it('refuses a receipt over 256 KB with 413', () => {
    const padded = JPK.replace('</Potwierdzenie>', `<!--${'x'.repeat(MAX_UPO_BYTES)}--></Potwierdzenie>`);
    expect(() => validateUpo('vat-register', padded)).toThrow(PayloadTooLarge);
    const justUnder = JPK.replace('</Potwierdzenie>', `<!--${'x'.repeat(MAX_UPO_BYTES - Buffer.byteLength(JPK) - 7)}--></Potwierdzenie>`);
    expect(Buffer.byteLength(justUnder)).toBe(MAX_UPO_BYTES);
    expect(validateUpo('vat-register', justUnder).bytes).toBe(MAX_UPO_BYTES);
  });
});
