import { createHash } from 'node:crypto';
import type { ActivityEvent, ActivityInput } from './activity';
import { engagementScore } from './engagement';

/**
 * An `Idempotency-Key` of `POST /activity`: the same rule as the orders' keys
 * (one header, one rule across the API). Ids are derived from it, so a key of
 * a character or two would make unrelated clients' events collide: 8 at least.
 */
export const ACTIVITY_IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * A name-based id in the UUID layout (RFC 9562 version 8, custom): the first
 * 128 bits of SHA-256 of `activity`, the key and `name`, with the version and
 * variant bits set. The same key and name always give the same id, so a resent
 * request's batch and events keep theirs; ids look like the random ones.
 */
function derivedId(key: string, name: string): string {
  const bytes = createHash('sha256').update(`activity\n${key}\n${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The batch id of a request sent with Idempotency-Key `key`. */
export const keyedBatchId = (key: string): string => derivedId(key, 'batch');

/** The id of the event at `index` in the body of a request sent with Idempotency-Key `key`. */
export const keyedEventId = (key: string, index: number): string => derivedId(key, `event#${index}`);

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
