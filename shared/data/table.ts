/*
 * The one declaration of the single table: CDK builds the table from it and the local
 * runtime creates it in DynamoDB Local from it, so the two cannot drift.
 */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** The access patterns this index serves (see docs/data-model.md). */
  readonly serves: readonly string[];
}

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [
    {
      indexName: 'gsi1',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      serves: [
        'memberships of a user, across organizations',
        'accounts of an organization (all of them, or the sub-accounts of its main account)',
        'documents of a kind in an account by issue date',
      ],
    },
    {
      indexName: 'gsi2',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      serves: [
        'documents of a kind one creator made in an account, by issue date',
        'payments on the invoices of one creator',
        'audit entries by actor (optionally filtered on the target)',
      ],
    },
    {
      indexName: 'gsi4',
      partitionKey: 'gsi4pk',
      sortKey: 'gsi4sk',
      serves: [
        'holders of a role across an organization (last Owner, Backoffice seats, custom role in use)',
        'audit entries by target',
      ],
    },
  ],
} as const satisfies {
  partitionKey: string;
  sortKey: string;
  ttlAttribute: string;
  indexes: readonly IndexDefinition[];
};

export type IndexName = (typeof TABLE.indexes)[number]['indexName'];

/** Key attributes of every item: these are strings everywhere. */
export const KEY_ATTRIBUTES = [
  TABLE.partitionKey,
  TABLE.sortKey,
  ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
] as const;
