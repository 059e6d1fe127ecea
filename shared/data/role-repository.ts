import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.js';
import type { CustomRoleItem } from './items.js';
import type { Page } from './pagination.js';
import { queryPrefixPage, type PageRequest } from './query.js';
import { getItem } from './transact.js';

/* Custom roles (issue 4); their compiled bits live on the organization item. */

/* Pattern "custom role by id": GetItem, strongly consistent. */
export const getRole = (db: DynamoDBDocumentClient, table: string, organizationId: string, roleId: string) =>
  getItem<CustomRoleItem>(db, table, keys.customRole(organizationId, roleId));

/* Pattern "custom roles of an organization": `pk = ORG#<org> AND begins_with(sk, 'ROLE#')`. */
export function listRoles(
  db: DynamoDBDocumentClient,
  table: string,
  organizationId: string,
  page: PageRequest,
): Promise<Page<CustomRoleItem>> {
  return queryPrefixPage<CustomRoleItem>(db, table, keys.customRolePrefix(organizationId), page);
}
