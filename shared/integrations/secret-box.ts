import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * Integration secrets (a shop's webhook signing secret, an Allegro refresh token) are
 * stored ENCRYPTED, not hashed: verifying an HMAC-SHA256 signature needs the plain secret.
 * The secret box is the port that seals and opens them, so use cases and tests never
 * depend on AWS:
 *   - in AWS, KMS (Encrypt/Decrypt with the stack's key; the integration id is the
 *     encryption context, so a sealed secret copied onto another integration does not open);
 *   - locally (`npm start`, tests), AES-256-GCM with a 32-byte key from KONTOR_SECRET_KEY
 *     (base64), the integration id as additional authenticated data.
 * A sealed value names its scheme (`kms:` / `aesgcm:`), so a table never mixes them silently.
 */
export interface SecretBox {
  seal(plain: string, integrationId: string): Promise<string>;
  open(sealed: string, integrationId: string): Promise<string>;
}

/** The tiny slice of the KMS client the box uses; `KmsSecretBox` adapts the real client to it. */
export interface KmsPort {
  encrypt(keyId: string, plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
  decrypt(ciphertext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

const contextOf = (integrationId: string) => ({ integrationId });

export function kmsSecretBox(kms: KmsPort, keyId: string): SecretBox {
  return {
    seal: async (plain, id) => `kms:${Buffer.from(await kms.encrypt(keyId, Buffer.from(plain, 'utf8'), contextOf(id))).toString('base64')}`,
    open: async (sealed, id) => {
      if (!sealed.startsWith('kms:')) throw new Error('the secret was not sealed by KMS');
      return Buffer.from(await kms.decrypt(Buffer.from(sealed.slice(4), 'base64'), contextOf(id))).toString('utf8');
    },
  };
}

export function localSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the local secret key must be 32 bytes (base64 in KONTOR_SECRET_KEY)');
  return {
    seal: async (plain, id) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `aesgcm:${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.')}`;
    },
    open: async (sealed, id) => {
      const parts = sealed.startsWith('aesgcm:') ? sealed.slice(7).split('.') : [];
      if (parts.length !== 3) throw new Error('the secret was not sealed by the local key');
      const [iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64')) as [Buffer, Buffer, Buffer];
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}

let configured: SecretBox | undefined;

/**
 * The box of this process: KMS when SECRET_KEY_ID names a key (the stack sets it), else
 * the local key. Without either, sealing fails loudly rather than storing a secret in clear.
 */
export async function secretBox(): Promise<SecretBox> {
  if (configured) return configured;
  const keyId = process.env.SECRET_KEY_ID;
  if (keyId) {
    const { kmsClientPort } = await import('./kms.js');
    configured = kmsSecretBox(kmsClientPort(), keyId);
  } else if (process.env.KONTOR_SECRET_KEY) {
    configured = localSecretBox(Buffer.from(process.env.KONTOR_SECRET_KEY, 'base64'));
  } else {
    throw new Error('no secret key: set SECRET_KEY_ID (KMS) or KONTOR_SECRET_KEY (local, base64 of 32 bytes)');
  }
  return configured;
}

/** Test seam: a box of the test's choosing; without an argument, back to the environment's. */
export function setSecretBox(box?: SecretBox): void {
  configured = box;
}
