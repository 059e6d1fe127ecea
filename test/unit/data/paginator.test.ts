import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, type QuerySpec } from '#shared/data/paginator.js';
import { ValidationError } from '#shared/domain/errors.js';

/* The one cursor: opaque, bound to its list and its caller; anything else is a 400 on query.cursor. */
const spec: QuerySpec = { index: 'gsi1', partition: 'ACCOUNT#a#DOCS#invoice' };
const last = { pk: 'ACCOUNT#a#DOCS', sk: 'DOC#invoice#X', gsi1pk: 'ACCOUNT#a#DOCS#invoice', gsi1sk: '2026-01-01#X' };

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};
const expectCursorRefused = (f: () => unknown) => {
  const e = refusal(f);
  expect(e).toBeInstanceOf(ValidationError);
  expect((e as ValidationError).errors).toEqual([{ field: 'query.cursor', message: 'invalid cursor' }]);
};

describe('the list cursor', () => {
  it('round-trips the last key for the same list and caller', () => {
    const c = encodeCursor(last, spec, 'u1')!;
    expect(decodeCursor(c, spec, 'u1')).toEqual(last);
  });

  it('reveals nothing of the key layout', () => {
    const c = encodeCursor(last, spec, 'u1')!;
    const text = Buffer.from(c, 'base64url').toString('latin1');
    // Four bytes or more each: a two-byte needle like `pk` turns up by chance in random
    // ciphertext (about once in 300 runs); the quoted JSON key cannot.
    for (const s of ['ACCOUNT', 'DOC#', 'gsi1', '"pk"', '2026']) expect(text).not.toContain(s);
  });

  it('is the end of the list when there is no last key', () => {
    expect(encodeCursor(undefined, spec, 'u1')).toBeNull();
  });

  it('refuses a cursor of another partition, index or caller', () => {
    const c = encodeCursor(last, spec, 'u1')!;
    expectCursorRefused(() => decodeCursor(c, { ...spec, partition: 'ACCOUNT#b#DOCS#invoice' }, 'u1'));
    expectCursorRefused(() => decodeCursor(c, { ...spec, index: 'gsi2' }, 'u1'));
    expectCursorRefused(() => decodeCursor(c, spec, 'u2'));
  });

  it('refuses every single-byte tampering', () => {
    const raw = Buffer.from(encodeCursor(last, spec, 'u1')!, 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const t = Buffer.from(raw);
      t[i] = t[i]! ^ 0x01;
      expectCursorRefused(() => decodeCursor(t.toString('base64url'), spec, 'u1'));
    }
  });

  it('refuses malformed, truncated and hand-made cursors (including the old plaintext kind)', () => {
    const c = encodeCursor(last, spec, 'u1')!;
    const handMade = Buffer.from(JSON.stringify(last)).toString('base64url');
    for (const bad of ['!!!', 'e30', c.slice(0, 20), c.slice(0, -2), handMade, 'A'.repeat(200)]) {
      expectCursorRefused(() => decodeCursor(bad, spec, 'u1'));
    }
  });

  it('refuses a cursor issued under another secret (a rotated stage secret)', () => {
    const before = process.env.CURSOR_SECRET;
    process.env.CURSOR_SECRET = 'secret-one';
    const c = encodeCursor(last, spec, 'u1')!;
    process.env.CURSOR_SECRET = 'secret-two';
    try {
      expectCursorRefused(() => decodeCursor(c, spec, 'u1'));
    } finally {
      if (before === undefined) delete process.env.CURSOR_SECRET;
      else process.env.CURSOR_SECRET = before;
    }
  });
});
