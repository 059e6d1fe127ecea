import { randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { kmsClientPort } from '#shared/integrations/kms.js';
import { kmsSecretBox, localSecretBox } from '#shared/integrations/secret-box.js';

describe('secret box', () => {
  it('local: seals with AES-256-GCM bound to the integration id; tampering or another id does not open', async () => {
    const box = localSecretBox(randomBytes(32));
    const sealed = await box.seal('whsec', 'INT1');
    expect(sealed).toMatch(/^aesgcm:/);
    expect(sealed).not.toContain('whsec');
    expect(await box.open(sealed, 'INT1')).toBe('whsec');
    await expect(box.open(sealed, 'INT2')).rejects.toThrow();
    const [iv, tag, body] = sealed.slice(7).split('.') as [string, string, string];
    const flipped = Buffer.from(body, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    await expect(box.open(`aesgcm:${iv}.${tag}.${flipped.toString('base64')}`, 'INT1')).rejects.toThrow();
    await expect(localSecretBox(randomBytes(32)).open(sealed, 'INT1')).rejects.toThrow();
    expect(() => localSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('KMS: encrypts under the key with the integration id as encryption context, and decrypts with it', async () => {
    const kms = mockClient(KMSClient);
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('cipher') });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('whsec') });
    const box = kmsSecretBox(kmsClientPort(new KMSClient({ region: 'eu-central-1' })), 'arn:aws:kms:eu-central-1:1:key/k');
    const sealed = await box.seal('whsec', 'INT1');
    expect(sealed).toBe(`kms:${Buffer.from('cipher').toString('base64')}`);
    expect(kms.commandCalls(EncryptCommand)[0]!.args[0].input).toMatchObject({ KeyId: 'arn:aws:kms:eu-central-1:1:key/k', EncryptionContext: { integrationId: 'INT1' } });
    expect(await box.open(sealed, 'INT1')).toBe('whsec');
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({ EncryptionContext: { integrationId: 'INT1' } });
    await expect(box.open('aesgcm:x', 'INT1')).rejects.toThrow(/KMS/);
    kms.restore();
  });
});
