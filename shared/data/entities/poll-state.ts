import * as z from 'zod/mini';
import { Conflict } from '../../domain/errors.js';
import type { Store } from '../context.js';
import { getItem, putItem, updateItem } from '../dynamo.js';
import { defineEntity, parseOptional } from '../entity.js';
import { integrationPartition, type Integration } from './integration.js';

/*
 * The poll state of a polled integration (Allegro): where its event log was read up to, its
 * current OAuth tokens, its backoff, and the lease of the poller working on it. One item in
 * the integration's partition, beside its delivery log:
 *
 *   table  pk INTEGRATION#<id>    sk POLL
 *
 * The lease: a poller acquires it with one conditional UpdateItem (no lease held, or the
 * holder's expired, and the integration is due), so two pollers, two Lambda invocations, or
 * the Lambda and a replay, never poll one integration at once. Everything a poll writes
 * afterwards is keyed by what it stores (the event's delivery, the checkout form's order),
 * so a poller that outlived its lease repeats nothing; its final write of the state is
 * conditioned on still holding the lease.
 *
 * Tokens are sealed by the secret box with the integration id as context, like the
 * integration's own secret. Allegro answers a refresh with a NEW refresh token; the newest is
 * kept here (the integration item changes only when a person configures it). `credentialsOf`
 * fingerprints the integration's sealed credentials the tokens descend from: when a person
 * enters new credentials, the stored tokens are dropped and the new refresh token is used.
 */
export const pollStateSchema = z.object({
  integrationId: z.string(),
  organizationId: z.string(),
  accountId: z.string(),
  /** The last event id read and fully processed: the next poll asks `from` it. */
  lastEventId: z.optional(z.string()),
  /** Sealed access token and its expiry. */
  accessToken: z.optional(z.string()),
  tokenExpiresAt: z.optional(z.string()),
  /** Sealed refresh token, once Allegro rotated it; until then the integration's own. */
  refreshToken: z.optional(z.string()),
  credentialsOf: z.optional(z.string()),
  /** Consecutive failed polls; 0 after a good one. */
  failures: z.number(),
  /** Not polled before this (the schedule, or the backoff after failures). */
  nextPollAt: z.string(),
  lastPolledAt: z.optional(z.string()),
  lastError: z.optional(z.object({ status: z.number(), type: z.string(), detail: z.string() })),
  leaseOwner: z.optional(z.string()),
  leaseUntil: z.optional(z.string()),
  updatedAt: z.string(),
});
export type PollState = z.infer<typeof pollStateSchema>;

export const pollStateKey = (integrationId: string) => ({ pk: integrationPartition(integrationId), sk: 'POLL' });

export const pollStateEntity = defineEntity({
  type: 'poll-state',
  schema: pollStateSchema,
  key: (p) => pollStateKey(p.integrationId),
});

// Pattern "poll state of an integration": GetItem, strongly consistent.
export const getPollState = async (store: Store, integrationId: string): Promise<PollState | undefined> =>
  parseOptional(pollStateEntity, await getItem(store, pollStateKey(integrationId), true));

/** Another poller holds the lease, or the integration is not due yet. */
export class NotAcquired extends Conflict {
  constructor() {
    super('the integration is being polled, or is not due');
  }
}

/** The lease was taken over (it expired while this poller worked). */
export class LeaseLost extends Conflict {
  constructor() {
    super('the poll lease was lost');
  }
}

/**
 * Takes the lease until `until` when no one holds it (or the holder's expired) and the
 * integration is due; creates the state on the first poll. Answers the state as leased, or
 * undefined when another poller has it or it is not due.
 */
export async function acquireLease(store: Store, integration: Integration, owner: string, until: Date): Promise<PollState | undefined> {
  const now = store.now().toISOString();
  try {
    const raw = await updateItem(
      store,
      pollStateKey(integration.integrationId),
      {
        expression:
          'SET #type = :type, integrationId = :id, organizationId = :org, accountId = :acc, failures = if_not_exists(failures, :zero), ' +
          'nextPollAt = if_not_exists(nextPollAt, :now), leaseOwner = :owner, leaseUntil = :until, updatedAt = :now',
        names: { '#type': 'type' },
        values: {
          ':type': pollStateEntity.type,
          ':id': integration.integrationId,
          ':org': integration.organizationId,
          ':acc': integration.accountId,
          ':zero': 0,
          ':owner': owner,
          ':until': until.toISOString(),
        },
      },
      {
        expression: 'attribute_not_exists(pk) OR ((attribute_not_exists(leaseUntil) OR leaseUntil < :now) AND nextPollAt <= :now)',
        values: { ':now': now },
      },
      () => new NotAcquired(),
    );
    return pollStateEntity.parse(raw);
  } catch (e) {
    if (e instanceof NotAcquired) return undefined;
    throw e;
  }
}

/**
 * Writes the state after a poll (or a step of one) while `owner` still holds the lease; the
 * lease is kept unless `release`. LeaseLost when another poller took it over.
 */
export async function savePollState(store: Store, state: PollState, owner: string, release: boolean): Promise<PollState> {
  const next: PollState = { ...state, updatedAt: store.now().toISOString(), ...(release ? { leaseOwner: undefined, leaseUntil: undefined } : { leaseOwner: owner }) };
  await putItem(
    store,
    pollStateEntity.item(next),
    { expression: 'leaseOwner = :owner', values: { ':owner': owner } },
    () => new LeaseLost(),
  );
  return next;
}
