import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/*
 * The local stand-in for the stack's KMS key: 32 random bytes (AES-256-GCM), base64, for
 * KONTOR_SECRET_KEY. Kept in a file of the local data dir (owner-only) when there is one,
 * so integration secrets sealed before a restart still open; in memory otherwise.
 */
export function loadLocalSecretKey(file: string | undefined): string {
  if (file && existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (Buffer.from(key, 'base64').length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  const key = randomBytes(32).toString('base64');
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
  }
  return key;
}
