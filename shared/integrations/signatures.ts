import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IntegrationKind } from '../data/entities/integration.js';

/*
 * Webhook signatures (SPEC 6.4). WooCommerce and Shopify both sign the RAW request body
 * with HMAC-SHA256 under the shared secret and send the digest base64-encoded:
 *   WooCommerce  X-WC-Webhook-Signature   (WC_Webhook::generate_signature)
 *   Shopify      X-Shopify-Hmac-Sha256
 * The digest must be computed over the bytes as received: parsing and re-serializing
 * the JSON would change them. The comparison is constant-time over equal-length buffers
 * (a digest of another length is refused before comparing, which leaks only the length,
 * and that is public: 32 bytes).
 */
export const SIGNATURE_HEADER: Partial<Record<IntegrationKind, string>> = {
  woocommerce: 'x-wc-webhook-signature',
  shopify: 'x-shopify-hmac-sha256',
};
export const DELIVERY_ID_HEADER: Partial<Record<IntegrationKind, string>> = {
  woocommerce: 'x-wc-webhook-delivery-id',
  shopify: 'x-shopify-webhook-id',
};
export const TOPIC_HEADER: Partial<Record<IntegrationKind, string>> = {
  woocommerce: 'x-wc-webhook-topic',
  shopify: 'x-shopify-topic',
};

export const signBody = (secret: string, body: Buffer): string => createHmac('sha256', secret).update(body).digest('base64');

/** True when `signature` (base64, as the header carries it) is the HMAC-SHA256 of `body` under `secret`. */
export function verifySignature(secret: string, body: Buffer, signature: string | undefined): boolean {
  if (signature === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature.trim())) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signature.trim(), 'base64');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

/**
 * WooCommerce's ping: when a webhook is created (or re-activated) it POSTs
 * `webhook_id=<id>` as a form body, unsigned, and disables the webhook unless it gets a
 * 2xx. Recognized by its exact shape only, so no order can pass as a ping.
 */
export function isWooCommercePing(body: Buffer, contentType: string | undefined): boolean {
  if (body.length > 64) return false;
  const text = body.toString('utf8');
  return /^webhook_id=\d+$/.test(text) && (contentType === undefined || contentType.startsWith('application/x-www-form-urlencoded'));
}
