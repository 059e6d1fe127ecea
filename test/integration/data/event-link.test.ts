import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { transact } from '#shared/data/dynamo.js';
import { deleteEventLinkStep, getEventLink, putEventLinkStep, type EventLink } from '#shared/data/entities/event-link.js';
import { Conflict } from '#shared/domain/errors.js';
import { ulid } from '#shared/domain/ids.js';
import { createTestTable } from '../../support/dynamodb.js';

/*
 * Event links are written on the condition that they are as they were read: two moves that
 * both read the document on event A cannot both commit (the e2e race over HTTP may run the
 * two one after the other; this interleaving is forced).
 */
let db: DynamoDBDocumentClient;
let table: string;
const store = () => ({ db, table, now: () => new Date() });
const accountId = ulid();
const at = (doc: string, eventId: string, linkedAt: string): EventLink => ({ accountId, kind: 'invoice', documentId: doc, eventId, linkedBy: 'u1', linkedAt });

beforeAll(async () => {
  ({ db, table } = await createTestTable());
});

describe('event link conditions', () => {
  it('a move decided on a link another move has replaced fails with 409 link-changed and leaves the winner', async () => {
    const doc = ulid();
    await transact(store(), [putEventLinkStep(store(), at(doc, 'A', '2026-01-01T00:00:00.000Z'), undefined)]);
    const readByBoth = await getEventLink(store(), accountId, 'invoice', doc);
    await transact(store(), [putEventLinkStep(store(), at(doc, 'B', '2026-01-01T00:00:01.000Z'), readByBoth)]);
    const lost = await transact(store(), [putEventLinkStep(store(), at(doc, 'C', '2026-01-01T00:00:01.000Z'), readByBoth)]).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(Conflict);
    expect((lost as Conflict).status).toBe(409);
    expect((lost as Conflict).extensions).toMatchObject({ reason: 'link-changed' });
    expect((await getEventLink(store(), accountId, 'invoice', doc))?.eventId).toBe('B');
    // Nor may an unlink decided on the old link delete the new one.
    await expect(transact(store(), [deleteEventLinkStep(store(), readByBoth!)])).rejects.toBeInstanceOf(Conflict);
    expect((await getEventLink(store(), accountId, 'invoice', doc))?.eventId).toBe('B');
  });

  it('a first link fails when another first link got there before it', async () => {
    const doc = ulid();
    await transact(store(), [putEventLinkStep(store(), at(doc, 'A', '2026-01-01T00:00:00.000Z'), undefined)]);
    await expect(transact(store(), [putEventLinkStep(store(), at(doc, 'B', '2026-01-01T00:00:00.000Z'), undefined)])).rejects.toBeInstanceOf(Conflict);
    expect((await getEventLink(store(), accountId, 'invoice', doc))?.eventId).toBe('A');
  });
});
