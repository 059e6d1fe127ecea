/*
 * Which stream records the report aggregator receives, declared once for the event source
 * mapping's filter (infra/stack.ts) and the local runtime's stream poller
 * (scripts/local/streams.ts): document items only. The aggregates' own writes come back on
 * the same stream; this filter keeps them out, so the consumer never feeds on itself and
 * Lambda is not invoked (nor billed) for them.
 */
export const DOCUMENT_TYPE = 'document';

/** The consumer's entry: deployed by infra/stack.ts, imported by the local runtime. */
export const REPORT_AGGREGATOR_ENTRY = 'functions/report-aggregator/handler.ts';

/*
 * The event source mapping's filter patterns (Lambda event filtering syntax; a record passes
 * when one matches). By the item's `type` in either image, not by key: other items share the
 * documents' `DOC#` sort key prefix (an event link is keyed by the document it links), and an
 * inserted item has only a new image, a deleted one only an old image.
 */
export const DOCUMENT_RECORDS_FILTERS = [
  { dynamodb: { NewImage: { type: { S: [DOCUMENT_TYPE] } } } },
  { dynamodb: { OldImage: { type: { S: [DOCUMENT_TYPE] } } } },
] as const;

type Image = Record<string, { S?: string } | undefined> | undefined;

/** The same filters applied to one record, as the local poller needs it. */
export const isDocumentRecord = (r: { dynamodb?: { NewImage?: Image; OldImage?: Image } | undefined }): boolean =>
  r.dynamodb?.NewImage?.type?.S === DOCUMENT_TYPE || r.dynamodb?.OldImage?.type?.S === DOCUMENT_TYPE;

/** Records per invocation and how the mapping retries: the CDK stack and the local poller use the same figures. */
export const AGGREGATOR_SOURCE = {
  batchSize: 100,
  /** Retries of a failing batch before it goes to the on-failure destination. */
  retryAttempts: 8,
  /** Records older than this are not retried any more (the stream keeps them 24 h). */
  maxRecordAgeHours: 6,
} as const;
