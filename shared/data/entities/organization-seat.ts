import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { Store } from '../context.js';
import type { TxStep } from '../dynamo.js';
import { defineEntity, seg } from '../entity.js';
import { putNewStep } from './guards.js';

/*
 * A person's one seat in an organization (SPEC 3.4: a member of a sub-account reaches
 * nothing else, so nobody belongs to two accounts of one organization). Every transaction
 * that makes someone a member - sign-up, adding a member, accepting an invitation - claims
 * the seat only if it is free, and removing the member frees it. Checking memberships with
 * a Query before writing is not enough: two acceptances that both read "not a member"
 * would both commit. The seat makes the rule hold inside the write.
 *
 *   table  pk ORG#<org>   sk SEAT#<userId>
 */
export const organizationSeatSchema = z.object({
  organizationId: z.string(),
  userId: z.string(),
  /** The account the person belongs to in this organization. */
  accountId: z.string(),
});
export type OrganizationSeat = z.infer<typeof organizationSeatSchema>;

const seatKey = (organizationId: string, userId: string) => ({ pk: `ORG#${seg(organizationId)}`, sk: `SEAT#${seg(userId)}` });

export const organizationSeatEntity = defineEntity({
  type: 'organization-seat',
  schema: organizationSeatSchema,
  key: (s) => seatKey(s.organizationId, s.userId),
});

/** Claims the person's seat; taken, it is the 409 `already-member` naming the account they are in. */
export const seatClaimStep = (store: Store, seat: OrganizationSeat): TxStep =>
  putNewStep(store, organizationSeatEntity.item(seat), (current) =>
    new Conflict('the user is already a member of this organization', {
      extensions: { reason: 'already-member', ...(typeof current?.accountId === 'string' ? { accountId: current.accountId } : {}) },
    }),
  );

/** Frees the seat with the membership it belonged to. */
export const seatReleaseStep = (store: Store, organizationId: string, userId: string): TxStep => ({
  item: { Delete: { TableName: store.table, Key: seatKey(organizationId, userId) } },
});
