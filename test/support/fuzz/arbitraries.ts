import fc from 'fast-check';
import type * as z from 'zod';
import type { RouteContract } from '#shared/contracts/types.js';
import type { Route } from '#shared/http/routes.js';

/*
 * Request arbitraries generated from a route's zod contract (path, query, body), so every
 * route of the table is fuzzed as it is published, and a route added later is too:
 *   - valid: what the schema describes (bounds, enums, patterns; refinements are not
 *     generated, so some of these are near-valid anyway);
 *   - near-valid: a valid value with one change (a field hostile, a required key dropped,
 *     an unknown or prototype key added);
 *   - hostile: strings and numbers that broke parsers elsewhere (NUL, CR/LF, bidi overrides,
 *     unpaired surrogates, huge and negative-zero numbers, numbers beyond the safe
 *     integers and beyond a double, "NaN" strings, `__proto__`/`constructor` keys, deep
 *     nesting), anywhere in path, query and body.
 */

type Schema = z.ZodType;
interface Def {
  type: string;
  [k: string]: unknown;
}
interface Bag {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  patterns?: Set<RegExp>;
}
const defOf = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const bagOf = (s: Schema): Bag => (s as unknown as { _zod: { bag?: Bag } })._zod.bag ?? {};

/** A JSON number literal that JSON.stringify cannot write (beyond a double): spliced into the text. */
const RAW = '\u0001raw:';
const raw = (literal: string) => `${RAW}${literal}\u0001`;
/** The body as sent: JSON, with the raw number literals put in place. */
export const toJsonText = (value: unknown): string =>
  JSON.stringify(value).replace(/"\\u0001raw:([^"\\]*)\\u0001"/g, (_, literal: string) => literal);

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'line\r\nbreak',
  '\u0007\u001b[31m',
  '\u202Eevil\u202C',
  '\u2066isolate',
  '\uD800',
  'x\uDFFFy',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  "=cmd|' /C calc'!A0",
  'Acme;=1+1',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  'null',
  'true',
  '[]',
  '{}',
  '😀'.repeat(300),
  'x'.repeat(5000),
  'ﷺ'.repeat(100),
];

export const HOSTILE_NUMBERS: readonly unknown[] = [
  0,
  -0,
  -1,
  1.5,
  0.1 + 0.2,
  5e-324,
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e21,
  1e308,
  -1e308,
  raw('1e309'),
  raw('-1e309'),
  raw('123456789012345678901234567890'),
  raw('1.0000000000000000000000001'),
  'NaN',
  'Infinity',
  '1',
];

const protoObject = (): Record<string, unknown> =>
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":"x","valueOf":1}') as Record<string, unknown>;
const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

/** Any hostile JSON value: strings, numbers, wrong types, prototype keys, deep nesting. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], ['__proto__']) },
    { weight: 1, arbitrary: fc.constant(null).map(protoObject) },
    { weight: 1, arbitrary: fc.constantFrom(50, 2_000).map(nested) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );

/**
 * A string for a path, query or header position: hostile text, or a number or literal
 * written out. At most 1,000 characters: a URL over API Gateway's limits never reaches a
 * handler (and the local server's 16 KB header limit would drop the connection).
 */
const hostileText = (): fc.Arbitrary<string> =>
  hostileValue().map((v) => (typeof v === 'string' ? (v.startsWith(RAW) ? v.slice(RAW.length, -1) : v) : JSON.stringify(v)).slice(0, 1000));

const MAX_DEPTH = 6;

/** Values the schema describes (bounds, enums, patterns, required keys). */
export function validOf(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const bag = bagOf(schema);
  if (depth > MAX_DEPTH) return fc.constant(undefined);
  switch (def.type) {
    case 'string': {
      const patterns = [...(bag.patterns ?? [])];
      if (patterns.length) return fc.stringMatching(patterns[0]!).filter((v) => patterns.every((p) => p.test(v)));
      if (bag.format === 'email') return fc.emailAddress();
      if (bag.format === 'datetime') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (bag.format === 'url') return fc.webUrl();
      const minLength = bag.minimum ?? 0;
      const maxLength = Math.max(minLength, Math.min(bag.maximum ?? 40, 40));
      return fc.oneof(
        fc.string({ minLength, maxLength }),
        // Dates and ids are strings with refinements: a plausible one now and then.
        fc.constantFrom('2026-03-15', '01JTEST0000000000000000000A', 'EUR').filter((v) => v.length >= minLength && v.length <= maxLength),
      );
    }
    case 'number': {
      const int = typeof bag.format === 'string' && /int/.test(bag.format);
      const min = bag.minimum ?? (bag.exclusiveMinimum !== undefined ? bag.exclusiveMinimum + (int ? 1 : 1e-3) : -1e6);
      const max = bag.maximum ?? (bag.exclusiveMaximum !== undefined ? bag.exclusiveMaximum - (int ? 1 : 1e-3) : 1e6);
      const lo = Math.max(min, -Number.MAX_SAFE_INTEGER);
      const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
      if (int) return fc.oneof(fc.integer({ min: Math.ceil(Math.max(lo, -1e9)), max: Math.floor(Math.min(hi, 1e9)) }), fc.constantFrom(Math.ceil(lo), Math.floor(hi)));
      return fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
    case 'optional':
      return fc.option(validOf(def.innerType as Schema, depth + 1), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(validOf(def.innerType as Schema, depth + 1), { nil: null, freq: 4 });
    case 'default':
    case 'prefault':
      return fc.option(validOf(def.innerType as Schema, depth + 1), { nil: undefined, freq: 3 });
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return validOf(def.innerType as Schema, depth + 1);
    case 'pipe':
      return validOf(def.in as Schema, depth + 1);
    case 'lazy':
      return validOf((def.getter as () => Schema)(), depth + 1);
    case 'array': {
      const minLength = bag.minimum ?? 0;
      return fc.array(validOf(def.element as Schema, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(bag.maximum ?? 3, 3)) });
    }
    case 'tuple':
      return fc.tuple(...(def.items as Schema[]).map((s) => validOf(s, depth + 1)));
    case 'union':
      return fc.oneof(...(def.options as Schema[]).map((s) => validOf(s, depth + 1)));
    case 'intersection':
      return fc
        .tuple(validOf(def.left as Schema, depth + 1), validOf(def.right as Schema, depth + 1))
        .map(([a, b]) => (isPlainObject(a) && isPlainObject(b) ? { ...a, ...b } : a));
    case 'record':
      return fc.dictionary(
        validOf(def.keyType as Schema, depth + 1).map(String),
        validOf(def.valueType as Schema, depth + 1),
        { maxKeys: 3 },
      );
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      const entries = Object.entries(shape).map(([k, s]) => [k, validOf(s, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries)).map(dropUndefined);
    }
    default:
      // any, unknown, custom, transform: whatever JSON.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const dropUndefined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Keys an object schema names, with whether each is required. */
function keysOf(schema: Schema | undefined): Array<{ key: string; required: boolean }> {
  if (!schema) return [];
  const def = defOf(schema);
  if (def.type === 'object') {
    return Object.entries(def.shape as Record<string, Schema>).map(([key, s]) => ({
      key,
      required: !['optional', 'default', 'prefault'].includes(defOf(s).type),
    }));
  }
  if (def.type === 'pipe') return keysOf(def.in as Schema);
  if (['optional', 'nullable', 'default', 'readonly'].includes(def.type)) return keysOf(def.innerType as Schema);
  return [];
}

/** One change to a valid object: a field made hostile, a required key dropped, an unknown or prototype key added. */
function nearValid(base: fc.Arbitrary<unknown>, schema: Schema | undefined): fc.Arbitrary<unknown> {
  const keys = keysOf(schema).map((k) => k.key);
  const known = keys.length ? fc.constantFrom(...keys) : fc.constant('name');
  return fc
    .tuple(base, fc.constantFrom('hostile field', 'drop key', 'extra key', 'proto key', 'wrong type'), known, hostileValue())
    .map(([value, how, key, bad]) => {
      if (!isPlainObject(value)) return bad;
      const out: Record<string, unknown> = { ...value };
      switch (how) {
        case 'hostile field':
          out[key] = bad;
          return out;
        case 'drop key':
          delete out[key];
          return out;
        case 'extra key':
          return { ...out, [`zz${typeof bad === 'string' ? bad.slice(0, 20) : typeof bad}`]: bad };
        case 'proto key':
          return Object.assign(protoObject(), out);
        default:
          out[key] = Array.isArray(out[key]) ? { 0: out[key] } : [out[key]];
          return out;
      }
    });
}

export interface FuzzCase {
  kind: 'valid' | 'near-valid' | 'hostile';
  /** Path parameters other than the account; `POOL` asks for an id the run has created. */
  path: Record<string, string>;
  query: Record<string, string>;
  /** The body as sent (JSON text), or none. */
  body: string | undefined;
  /** Versioned routes: an If-Match header, which the wrapper reads as the body's version. */
  ifMatch: string | undefined;
}
export const POOL = '\u0000pool';

const hasBody = (route: Route) => route.method !== 'GET' && route.method !== 'DELETE';
const paramsOf = (route: Route): string[] => [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((p) => p !== 'accountId');

/** A path parameter: the schema's value, an id the run created, or hostile text. */
function pathArb(route: Route, contract: RouteContract | undefined, kind: FuzzCase['kind']): fc.Arbitrary<Record<string, string>> {
  const shape = contract?.path && defOf(contract.path).type === 'object' ? (defOf(contract.path).shape as Record<string, Schema>) : {};
  const params = paramsOf(route);
  return fc.record(
    Object.fromEntries(
      params.map((p) => {
        const valid = shape[p] ? validOf(shape[p]).map((v) => String(v)) : fc.string({ minLength: 1, maxLength: 30 });
        const choices: fc.Arbitrary<string>[] = [valid, fc.constant(POOL)];
        if (kind !== 'valid') choices.push(hostileText().filter((v) => v !== ''));
        return [p, fc.oneof(...choices)];
      }),
    ),
  );
}

/** A query: the schema's, stringified; near-valid and hostile ones add prototype and hostile keys and values. */
function queryArb(contract: RouteContract | undefined, kind: FuzzCase['kind']): fc.Arbitrary<Record<string, string>> {
  const toQuery = (v: unknown): Record<string, string> =>
    isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)])) : {};
  const valid = contract?.query ? validOf(contract.query).map(toQuery) : fc.constant({});
  if (kind === 'valid') return valid;
  const keys = [...keysOf(contract?.query).map((k) => k.key), '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'cursor', 'limit'];
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.constantFrom(...keys), hostileText()), { minLength: 1, maxLength: 3 }))
    .map(([q, extra]) => {
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(q as Record<string, string>)) out[k] = v;
      for (const [k, v] of extra) out[k] = v;
      return out;
    });
}

function bodyArb(route: Route, contract: RouteContract | undefined, kind: FuzzCase['kind']): fc.Arbitrary<string | undefined> {
  if (!hasBody(route)) return fc.constant(undefined);
  const valid = contract?.body ? validOf(contract.body) : fc.constant({});
  const value = kind === 'valid' ? valid : kind === 'near-valid' ? nearValid(valid, contract?.body) : hostileValue();
  return value.map(toJsonText);
}

/** An entity tag: none, a small version, or one beyond what a version can be. */
function ifMatchArb(route: Route, kind: FuzzCase['kind']): fc.Arbitrary<string | undefined> {
  if (!route.versioned) return fc.constant(undefined);
  const versions = fc.oneof(fc.integer({ min: 0, max: 3 }).map(String), fc.constantFrom('9007199254740991', '9007199254740992', '99999999999999999999999', '1e3', '-0'));
  const tag = versions.map((v) => `"${v}"`);
  if (kind === 'valid') return fc.option(tag, { nil: undefined });
  return fc.oneof(fc.constant(undefined), tag, versions.map((v) => `W/"${v}"`), hostileText());
}

/** Requests for one route: valid, near-valid and hostile in about equal parts. */
export function requestsFor(route: Route, contract: RouteContract | undefined): fc.Arbitrary<FuzzCase> {
  const of = (kind: FuzzCase['kind']) =>
    fc.record({
      kind: fc.constant(kind),
      path: pathArb(route, contract, kind),
      query: queryArb(contract, kind),
      body: bodyArb(route, contract, kind),
      ifMatch: ifMatchArb(route, kind),
    });
  return fc.oneof(of('valid'), of('near-valid'), of('hostile'));
}

/**
 * Percent-encodes every byte of the text's UTF-8 but the unreserved ones. Unlike
 * encodeURIComponent it never throws: an unpaired surrogate goes as U+FFFD, which is
 * what a client's UTF-8 encoder sends for it.
 */
export const encode = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** The query string as sent: every key and value percent-encoded, in order. */
export const queryString = (query: Record<string, string>): string => {
  const parts = Object.keys(query).map((k) => `${encode(k)}=${encode(query[k]!)}`);
  return parts.length ? `?${parts.join('&')}` : '';
};
