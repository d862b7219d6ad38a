import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { userCreated } from '#domain/users';
import { eventIdFor, type PreparedEvent, publishPrepared } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { createdUserOf } from './user-store';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** What one stream record comes to: an event to publish, nothing (another item or change), or an unreadable item. */
type Outcome = { readonly event: PreparedEvent<'UserCreated'> } | { readonly skip: true } | { readonly error: Error };

/**
 * The `UserCreated` event of a record, if it inserted a user: the envelope is
 * fixed by the stored item — the event id is derived from the user id, the
 * time is the user's `createdAt`, the correlation id is the registering
 * request's — so a record delivered again publishes the very same event.
 */
export function userCreatedOf(record: DynamoDBRecord): PreparedEvent<'UserCreated'> | undefined {
  const created = createdUserOf(record);
  if (!created) return undefined;
  const { user, correlationId } = created;
  const eventId = eventIdFor('UserCreated', user.userId);
  return {
    detailType: 'UserCreated',
    data: userCreated(user),
    metadata: {
      eventId,
      // Items stored before the outbox carry none: the event id still ties the logs together.
      correlationId: correlationId ?? eventId,
      occurredAt: user.createdAt,
      version: 1,
    },
  };
}

/**
 * The outbox publisher: consumes the users table's stream and publishes
 * `UserCreated` for every inserted user item (nothing for other items or
 * changes), all of a batch in one PutEvents call (ten records a batch).
 * Exactly the records whose entries PutEvents still reports as failed after
 * retries — or whose item cannot be read — are returned in
 * `batchItemFailures`, so Lambda retries from them (bisecting, then the
 * on-failure destination). Delivery is at least once; a repeated event keeps
 * its id, and every consumer ignores an id it has seen.
 */
export const handler = async (event: DynamoDBStreamEvent, context: Context) => {
  logger.resetKeys();
  logger.addContext(context);
  metrics.captureColdStartMetric();
  try {
    const outcomes = new Map<DynamoDBRecord, Outcome>();
    const toPublish: { record: DynamoDBRecord; event: PreparedEvent<'UserCreated'> }[] = [];
    for (const record of event.Records) {
      try {
        const created = userCreatedOf(record);
        if (created) toPublish.push({ record, event: created });
        else outcomes.set(record, { skip: true });
      } catch (error) {
        outcomes.set(record, { error: error as Error });
      }
    }
    if (toPublish.length > 0) {
      const undelivered = await publishPrepared(toPublish.map((p) => p.event));
      toPublish.forEach(({ record, event: published }, i) => {
        outcomes.set(
          record,
          undelivered.has(i)
            ? { error: new Error(`UserCreated ${published.metadata.eventId} not accepted by PutEvents`) }
            : { event: published },
        );
      });
      metrics.addMetric('UserCreatedPublished', MetricUnit.Count, toPublish.length - undelivered.size);
    }
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
