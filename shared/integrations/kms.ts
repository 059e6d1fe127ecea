import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { KmsPort } from './secret-box.js';

/* The real KMS client behind the secret box's port; loaded only where SECRET_KEY_ID is set. */
export function kmsClientPort(client: KMSClient = new KMSClient({})): KmsPort {
  return {
    encrypt: async (keyId, plaintext, context) => {
      const out = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }));
      if (!out.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return out.CiphertextBlob;
    },
    decrypt: async (ciphertext, context) => {
      const out = await client.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: context }));
      if (!out.Plaintext) throw new Error('KMS returned no plaintext');
      return out.Plaintext;
    },
  };
}
