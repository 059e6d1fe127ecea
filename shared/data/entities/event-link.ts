import * as z from 'zod/mini';
import type { Store } from '../context.js';
import { Conflict } from '../../domain/errors.js';
import { batchGetItems, getItem, type TxStep } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';

/*
 * A sales document (invoice or estimate) linked to a CRM event (SPEC 5.6: sales-document
 * lists follow the permissions of their events). One link per document: linking it again
 * moves it to the other event, and every write is conditioned on the link as it was read, so
 * two racing moves cannot both pass their rights checks against the same old event (the
 * loser gets 409). Documents are read by key, so a page of documents finds its links with
 * one BatchGetItem.
 *
 *   table  pk ACCOUNT#<acc>#EVENT-LINKS    sk DOC#<kind>#<documentId>
 */
export const LINKABLE_KINDS = ['invoice', 'estimate'] as const;

export const eventLinkSchema = z.object({
  accountId: z.string(),
  kind: z.enum(LINKABLE_KINDS),
  documentId: z.string(),
  eventId: z.string(),
  linkedBy: z.string(),
  linkedAt: z.string(),
});
export type EventLink = z.infer<typeof eventLinkSchema>;

export const eventLinkKey = (accountId: string, kind: string, documentId: string): Key => ({
  pk: `ACCOUNT#${seg(accountId)}#EVENT-LINKS`,
  sk: `DOC#${kind}#${seg(documentId)}`,
});

export const eventLinkEntity = defineEntity({ type: 'event-link', schema: eventLinkSchema, key: (l) => eventLinkKey(l.accountId, l.kind, l.documentId) });

// Pattern "the link of one document": GetItem, strongly consistent (a move decides on it).
export const getEventLink = async (store: Store, accountId: string, kind: string, documentId: string): Promise<EventLink | undefined> => {
  const raw = await getItem(store, eventLinkKey(accountId, kind, documentId), true);
  return raw ? eventLinkEntity.parse(raw) : undefined;
};

const linkChanged = () =>
  new Conflict("the document's event link changed since it was read; read again and retry", { extensions: { reason: 'link-changed' } });

// The link as read: absent, or on that event since that instant (an A→B→A round trip in
// between changes linkedAt, so it is caught too).
const asRead = (read: EventLink | undefined) =>
  read
    ? {
        ConditionExpression: '#event = :event AND #at = :at',
        ExpressionAttributeNames: { '#event': 'eventId', '#at': 'linkedAt' },
        ExpressionAttributeValues: { ':event': read.eventId, ':at': read.linkedAt },
      }
    : { ConditionExpression: 'attribute_not_exists(pk)' };

// Pattern "link or move a document": Put conditioned on the link as read (absent for a first link).
export const putEventLinkStep = (store: Store, link: EventLink, read: EventLink | undefined): TxStep => ({
  item: { Put: { TableName: store.table, Item: eventLinkEntity.item(link), ...asRead(read) } },
  onConditionFailed: linkChanged,
});

// Pattern "unlink a document": Delete conditioned on the link as read.
export const deleteEventLinkStep = (store: Store, read: EventLink): TxStep => ({
  item: { Delete: { TableName: store.table, Key: eventLinkKey(read.accountId, read.kind, read.documentId), ...asRead(read) } },
  onConditionFailed: linkChanged,
});

// Pattern "links of a page of documents": one BatchGetItem of their keys.
export const getEventLinks = async (store: Store, accountId: string, docs: ReadonlyArray<{ kind: string; documentId: string }>): Promise<EventLink[]> =>
  docs.length === 0 ? [] : (await batchGetItems(store, docs.map((d) => eventLinkKey(accountId, d.kind, d.documentId)))).map((r) => eventLinkEntity.parse(r));
