import * as z from 'zod/mini';
import type { Store } from '../context.js';
import { getItem, type TxStep } from '../dynamo.js';
import { defineEntity, parseOptional, seg } from '../entity.js';

/*
 * A user's profile as last seen in a verified token: what lets an Owner add a known user
 * by id.
 *
 *   table  pk USER#<user>   sk PROFILE
 */
export const userSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.optional(z.string()),
  updatedAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

const userKey = (userId: string) => ({ pk: `USER#${seg(userId)}`, sk: 'PROFILE' });

export const userEntity = defineEntity({ type: 'user', schema: userSchema, key: (u) => userKey(u.userId) });

// Pattern "a user's profile": GetItem, strongly consistent.
export const getUser = async (store: Store, userId: string): Promise<User | undefined> =>
  parseOptional(userEntity, await getItem(store, userKey(userId), true));

/** Upserts the profile of a user whose e-mail a verified token just showed (sign-up, acceptance). */
export const userProfileStep = (store: Store, u: Omit<User, 'name'>): TxStep => ({
  item: {
    Update: {
      TableName: store.table,
      Key: userKey(u.userId),
      UpdateExpression: 'SET #type = :type, userId = :user, email = :email, updatedAt = :at',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': userEntity.type, ':user': u.userId, ':email': u.email, ':at': u.updatedAt },
    },
  },
});
