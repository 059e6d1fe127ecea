import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CONTRACTS } from '#shared/contracts/index.js';
import { createOrganizationBody, createSubAccountBody, updateAccountBody } from '#shared/contracts/organization.js';
import { createRoleBody } from '#shared/contracts/members.js';
import {
  businessSettings,
  createClientBody,
  createDocumentBody,
  createItemBody,
  createPaymentBody,
  otherSettings,
  paymentMethodSettings,
} from '#shared/contracts/invoicing.js';
import { parse } from '#shared/http/api.js';
import { MAX_VERSION } from '#shared/contracts/text.js';
import { ValidationError } from '#shared/domain/errors.js';

/*
 * Free text in every contract: no control characters (NUL, CR/LF, other C0, DEL, C1), no
 * unpaired surrogates, no bidi embeddings, overrides or isolates; a line feed only where a
 * text may have several lines (notes). A 400 names the field.
 */
const UNSAFE: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['CR', '\r'],
  ['LF', '\n'],
  ['ESC', '\u001b'],
  ['TAB', '\t'],
  ['DEL', '\u007f'],
  ['C1 NEL', '\u0085'],
  ['a lone high surrogate', '\ud800'],
  ['a lone low surrogate', '\udc00'],
  ['LRE', '\u202a'],
  ['RLO', '\u202e'],
  ['LRI', '\u2066'],
  ['PDI', '\u2069'],
];
const MULTI_LINE_UNSAFE = UNSAFE.filter(([name]) => name !== 'LF');

/** The field errors of a body the contract refuses; [] when it accepts it. */
function fieldsRefused(schema: z.ZodType, body: unknown): string[] {
  try {
    parse('body', schema, body);
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return (e.errors ?? []).map((f) => f.field);
  }
}

const line = { description: 'Consulting', quantity: 1, unitPrice: 100, vatRate: 23 };
const method = { type: 'bank-transfer', label: 'Bank', enabled: true };
const other = {
  paymentTermsDays: 14,
  defaultCurrency: 'EUR',
  invoiceTemplate: 'classic',
  reminders: { enabled: false, daysBeforeDue: [], daysAfterDue: [] },
  defaultNotes: null,
  termsAndConditions: null,
};
const business = { name: null, legalName: null, taxId: null, address: null, email: null, phone: null, website: null };

/** One or more representative single-line fields per contract area: [area, schema, body with `v` in the field, field]. */
const SINGLE_LINE: Array<[string, z.ZodType, (v: string) => unknown, string]> = [
  ['organization name', createOrganizationBody, (v) => ({ name: `Acme${v}` }), 'body.name'],
  ['account name', updateAccountBody, (v) => ({ name: `Acme${v}`, version: 1 }), 'body.name'],
  ['sub-account name', createSubAccountBody, (v) => ({ name: `North${v}`, externalId: 'N-1' }), 'body.name'],
  ['role name', createRoleBody, (v) => ({ name: `Integrator${v}`, permissions: ['clients.view'] }), 'body.name'],
  ['document line description', createDocumentBody, (v) => ({ currency: 'EUR', lines: [{ ...line, description: `Work${v}` }] }), 'body.lines.0.description'],
  ['client name', createClientBody, (v) => ({ name: `Acme${v}` }), 'body.name'],
  ['client address', createClientBody, (v) => ({ name: 'Acme', address: { line1: `Main St${v}` } }), 'body.address.line1'],
  ['item name', createItemBody, (v) => ({ name: `Widget${v}`, unitPrice: 1, currency: 'EUR', vatRate: 23 }), 'body.name'],
  ['payment reference', createPaymentBody, (v) => ({ invoiceId: '01JDEMC0000000000000000001', amount: 1, paidAt: '2026-01-01', reference: `R${v}` }), 'body.reference'],
  ['business name', businessSettings, (v) => ({ ...business, name: `Acme${v}` }), 'body.name'],
  ['payment method label', paymentMethodSettings, (v) => ({ methods: [{ ...method, label: `Bank${v}` }] }), 'body.methods.0.label'],
];

/** Texts of several lines: a line feed is fine, nothing else of the list. */
const MULTI_LINE: Array<[string, z.ZodType, (v: string) => unknown, string]> = [
  ['document notes', createDocumentBody, (v) => ({ currency: 'EUR', lines: [line], notes: `Thanks${v}` }), 'body.notes'],
  ['client notes', createClientBody, (v) => ({ name: 'Acme', notes: `Call first${v}` }), 'body.notes'],
  ['item description', createItemBody, (v) => ({ name: 'W', unitPrice: 1, currency: 'EUR', vatRate: 23, description: `Blue${v}` }), 'body.description'],
  ['role description', createRoleBody, (v) => ({ name: 'R', permissions: ['clients.view'], description: `For${v}` }), 'body.description'],
  ['default notes', otherSettings, (v) => ({ ...other, defaultNotes: `Thanks${v}` }), 'body.defaultNotes'],
  ['terms and conditions', otherSettings, (v) => ({ ...other, termsAndConditions: `Terms${v}` }), 'body.termsAndConditions'],
  ['payment instructions', paymentMethodSettings, (v) => ({ methods: [{ ...method, instructions: `IBAN${v}` }] }), 'body.methods.0.instructions'],
];

describe('free text in the contracts', () => {
  describe.each(SINGLE_LINE)('%s (one line)', (_, schema, body, field) => {
    it('accepts ordinary text in any script, emoji included', () => {
      for (const v of ['', ' Zażółć gęślą jaźń', ' 東京', ' شركة', ' 🙂', " O'Brien & Co. (\"Ltd\")"]) expect(fieldsRefused(schema, body(v))).toEqual([]);
    });
    it.each(UNSAFE)('refuses %s with a 400 naming the field', (_name, ch) => {
      expect(fieldsRefused(schema, body(`${ch}x`))).toEqual([field]);
    });
  });

  describe.each(MULTI_LINE)('%s (several lines)', (_, schema, body, field) => {
    it('accepts line feeds', () => {
      expect(fieldsRefused(schema, body('\nsecond line\n\nthird'))).toEqual([]);
    });
    it.each(MULTI_LINE_UNSAFE)('refuses %s with a 400 naming the field', (_name, ch) => {
      expect(fieldsRefused(schema, body(`${ch}x`))).toEqual([field]);
    });
  });

  it('leaves no free-text field of any request body without the check', () => {
    // Every string of every body that takes plain text (it accepts `ok`) must refuse a NUL,
    // a bidi override and a lone surrogate: a new field cannot forget the building block.
    const unguarded: string[] = [];
    const walk = (schema: z.ZodType, where: string): void => {
      const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
      switch (def.type) {
        case 'object':
          for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(v, `${where}.${k}`);
          return;
        case 'array':
          return walk(def.element as z.ZodType, `${where}.0`);
        case 'optional':
        case 'nullable':
        case 'default':
        case 'readonly':
        case 'nonoptional':
          return walk(def.innerType as z.ZodType, where);
        case 'pipe':
          walk(def.in as z.ZodType, where);
          return walk(def.out as z.ZodType, where);
        case 'union':
          for (const o of def.options as z.ZodType[]) walk(o, where);
          return;
        case 'string':
          if (!schema.safeParse('ok').success) return; // a format (e-mail, URL, IBAN…), not free text
          for (const bad of ['o\u0000k', 'o\u202ek', 'o\ud800k']) if (schema.safeParse(bad).success) unguarded.push(where);
          return;
        default:
          return;
      }
    };
    for (const [id, contract] of Object.entries(CONTRACTS)) if (contract?.body) walk(contract.body, `${id}:body`);
    expect([...new Set(unguarded)]).toEqual([]);
  });
});

describe('versions in the contracts', () => {
  /*
   * Every body or query that takes a `version` caps it: 2^53 - 1 passes `.int()`, and a
   * change computing `version + 1` from it wrote a number DynamoDB's marshaller refuses
   * (an opaque 500; found by test/e2e/fuzz.test.ts).
   */
  const versionIssues = (schema: z.ZodType, version: unknown) => {
    const out = schema.safeParse({ version });
    return out.success ? [] : out.error.issues.filter((i) => i.path[0] === 'version' || (i.code === 'unrecognized_keys' && i.keys.includes('version')));
  };
  // Those that read a version: 1 raises nothing about it, a word does.
  const versioned = Object.entries(CONTRACTS).flatMap(([id, c]) =>
    (['body', 'query'] as const).flatMap((where) => {
      const schema = c?.[where] as z.ZodType | undefined;
      if (!schema || versionIssues(schema, 1).length || !versionIssues(schema, 'one').length) return [];
      return [{ id, where, issues: versionIssues(schema, 2 ** 53 - 1).map((i) => i.message) }];
    }),
  );

  it('refuses a version over MAX_VERSION in every body and query that takes one', () => {
    expect(versioned.length).toBeGreaterThan(20);
    expect(versioned.filter((v) => !v.issues.includes(`no version is over ${MAX_VERSION}`))).toEqual([]);
  });
});
