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
        'memberships of a user',
        'pending invitations for an e-mail address',
        // invoicing (issue 5):
        'documents of a kind in an account by issue date',
      ],
    },
    {
      indexName: 'gsi2',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      serves: [
        'documents of one creator in an account',
        'audit entries by actor or target',
        // invoicing (issue 5):
        'payments on the invoices of one creator',
      ],
    },
    // --- issue 4 (organization administration)
    {
      indexName: 'gsi4',
      partitionKey: 'gsi4pk',
      sortKey: 'gsi4sk',
      serves: ['holders of a role across an organization (last Owner, Backoffice seats, role in use)', 'audit entries by target'],
    },
    // --- end issue 4
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
