import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { isDocumentRecord } from '#functions/report-aggregator/source.js';
import { documentKeys } from '#shared/data/entities/document.js';
import { eventLinkKey } from '#shared/data/entities/event-link.js';

/*
 * Which stream records reach the report aggregator. Items other than documents share the
 * documents' sort key prefix (an event link is keyed DOC#<kind>#<id>, like its document), and
 * they must not reach it: the aggregator cannot parse them as documents and reports them as
 * corrupt, which retries the batch.
 */
const record = (images: { NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown> }) => ({
  dynamodb: {
    NewImage: images.NewImage && (marshall(images.NewImage) as never),
    OldImage: images.OldImage && (marshall(images.OldImage) as never),
  },
});

describe('the report aggregator receives document records only', () => {
  const doc = { ...documentKeys.document('acc1', 'invoice', 'd1'), type: 'document' };
  const link = { ...eventLinkKey('acc1', 'invoice', 'd1'), type: 'event-link', eventId: 'e1' };

  it('an event link, though keyed DOC#…, is not one', () => {
    expect(link.sk.startsWith('DOC#')).toBe(true);
    expect(isDocumentRecord(record({ NewImage: link }))).toBe(false);
    expect(isDocumentRecord(record({ OldImage: link }))).toBe(false);
    expect(isDocumentRecord(record({ NewImage: link, OldImage: link }))).toBe(false);
  });

  it('an inserted, changed or deleted document is one', () => {
    expect(isDocumentRecord(record({ NewImage: doc }))).toBe(true);
    expect(isDocumentRecord(record({ NewImage: doc, OldImage: doc }))).toBe(true);
    expect(isDocumentRecord(record({ OldImage: doc }))).toBe(true);
  });

  it('a document counter, in the same partition, is not one', () => {
    expect(isDocumentRecord(record({ NewImage: { ...documentKeys.counter('acc1', 'invoice'), type: 'document-counter', next: 2 } }))).toBe(false);
  });
});
