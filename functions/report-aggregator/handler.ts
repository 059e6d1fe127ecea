import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { defaultStore, type Store } from '#shared/data/context.js';
import { documentEntity, type Document } from '#shared/data/entities/document.js';
import { logger } from '#shared/observability/logger.js';
import { applyDocumentChanges, type DocumentChange } from '#shared/usecases/reporting.js';

/*
 * The report aggregator: a DynamoDB Streams consumer, not an API route. The batch's old
 * and new document images go to applyDocumentChanges, which is idempotent per record and
 * safe to replay (retries, bisected batches and redeliveries never count twice) and writes
 * each batch's changes in few transactions (the month buckets are shared by every
 * document of an account, month and currency).
 *
 * Partial batch response: a record whose image does not parse (a corrupt item) is
 * reported, so the mapping retries from it and, after its retries, sends it to the
 * on-failure destination instead of blocking the shard; the records before it are applied
 * first. A failed write reports the batch's first record: what did commit is stale when it
 * comes again.
 */
type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

const documentOf = (image: Image): Document | undefined =>
  image ? documentEntity.parse(unmarshall(image as Record<string, AttributeValue>)) : undefined;

export function makeHandler(store: () => Store) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes: DocumentChange[] = [];
    let unreadable: DynamoDBRecord | undefined;
    for (const r of event.Records) {
      try {
        changes.push({ before: documentOf(r.dynamodb?.OldImage), after: documentOf(r.dynamodb?.NewImage) });
      } catch (e) {
        logger.error('stream record is not a readable document', { sequenceNumber: r.dynamodb?.SequenceNumber, keys: r.dynamodb?.Keys, error: e as Error });
        unreadable = r;
        break;
      }
    }
    try {
      const outcomes = await applyDocumentChanges(store(), changes);
      logger.debug('report aggregates applied', { records: event.Records.length, ...outcomes });
    } catch (e) {
      logger.error('report aggregates not applied; the batch is retried', { records: event.Records.length, error: e as Error });
      return { batchItemFailures: event.Records.slice(0, 1).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
    }
    return { batchItemFailures: unreadable ? [{ itemIdentifier: unreadable.dynamodb?.SequenceNumber ?? '' }] : [] };
  };
}

export const handler = makeHandler(defaultStore);
