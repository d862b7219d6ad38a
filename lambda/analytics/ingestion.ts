import type { ActivityEvent } from '#domain/activity';
import { rawLogKey, rawLogPart } from '#domain/activity';
import type { ActivityStore } from './activity-store';

export interface IngestionResult {
  /** In the stream, the raw log and the stats. */
  readonly delivered: readonly ActivityEvent[];
  /** Not in the stream after every retry, and so stored nowhere: the client should send them again. */
  readonly undelivered: readonly { readonly event: ActivityEvent; readonly errorCode: string }[];
}

/**
 * Stores one request's events so that the three places agree: the stream first
 * (PutRecords is the step that fails partially), then the raw log and the stats
 * with exactly the events the stream took. An undelivered event is therefore in
 * none of them and can simply be sent again. If the raw log or the stats write
 * fails after the stream took the events, this throws: the events are already
 * counted by the consumer, so a resend is safe only with the same ids — a
 * `resendable` batch (Idempotency-Key), whose raw log is named by the events it
 * holds (see rawLogPart), so that a resend neither overwrites nor loses one.
 */
export async function ingest(
  events: readonly ActivityEvent[],
  batch: { readonly batchId: string; readonly receivedAt: Date; readonly resendable?: boolean },
  store: ActivityStore,
): Promise<IngestionResult> {
  const failures = await store.stream(events);
  const failedAt = new Map(failures.map((failure) => [failure.index, failure.errorCode]));
  const delivered = events.filter((_, index) => !failedAt.has(index));
  const undelivered = events.flatMap((event, index) => {
    const errorCode = failedAt.get(index);
    return errorCode === undefined ? [] : [{ event, errorCode }];
  });
  if (delivered.length > 0) {
    await Promise.all([
      store.storeRawLog(rawLogKey(batch.receivedAt, batch.batchId, batch.resendable ? rawLogPart(delivered) : undefined), delivered),
      store.writeStats(delivered),
    ]);
  }
  return { delivered, undelivered };
}
