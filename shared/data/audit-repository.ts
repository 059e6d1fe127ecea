import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { adminKeys } from './keys.js';
import type { AuditItem } from './items.js';
import type { Page } from './pagination.js';
import { queryPage, type PageRequest } from './query.js';

/*
 * The audit log (issue 4). Entries are written by the transactions that make the changes
 * (`auditStep` in transact.ts); this module only reads, newest first (ULID sort keys,
 * ScanIndexForward false).
 */
export interface AuditFilter {
  actor?: string | undefined;
  target?: string | undefined;
}

/*
 * Patterns "audit log of an organization" (table partition `ORG#<org>#AUDIT`), "by actor"
 * (gsi2) and "by target" (gsi4). Both filters: the actor's index partition with a filter
 * on the target, so a page may hold fewer than `limit` entries while the cursor continues.
 */
export function listAudit(
  db: DynamoDBDocumentClient,
  table: string,
  organizationId: string,
  filter: AuditFilter,
  page: PageRequest,
): Promise<Page<AuditItem>> {
  if (filter.actor !== undefined) {
    const { gsi2pk } = adminKeys.auditByActor(organizationId, filter.actor, '');
    return queryPage<AuditItem>(
      db,
      {
        TableName: table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: {
          ':pk': gsi2pk,
          ...(filter.target !== undefined ? { ':target': filter.target } : {}),
        },
        ...(filter.target !== undefined ? { FilterExpression: 'targetId = :target' } : {}),
        ScanIndexForward: false,
      },
      { attribute: 'gsi2pk', value: gsi2pk },
      page,
    );
  }
  if (filter.target !== undefined) {
    const { gsi4pk } = adminKeys.auditByTarget(organizationId, filter.target, '');
    return queryPage<AuditItem>(
      db,
      {
        TableName: table,
        IndexName: 'gsi4',
        KeyConditionExpression: 'gsi4pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi4pk },
        ScanIndexForward: false,
      },
      { attribute: 'gsi4pk', value: gsi4pk },
      page,
    );
  }
  const { pk } = adminKeys.auditPartition(organizationId);
  return queryPage<AuditItem>(
    db,
    {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
    },
    { attribute: 'pk', value: pk },
    page,
  );
}
