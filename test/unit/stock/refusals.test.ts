import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TransientConflict } from '#shared/data/dynamo.js';
import { promoCodeEntity, useStep, type PromoCode } from '#shared/data/entities/promo-code.js';
import { InsufficientStock } from '#shared/data/entities/stock.js';
import { recordWarehouseDocument, type WarehouseDocument } from '#shared/data/entities/warehouse-document.js';
import type { Warehouse } from '#shared/data/entities/warehouse.js';
import { transact } from '#shared/data/dynamo.js';
import { Conflict, ValidationError } from '#shared/domain/errors.js';

/* What a refused stock movement or promo-code use answers, from the item DynamoDB returns with the refusal. */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const ddb = mockClient(DynamoDBDocumentClient);
const store = { db, table: 'kontor-test', now: () => new Date('2026-03-10T10:00:00Z') };
afterEach(() => ddb.reset());

const cancelled = (reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((r) => ({ Code: r.Code, ...(r.Item ? { Item: marshall(r.Item) } : {}) })),
  });

const warehouse: Warehouse = { warehouseId: 'W1', accountId: 'A', name: 'Main', allowNegative: false, createdBy: 'u', createdAt: 'x', updatedAt: 'x', version: 3 };
const issue: WarehouseDocument = {
  documentId: 'D1',
  accountId: 'A',
  organizationId: 'O',
  kind: 'issued',
  warehouseId: 'W1',
  date: '2026-03-10',
  lines: [{ itemId: 'I1', itemName: 'Widget', quantity: 2500 }],
  createdBy: 'u',
  createdAt: 'x',
  updatedAt: 'x',
  version: 1,
};
const onMoved = () => new TransientConflict('warehouse moved');

describe('a stock movement', () => {
  it('conditions an outgoing level of a guarded warehouse on covering it, and writes the day movement unconditioned', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await recordWarehouseDocument(store, issue, new Map([['W1', warehouse]]), onMoved);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(4); // document, level, day movement, warehouse check
    expect(items[1]!.Update).toMatchObject({ ConditionExpression: '#q >= :out', ExpressionAttributeValues: { ':delta': -2500, ':out': 2500 } });
    expect(items[2]!.Update?.ConditionExpression).toBeUndefined();
    expect(items[3]!.ConditionCheck).toMatchObject({ ExpressionAttributeValues: { ':version': 3 } });
  });

  it('in a warehouse that allows negative stock, the level is not conditioned', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await recordWarehouseDocument(store, issue, new Map([['W1', { ...warehouse, allowNegative: true }]]), onMoved);
    expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Update?.ConditionExpression).toBeUndefined();
  });

  it('when the level does not cover it, answers 409 naming item and warehouse with what is available', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { quantity: 1000 } }, { Code: 'None' }, { Code: 'None' }]));
    const err = await recordWarehouseDocument(store, issue, new Map([['W1', warehouse]]), onMoved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStock);
    expect((err as InsufficientStock).message).toContain('Widget (I1)');
    expect((err as InsufficientStock).message).toContain('Main (W1)');
    expect((err as InsufficientStock).extensions).toEqual({ itemId: 'I1', warehouseId: 'W1', available: 1, requested: 2.5 });
  });

  it('when the warehouse changed meanwhile, answers the retryable conflict so the decision is made again', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { version: 4 } }]));
    await expect(recordWarehouseDocument(store, issue, new Map([['W1', warehouse]]), onMoved)).rejects.toBeInstanceOf(TransientConflict);
  });
});

describe('a promo-code use', () => {
  const code: PromoCode = { code: 'SPRING', accountId: 'A', kind: 'percent', percent: 10, validFrom: '2026-01-01', validTo: '2026-12-31', usageLimit: 5, used: 4, createdBy: 'u', createdAt: 'x', updatedAt: 'x', version: 1 };
  const refuse = async (now: Record<string, unknown> | undefined) => {
    ddb.on(TransactWriteCommand).rejects(cancelled([now ? { Code: 'ConditionalCheckFailed', Item: now } : { Code: 'ConditionalCheckFailed' }]));
    return transact(store, [useStep(store, code, '2026-03-10')]).catch((e: unknown) => e);
  };
  const stored = (c: PromoCode) => promoCodeEntity.item(c);

  it('when the limit was reached by a concurrent use, answers 409 exhausted with the count', async () => {
    const err = await refuse(stored({ ...code, used: 5 }));
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Conflict).message).toBe('promo code SPRING is exhausted: used 5 of 5 times');
    expect((err as Conflict).extensions).toMatchObject({ used: 5, usageLimit: 5 });
  });

  it('when the window was moved meanwhile, answers 409 expired', async () => {
    expect(((await refuse(stored({ ...code, validTo: '2026-03-01' }))) as Conflict).message).toBe('promo code SPRING expired on 2026-03-01');
  });

  it('when the code was deleted meanwhile, answers 400 naming it', async () => {
    const err = await refuse(undefined);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors).toEqual([{ field: 'body.code', message: 'unknown promo code SPRING' }]);
  });
});
