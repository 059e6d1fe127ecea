import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWooCommercePing, signBody, verifySignature } from '#shared/integrations/signatures.js';

describe('webhook signatures', () => {
  const secret = 'a-shared-secret-of-the-shop';
  const body = Buffer.from('{"id":727,"total":"29.35"}');

  it('accepts the base64 HMAC-SHA256 of the raw body, as WooCommerce and Shopify compute it', () => {
    const expected = createHmac('sha256', secret).update(body).digest('base64');
    expect(signBody(secret, body)).toBe(expected);
    expect(verifySignature(secret, body, expected)).toBe(true);
  });

  it('refuses another body, another secret, a truncated or missing signature, and re-serialized JSON', () => {
    const sig = signBody(secret, body);
    expect(verifySignature(secret, Buffer.from('{"id":727,"total":"0.01"}'), sig)).toBe(false);
    expect(verifySignature('another', body, sig)).toBe(false);
    expect(verifySignature(secret, body, sig.slice(0, 20))).toBe(false);
    expect(verifySignature(secret, body, undefined)).toBe(false);
    expect(verifySignature(secret, body, 'not base64 !')).toBe(false);
    // The same JSON with other whitespace is other bytes: the signature is over the raw body.
    expect(verifySignature(secret, Buffer.from('{"id": 727, "total": "29.35"}'), sig)).toBe(false);
  });

  it("recognizes WooCommerce's creation ping by its exact form body only", () => {
    expect(isWooCommercePing(Buffer.from('webhook_id=15'), 'application/x-www-form-urlencoded')).toBe(true);
    expect(isWooCommercePing(Buffer.from('webhook_id=15'), undefined)).toBe(true);
    expect(isWooCommercePing(Buffer.from('webhook_id=15&x=1'), 'application/x-www-form-urlencoded')).toBe(false);
    expect(isWooCommercePing(body, 'application/json')).toBe(false);
  });
});
