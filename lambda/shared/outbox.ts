import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { DetailType } from '#contracts/events';
import { type PreparedEvent, publishPrepared } from './events';
import { logger, metrics, MetricUnit } from './powertools';

/**
 * The transactional outbox of the platform, once for every table whose writes
 * must be followed by an event (users: `UserCreated`; orders: `OrderPlaced`).
 * The writer only writes; the table's stream carries the stored item to a
 * publisher made by `outboxHandler`, which publishes the event the item stands
 * for. Guarantees:
 * - at least once: a record is reported in `batchItemFailures` exactly when
 *   its event was not accepted by PutEvents after retries (or its item cannot
 *   be read), so Lambda retries it (bisecting, then the on-failure destination);
 * - the same event every time: `eventOf` fixes the envelope from the stored item
 *   (a derived event id, the item's time and correlation id), so a redelivered
 *   record publishes an event with the same id, and every consumer ignores an
 *   id it has seen;
 * - records that stand for no event (other item types, modifications,
 *   removals) are skipped: `eventOf` returns undefined.
 */

/** The event a stream record stands for, undefined when none; throws for an item it cannot read. */
export type OutboxEventOf<K extends DetailType> = (record: DynamoDBRecord) => PreparedEvent<K> | undefined;

/** What one stream record comes to: an event to publish, nothing (another item or change), or an unreadable item. */
type Outcome = { readonly published: true } | { readonly skip: true } | { readonly error: Error };

/** The stream handler publishing `detailType` for each record `eventOf` maps to one; all of a batch in one PutEvents round. */
export function outboxHandler<K extends DetailType>(detailType: K, eventOf: OutboxEventOf<K>) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context) => {
    logger.resetKeys();
    logger.addContext(context);
    metrics.captureColdStartMetric();
    try {
      const outcomes = await publishAll(detailType, event.Records, eventOf);
      return await processPartialResponse(
        event,
        async (record: DynamoDBRecord) => {
          const outcome = outcomes.get(record);
          if (!outcome) throw new Error(`Stream record ${record.eventID} was not prepared`);
          if ('error' in outcome) {
            logger.error('Stream record not published', { eventID: record.eventID, error: outcome.error.message });
            throw outcome.error;
          }
        },
        processor,
        { context },
      );
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Maps every record to its event and publishes them; the outcome of each record. */
async function publishAll<K extends DetailType>(
  detailType: K,
  records: readonly DynamoDBRecord[],
  eventOf: OutboxEventOf<K>,
): Promise<Map<DynamoDBRecord, Outcome>> {
  const outcomes = new Map<DynamoDBRecord, Outcome>();
  const toPublish: { record: DynamoDBRecord; event: PreparedEvent<K> }[] = [];
  for (const record of records) {
    try {
      const prepared = eventOf(record);
      if (prepared) toPublish.push({ record, event: prepared });
      else outcomes.set(record, { skip: true });
    } catch (error) {
      outcomes.set(record, { error: error as Error });
    }
  }
  if (toPublish.length === 0) return outcomes;
  const undelivered = await publishPrepared(toPublish.map((p) => p.event as PreparedEvent));
  toPublish.forEach(({ record, event }, i) => {
    outcomes.set(
      record,
      undelivered.has(i) ? { error: new Error(`${detailType} ${event.metadata.eventId} not accepted by PutEvents`) } : { published: true },
    );
  });
  metrics.addMetric(`${detailType}Published`, MetricUnit.Count, toPublish.length - undelivered.size);
  return outcomes;
}
