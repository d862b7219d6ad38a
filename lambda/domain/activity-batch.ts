import type { ActivityEvent, ActivityInput } from './activity';
import { engagementScore } from './engagement';

/** What every event of one `POST /activity` request shares. */
export interface BatchContext {
  readonly batchId: string;
  readonly receivedAt: Date;
  readonly correlationId: string;
}

/**
 * Turns validated inputs into the events the platform stores and streams: each
 * gets its own id (from `newId`, so tests can fix it) and its engagement score,
 * and its timestamp normalised to UTC (`toISOString`), which makes timestamps
 * compare correctly as strings everywhere downstream.
 */
export function buildActivityEvents(
  inputs: readonly ActivityInput[],
  batch: BatchContext,
  newId: () => string,
): ActivityEvent[] {
  const receivedAt = batch.receivedAt.toISOString();
  return inputs.map((input) => ({
    eventId: newId(),
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
