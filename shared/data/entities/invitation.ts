import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { InvitationRef } from '../../domain/invitations.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { queryPage, type Page, type PageRequest } from '../paginator.js';
import { ConflictWithCurrent, putNewStep } from './guards.js';

/*
 * An invitation into the main account or one sub-account, in its organization's partition
 * and sorted by the account it invites into: the main account lists every invitation
 * (`INVITATION#`), a sub-account its own (`INVITATION#<subId>#`; a main id followed by `#`
 * never prefixes a sub-account id). The id names its account, so accepting one is a
 * GetItem. `expiresAt` is the TTL (epoch seconds), also checked on read.
 *
 *   table  pk ORG#<org>   sk INVITATION#<acc>#<invitationId>
 */
export const invitationSchema = z.object({
  invitationId: z.string(),
  organizationId: z.string(),
  /** The account the invitee will belong to: the main account or one sub-account. */
  accountId: z.string(),
  email: z.string(),
  role: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked']),
  invitedBy: z.string(),
  createdAt: z.string(),
  /** TTL, epoch seconds: DynamoDB deletes the item some time after; reads check it too. */
  expiresAt: z.number(),
  acceptedBy: z.optional(z.string()),
  acceptedAt: z.optional(z.string()),
  version: z.number(),
});
export type Invitation = z.infer<typeof invitationSchema>;

const partition = (organizationId: string) => `ORG#${seg(organizationId)}`;
const invitationKey = (r: InvitationRef) => ({
  pk: partition(r.organizationId),
  sk: `INVITATION#${seg(r.accountId)}#${seg(r.invitationId)}`,
});

export const invitationEntity = defineEntity({ type: 'invitation', schema: invitationSchema, key: invitationKey });

// Pattern "invitation by id": the id names its organization and account, so one GetItem, strongly consistent.
export const getInvitation = async (store: Store, ref: InvitationRef): Promise<Invitation | undefined> =>
  parseOptional(invitationEntity, await getItem(store, invitationKey(ref), true));

// Pattern "invitations of an account": the organization's (`INVITATION#`) or one sub-account's (`INVITATION#<acc>#`).
export const listInvitations = (store: Store, organizationId: string, accountId: string | undefined, page: PageRequest): Promise<Page<Invitation>> =>
  queryPage(
    store,
    { partition: partition(organizationId), sort: { prefix: accountId === undefined ? 'INVITATION#' : `INVITATION#${seg(accountId)}#` } },
    invitationEntity.parse,
    page,
  );

/** A new invitation. */
export const invitationPutStep = (store: Store, i: Invitation): TxStep => putNewStep(store, invitationEntity.item(i));

/**
 * Accepts a pending invitation on the version read. When it is no longer pending, the
 * error carries the invitation as it is now: accepted by this very caller, that is the
 * answer to a retry that raced the first attempt.
 */
export function invitationAcceptStep(store: Store, i: Invitation, by: string, at: string): TxStep {
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: invitationKey(i),
        UpdateExpression: 'SET #status = :accepted, acceptedBy = :user, acceptedAt = :at, #version = #version + :one',
        ConditionExpression: '#status = :pending AND #version = :v',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':accepted': 'accepted', ':pending': 'pending', ':user': by, ':at': at, ':v': i.version, ':one': 1 },
      },
    },
    onConditionFailed: (current) => {
      const options = { extensions: { reason: 'not-pending' } };
      return current === undefined
        ? new Conflict('the invitation changed meanwhile', options)
        : new ConflictWithCurrent('the invitation changed meanwhile', invitationEntity, current, options);
    },
  };
}

/** Revokes a pending invitation on the version read; one accepted or revoked meanwhile is a 409 naming its status. */
export function invitationRevokeStep(store: Store, i: Invitation): TxStep {
  return {
    item: {
      Update: {
        TableName: store.table,
        Key: invitationKey(i),
        UpdateExpression: 'SET #status = :revoked, #version = #version + :one',
        ConditionExpression: '#status = :pending AND #version = :v',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':revoked': 'revoked', ':pending': 'pending', ':v': i.version, ':one': 1 },
      },
    },
    onConditionFailed: (current) => {
      const status = typeof current?.status === 'string' ? current.status : 'gone';
      return new Conflict(`the invitation changed meanwhile (it is ${status})`, { extensions: { reason: status === 'pending' ? 'stale' : status } });
    },
  };
}
