import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { adminKeys } from './keys.js';
import type { InvitationItem } from './items.js';
import type { Page } from './pagination.js';
import { queryPrefixPage, type PageRequest } from './query.js';
import { getItem } from './transact.js';
import type { InvitationRef } from '../domain/invitations.js';

/* Invitations (issue 4): items with a TTL in their organization's partition. */

/* Pattern "invitation by id": the id names its organization and account, so one GetItem. */
export const getInvitation = (db: DynamoDBDocumentClient, table: string, ref: InvitationRef) =>
  getItem<InvitationItem>(db, table, adminKeys.invitation(ref.organizationId, ref.accountId, ref.invitationId));

/*
 * Pattern "invitations of an account": `pk = ORG#<org> AND begins_with(sk, 'INVITATION#[<acc>#]')`;
 * the main account sees every invitation of the organization, a sub-account its own.
 */
export function listInvitations(
  db: DynamoDBDocumentClient,
  table: string,
  organizationId: string,
  accountId: string | undefined,
  page: PageRequest,
): Promise<Page<InvitationItem>> {
  return queryPrefixPage<InvitationItem>(db, table, adminKeys.invitationsPrefix(organizationId, accountId), page);
}
