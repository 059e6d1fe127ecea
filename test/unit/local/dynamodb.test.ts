import { afterEach, describe, expect, it } from 'vitest';
import { TABLE } from '#shared/data/table.js';
import { JavaMissing, checkJava, createTableInput } from '../../../scripts/local/dynamodb.js';

describe('the local DynamoDB launcher', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('fails with what to install when java is not on PATH', () => {
    process.env.PATH = '/nonexistent';
    expect(() => checkJava()).toThrow(JavaMissing);
    expect(() => checkJava()).toThrow(/apt-get install openjdk-17-jre-headless/);
  });

  it('creates the table from the one table declaration: keys and every index', () => {
    const input = createTableInput('t');
    expect(input.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(TABLE.indexes.map((i) => i.indexName));
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
  });
});
