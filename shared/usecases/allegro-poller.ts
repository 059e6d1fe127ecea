import { createHash } from 'node:crypto';
import type { Store } from '../data/context.js';
import { packPayload, recordPoll, type Delivery } from '../data/entities/delivery.js';
import { listPolledIntegrations, type Integration } from '../data/entities/integration.js';
import { getOrder } from '../data/entities/order.js';
import { acquireLease, LeaseLost, savePollState, type PollState } from '../data/entities/poll-state.js';
import { DomainError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { AllegroError, type AllegroClient, type OrderEvent } from '../integrations/allegro.js';
import type { SecretBox } from '../integrations/secret-box.js';
import { integrationGate } from './integration-gate.js';
import type { AllegroCredentials } from './integrations.js';
import { ALLEGRO_ORDER_TOPICS, ALLEGRO_POLL_TOPIC, processDelivery } from './webhooks.js';

/*
 * Allegro has no webhooks: its integrations are polled (SPEC 6.1, issue item 4). The
 * EventBridge rule (every 5 minutes) runs `pollDue` in the allegro-poller Lambda; `npm start`
 * runs the same on a timer. For each active Allegro integration (gsi2, sparse: no scan):
 *
 *   1. the integration gate, as for a webhook delivery (SPEC 6.3): integration active,
 *      account active, activator still holds integrations.manage. A denied poll calls
 *      nothing at Allegro; it is logged as failed (403, the reason) and backs off;
 *   2. the lease on its poll state (one conditional write): a second poller finds it held,
 *      or the integration not due, and leaves it;
 *   3. an access token: the stored one while it is valid for another minute, else a refresh
 *      (the rotated refresh token is sealed and saved at once, before anything else);
 *   4. `GET /order/events?from=<last event id>`, page after page (within a time budget):
 *      READY_FOR_PROCESSING (and BUYER_MODIFIED of a known order) fetches the checkout form
 *      and hands it to the webhooks' order pipeline as a delivery `event-<event id>`: one
 *      order and one draft invoice per checkout form, exactly once (the delivery is its own
 *      dedup guard, the order item is written only if absent); BUYER_CANCELLED /
 *      AUTO_CANCELLED of a known order cancels its draft; other events are counted only;
 *   5. the cursor moves past each event once it is processed, and is saved with the lease
 *      after every page, so a crash repeats at most a page, which dedup absorbs;
 *   6. one log entry per poll (`allegro.poll`): what it read and did, or its error.
 *
 * Errors: Allegro unreachable, 5xx or 429, a refresh refused, a DynamoDB failure, stop the
 * poll where it is (the cursor stays before the failed event) and back off exponentially:
 * 5, 10, 20, ... minutes, at most 3 hours, reset by the next good poll. A checkout form that
 * does not map (400) is logged as a failed delivery with its payload (replayable by hand)
 * and the poll moves on: one bad order must not stop a seller's others.
 */
export const POLL_INTERVAL_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 5 * 60_000;
export const BACKOFF_CAP_MS = 3 * 60 * 60_000;
/** Longer than one integration's poll may take (its time budget plus one slow call). */
const LEASE_MS = 3 * 60_000;
/** A poll reads pages of events while within this budget, then leaves the rest to the next poll. */
const POLL_BUDGET_MS = 60_000;
const EVENTS_PER_PAGE = 100;
/** A token this close to its expiry is refreshed first. */
const TOKEN_MARGIN_MS = 60_000;
/** Kept a week: a poll that found nothing (the log would otherwise grow by 288 entries a day). */
const EMPTY_POLL_TTL_S = 7 * 24 * 3600;

export interface PollerDeps {
  store: Store;
  box: SecretBox;
  allegro: AllegroClient;
}

export type PollResult =
  | { integrationId: string; result: 'polled'; delivery: Delivery }
  | { integrationId: string; result: 'failed'; delivery: Delivery }
  | { integrationId: string; result: 'skipped'; reason: 'not-due-or-leased' | 'not-allegro' | 'unknown-integration' };

/** The backoff after `failures` consecutive failed polls. */
export const backoffMs = (failures: number): number => Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_CAP_MS);

/** Polls every active Allegro integration that is due, `concurrency` at a time, until `stopAt` (then the rest wait for the next run). */
export async function pollDue(deps: PollerDeps, options: { concurrency?: number; stopAt?: Date } = {}): Promise<PollResult[]> {
  const due = await listPolledIntegrations(deps.store, 'allegro');
  const results: PollResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < due.length && (!options.stopAt || deps.store.now() < options.stopAt)) {
      const i = due[next++]!;
      results.push(await pollIntegration(deps, i.integrationId));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return results;
}

const fingerprint = (sealed: string) => createHash('sha256').update(sealed).digest('base64url').slice(0, 22);
const errorOf = (e: unknown) =>
  e instanceof AllegroError
    ? { status: e.status, type: e.type, detail: e.message.slice(0, 500) }
    : e instanceof DomainError
      ? { status: e.status, type: e.slug, detail: e.message.slice(0, 500) }
      : { status: 500, type: 'internal-error', detail: 'the poll failed' };

interface Counts {
  read: number;
  orders: number;
  duplicates: number;
  failed: number;
  ignored: number;
}

/** One poll of one integration (the scheduled run calls it for each; tests call it directly). */
export async function pollIntegration(deps: PollerDeps, integrationId: string): Promise<PollResult> {
  const { store } = deps;
  const gate = await integrationGate(store.db, store.table, integrationId);
  const integration = gate.integration;
  if (!integration) return { integrationId, result: 'skipped', reason: 'unknown-integration' };
  if (integration.kind !== 'allegro') return { integrationId, result: 'skipped', reason: 'not-allegro' };
  const owner = ulid();
  const startedAt = store.now();
  const leased = await acquireLease(store, integration, owner, new Date(startedAt.getTime() + LEASE_MS));
  if (!leased) return { integrationId, result: 'skipped', reason: 'not-due-or-leased' };
  let state: PollState = leased;
  const counts: Counts = { read: 0, orders: 0, duplicates: 0, failed: 0, ignored: 0 };
  try {
    if (!gate.allowed) {
      throw new GateDenied(gate.reason);
    }
    const session = tokens(deps, integration, () => state, (s) => (state = s), owner);
    while (store.now().getTime() - startedAt.getTime() < POLL_BUDGET_MS) {
      const events = await session.call((token) => deps.allegro.events(token, state.lastEventId, EVENTS_PER_PAGE));
      for (const event of events) {
        counts.read++;
        await handleEvent(deps, integration, session, event, counts);
        state = { ...state, lastEventId: event.id };
      }
      state = await savePollState(store, state, owner, false);
      if (events.length < EVENTS_PER_PAGE) break;
    }
    state = await savePollState(store, { ...state, failures: 0, lastError: undefined, lastPolledAt: startedAt.toISOString(), nextPollAt: nextRegularPoll(startedAt) }, owner, true);
    const delivery = await logPoll(store, integration, startedAt, counts, state);
    return { integrationId, result: 'polled', delivery };
  } catch (e) {
    if (e instanceof LeaseLost) throw e;
    const error = e instanceof GateDenied ? { status: 403, type: 'integration-gate', detail: `the integration may not act now: ${e.reason}` } : errorOf(e);
    const failures = state.failures + 1;
    const nextPollAt = new Date(store.now().getTime() + backoffMs(failures)).toISOString();
    state = await savePollState(store, { ...state, failures, lastError: error, lastPolledAt: startedAt.toISOString(), nextPollAt }, owner, true);
    const delivery = await logPoll(store, integration, startedAt, counts, state, error);
    return { integrationId, result: 'failed', delivery };
  }
}

/** Due again at the next scheduled run: a little under the interval, so a run that starts a few seconds early still finds it due. */
const nextRegularPoll = (startedAt: Date) => new Date(startedAt.getTime() + POLL_INTERVAL_MS - 60_000).toISOString();

class GateDenied extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

interface Session {
  /** Runs an Allegro call with a valid access token; on a 401, refreshes once and runs it again. */
  call<T>(fn: (token: string) => Promise<T>): Promise<T>;
}

function tokens(deps: PollerDeps, integration: Integration, get: () => PollState, set: (s: PollState) => void, owner: string): Session {
  const { store, box } = deps;
  const id = integration.integrationId;
  let current: string | undefined;
  const refresh = async (): Promise<string> => {
    if (!integration.secret) throw new AllegroError(400, 'allegro-no-credentials', 'the integration has no Allegro credentials: configure them');
    const creds = JSON.parse(await box.open(integration.secret, id)) as AllegroCredentials;
    let state = get();
    // New credentials entered by a person replace the tokens descended from the old ones.
    const of = fingerprint(integration.secret);
    if (state.credentialsOf !== of) state = { ...state, accessToken: undefined, tokenExpiresAt: undefined, refreshToken: undefined, credentialsOf: of };
    const refreshToken = state.refreshToken ? await box.open(state.refreshToken, id) : creds.refreshToken;
    const t = await deps.allegro.refresh(creds.clientId, creds.clientSecret, refreshToken);
    state = {
      ...state,
      accessToken: await box.seal(t.accessToken, id),
      tokenExpiresAt: t.expiresAt.toISOString(),
      refreshToken: t.refreshToken ? await box.seal(t.refreshToken, id) : state.refreshToken,
    };
    // Saved before anything else: Allegro's old refresh token may be spent already.
    set(await savePollState(store, state, owner, false));
    return t.accessToken;
  };
  const token = async (): Promise<string> => {
    if (current) return current;
    const s = get();
    const fresh = s.accessToken && s.tokenExpiresAt && s.credentialsOf === fingerprint(integration.secret ?? '') && Date.parse(s.tokenExpiresAt) - TOKEN_MARGIN_MS > store.now().getTime();
    current = fresh ? await box.open(s.accessToken!, id) : await refresh();
    return current;
  };
  return {
    async call(fn) {
      try {
        return await fn(await token());
      } catch (e) {
        if (!(e instanceof AllegroError) || e.status !== 401) throw e;
        current = await refresh();
        return fn(current);
      }
    },
  };
}

async function handleEvent(deps: PollerDeps, integration: Integration, session: Session, event: OrderEvent, counts: Counts): Promise<void> {
  const topic = `allegro.${event.type}`;
  const formId = event.order.checkoutForm?.id;
  if (!formId || !ALLEGRO_ORDER_TOPICS.includes(topic)) {
    counts.ignored++;
    return;
  }
  // A cancellation or modification of an order Kontor never took (cancelled before it was paid) changes nothing.
  if (event.type !== 'READY_FOR_PROCESSING' && !(await getOrder(deps.store, integration.integrationId, formId))) {
    counts.ignored++;
    return;
  }
  const { store } = deps;
  let form: { raw: string; json: unknown };
  try {
    form = await session.call((token) => deps.allegro.checkoutForm(token, formId));
  } catch (e) {
    // A form Allegro will not give (404, 422) is logged and passed; anything transient stops the poll.
    if (e instanceof AllegroError && !e.transient && e.status !== 401) {
      counts.failed++;
      await recordPoll(store, {
        ...base(integration, `event-${event.id}`, topic, store.now().toISOString()),
        status: 'failed',
        error: errorOf(e),
        attempts: 1,
      }).catch(() => undefined);
      return;
    }
    throw e;
  }
  const receivedAt = store.now().toISOString();
  const body = Buffer.from(form.raw, 'utf8');
  try {
    const out = await processDelivery(store, integration, { deliveryId: `event-${event.id}`, topic, receivedAt, payload: packPayload(body), previousAttempts: 0 }, body);
    if (out.duplicate) counts.duplicates++;
    else counts.orders++;
  } catch (e) {
    // Logged as a failed delivery with its payload by the pipeline. A form that does not map
    // is passed (a person can replay it); anything else stops the poll here.
    if (e instanceof DomainError && e.status === 400) {
      counts.failed++;
      return;
    }
    throw e;
  }
}

const base = (i: Integration, deliveryId: string, topic: string, at: string) => ({
  integrationId: i.integrationId,
  organizationId: i.organizationId,
  accountId: i.accountId,
  deliveryId,
  topic,
  receivedAt: at,
  updatedAt: at,
});

async function logPoll(store: Store, integration: Integration, startedAt: Date, counts: Counts, state: PollState, error?: Delivery['error']): Promise<Delivery> {
  const did = [
    `${counts.read} event(s) read`,
    `${counts.orders} order delivery(ies) processed`,
    counts.duplicates ? `${counts.duplicates} already processed` : '',
    counts.failed ? `${counts.failed} failed (see their entries)` : '',
    counts.ignored ? `${counts.ignored} not acted on` : '',
    state.lastEventId ? `up to event ${state.lastEventId}` : '',
  ].filter(Boolean);
  const outcome = error ? `poll failed (${state.failures} in a row); next attempt at ${state.nextPollAt}. ${did.join(', ')}` : did.join(', ');
  const delivery: Delivery = {
    ...base(integration, `poll-${ulid()}`, ALLEGRO_POLL_TOPIC, startedAt.toISOString()),
    updatedAt: store.now().toISOString(),
    status: error ? 'failed' : counts.read ? 'processed' : 'ignored',
    outcome: outcome.slice(0, 1000),
    error,
    attempts: state.failures || 1,
    ...(error || counts.read ? {} : { expiresAt: Math.floor(startedAt.getTime() / 1000) + EMPTY_POLL_TTL_S }),
  };
  await recordPoll(store, delivery);
  return delivery;
}
