/*
 * Which stream records the report aggregator receives, declared once for the event source
 * mapping's filter (infra/stack.ts) and the local runtime's stream poller
 * (scripts/local/streams.ts): document items only. The aggregates' own writes come back on
 * the same stream; this filter keeps them out, so the consumer never feeds on itself and
 * Lambda is not invoked (nor billed) for them.
 */
export const DOCUMENT_SK_PREFIX = 'DOC#';

/** The consumer's entry: deployed by infra/stack.ts, imported by the local runtime. */
export const REPORT_AGGREGATOR_ENTRY = 'functions/report-aggregator/handler.ts';

/** The event source mapping's filter pattern (Lambda event filtering syntax). */
export const DOCUMENT_RECORDS_FILTER = { dynamodb: { Keys: { sk: { S: [{ prefix: DOCUMENT_SK_PREFIX }] } } } } as const;

/** The same filter applied to one record, as the local poller needs it. */
export const isDocumentRecord = (r: { dynamodb?: { Keys?: Record<string, { S?: string } | undefined> } | undefined }): boolean =>
  r.dynamodb?.Keys?.sk?.S?.startsWith(DOCUMENT_SK_PREFIX) ?? false;

/** Records per invocation and how the mapping retries: the CDK stack and the local poller use the same figures. */
export const AGGREGATOR_SOURCE = {
  batchSize: 100,
  /** Retries of a failing batch before it goes to the on-failure destination. */
  retryAttempts: 8,
  /** Records older than this are not retried any more (the stream keeps them 24 h). */
  maxRecordAgeHours: 6,
} as const;
