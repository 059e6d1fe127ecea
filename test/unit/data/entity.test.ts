import { describe, expect, it } from 'vitest';
import { paymentEntity, type Payment } from '#shared/data/entities/payment.js';
import { CorruptItem } from '#shared/data/entity.js';

/* An entity builds every item it writes and parses every item it reads. */
const payment: Payment = {
  paymentId: '01JPAY00000000000000000001',
  organizationId: 'org_1',
  accountId: 'acc_1',
  invoiceId: '01JDOC00000000000000000001',
  invoiceCreatedBy: 'u#1',
  amount: 10,
  currency: 'EUR',
  paidAt: '2026-03-02',
  createdBy: 'u2',
  createdAt: 't',
};

describe('an entity module', () => {
  it('writes its keys, index keys and type tag, encoding ids so they cannot forge a key', () => {
    expect(paymentEntity.item(payment)).toMatchObject({
      pk: 'ACCOUNT#acc_1#PAYMENTS',
      sk: 'PAYMENT#01JPAY00000000000000000001',
      gsi2pk: 'ACCOUNT#acc_1#CREATOR#u%231#PAYMENTS',
      type: 'payment',
    });
  });

  it('reads back exactly the entity: key attributes and unknown attributes dropped', () => {
    expect(paymentEntity.parse({ ...paymentEntity.item(payment), stray: 'x' })).toEqual(payment);
  });

  it('refuses an item that does not match its schema or is another entity', () => {
    expect(() => paymentEntity.parse({ ...paymentEntity.item(payment), amount: '10' })).toThrow(CorruptItem);
    expect(() => paymentEntity.parse({ ...paymentEntity.item(payment), type: 'document' })).toThrow(CorruptItem);
  });
});
