import * as z from 'zod/mini';
import type { Store } from '../context.js';
import { batchGetItems, putItem } from '../dynamo.js';
import { defineEntity, seg, type Key } from '../entity.js';

/*
 * A sales document (invoice or estimate) linked to a CRM event (SPEC 5.6: sales-document
 * lists follow the permissions of their events). One link per document: linking it again
 * moves it to the other event. Documents are read by key, so a page of documents finds its
 * links with one BatchGetItem.
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

// Pattern "link a document": Put (a later link of the same document replaces it).
export const putEventLink = (store: Store, link: EventLink): Promise<void> => putItem(store, eventLinkEntity.item(link));

// Pattern "links of a page of documents": one BatchGetItem of their keys.
export const getEventLinks = async (store: Store, accountId: string, docs: ReadonlyArray<{ kind: string; documentId: string }>): Promise<EventLink[]> =>
  docs.length === 0 ? [] : (await batchGetItems(store, docs.map((d) => eventLinkKey(accountId, d.kind, d.documentId)))).map((r) => eventLinkEntity.parse(r));
