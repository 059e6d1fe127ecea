import { ALL_PERMISSIONS, PERMISSION_COUNT, bitOf, type Permission } from './catalogue.js';

/*
 * A compiled permission set: one bit per catalogue permission in 32-bit words. It is
 * immutable once built, travels through the authorizer context as lowercase hex, and a
 * membership test is a shift and an AND.
 */
export const WORDS = Math.ceil(PERMISSION_COUNT / 32);
const HEX_LENGTH = WORDS * 8;

export type PermissionSet = Readonly<Uint32Array>;

export function compile(permissions: Iterable<string>): PermissionSet {
  const words = new Uint32Array(WORDS);
  for (const p of permissions) {
    const bit = bitOf(p);
    if (bit === undefined) throw new Error(`unknown permission ${p}`);
    words[bit >>> 5]! |= 1 << (bit & 31);
  }
  return words;
}

export const EMPTY: PermissionSet = new Uint32Array(WORDS);

export const hasBit = (set: PermissionSet, bit: number): boolean =>
  (set[bit >>> 5]! & (1 << (bit & 31))) !== 0;

export function union(a: PermissionSet, b: PermissionSet): PermissionSet {
  const out = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) out[i] = a[i]! | b[i]!;
  return out;
}

/** True when every permission of `inner` is also in `outer`. */
export function isSubset(inner: PermissionSet, outer: PermissionSet): boolean {
  for (let i = 0; i < WORDS; i++) if ((inner[i]! & ~outer[i]!) !== 0) return false;
  return true;
}

export function toNames(set: PermissionSet): Permission[] {
  return ALL_PERMISSIONS.filter((_, bit) => hasBit(set, bit));
}

export function toHex(set: PermissionSet): string {
  let s = '';
  for (let i = 0; i < WORDS; i++) s += set[i]!.toString(16).padStart(8, '0');
  return s;
}

/** Parses what toHex wrote; anything else (wrong length, stray bits) is undefined: deny. */
export function fromHex(hex: string): PermissionSet | undefined {
  if (hex.length !== HEX_LENGTH || !/^[0-9a-f]+$/.test(hex)) return undefined;
  const words = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  const spare = WORDS * 32 - PERMISSION_COUNT;
  if (spare > 0 && words[WORDS - 1]! >>> (32 - spare) !== 0) return undefined;
  return words;
}
