import type { ActivityEvent, ActivityInput } from './activity';
import { engagementScore } from './engagement';
import { derivedId } from './idempotency';

/**
 * What ids of a keyed request derive from: the key and the first arrival its
 * claim keeps. A resend within the key's lifetime finds the claim and so the
 * same ids; the same key sent after the claim expired is claimed anew, at a new
 * time, and makes a new batch with new ids — never ids that the consumers'
 * longer-lived dedupe markers would silently drop as duplicates.
 */
export const keyGeneration = (key: string, firstArrival: Date): string => `${key}@${firstArrival.toISOString()}`;

/** The batch id of a request sent with Idempotency-Key `key` (a `keyGeneration`). */
export const keyedBatchId = (key: string): string => derivedId('activity', key, 'batch');

/** The id of the event at `index` in the body of a request sent with Idempotency-Key `key`. */
export const keyedEventId = (key: string, index: number): string => derivedId('activity', key, `event#${index}`);

/** What every event of one `POST /activity` request shares. */
export interface BatchContext {
  readonly batchId: string;
  readonly receivedAt: Date;
  readonly correlationId: string;
}

/**
 * Turns validated inputs into the events the platform stores and streams: each
 * gets its own id (from `newId`, given the input's position in `inputs`: random,
 * derived from an Idempotency-Key, or fixed by a test) and its engagement score,
 * and its timestamp normalised to UTC (`toISOString`), which makes timestamps
 * compare correctly as strings everywhere downstream.
 */
export function buildActivityEvents(
  inputs: readonly ActivityInput[],
  batch: BatchContext,
  newId: (position: number) => string,
): ActivityEvent[] {
  const receivedAt = batch.receivedAt.toISOString();
  return inputs.map((input, position) => ({
    eventId: newId(position),
    batchId: batch.batchId,
    userId: input.userId,
    activityType: input.activityType,
    timestamp: new Date(input.timestamp).toISOString(),
    duration: input.duration,
    ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    score: engagementScore(input),
    receivedAt,
    correlationId: batch.correlationId,
  }));
}
