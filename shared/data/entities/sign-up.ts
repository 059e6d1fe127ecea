import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';
import { ConflictWithCurrent, putNewStep } from './guards.js';

/*
 * One per user: the organization they signed up and the Idempotency-Key they used, so a
 * retried or concurrent sign-up never creates a second organization.
 *
 *   table  pk USER#<user>   sk SIGNUP
 */
export const signUpSchema = z.object({
  userId: z.string(),
  organizationId: z.string(),
  idempotencyKey: z.optional(z.string()),
  createdAt: z.string(),
});
export type SignUp = z.infer<typeof signUpSchema>;

const signUpKey = (userId: string) => ({ pk: `USER#${seg(userId)}`, sk: 'SIGNUP' });

export const signUpEntity = defineEntity({ type: 'sign-up', schema: signUpSchema, key: (s) => signUpKey(s.userId) });

// Pattern "the organization a user signed up": GetItem on the guard, strongly consistent.
export const getSignUp = async (store: Store, userId: string): Promise<SignUp | undefined> =>
  parseOptional(signUpEntity, await getItem(store, signUpKey(userId), true));

/** The guard, written with the organization; a concurrent sign-up that won fails it with its own guard. */
export const signUpPutStep = (store: Store, s: SignUp): TxStep =>
  putNewStep(store, signUpEntity.item(s), (current) =>
    current === undefined
      ? new Conflict('you have already signed up an organization')
      : new ConflictWithCurrent('you have already signed up an organization', signUpEntity, current),
  );
