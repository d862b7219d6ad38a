import * as z from 'zod/mini';
import { ACTIVITY_TYPES, type ActivityEvent } from '#domain/activity';
import type { HighEngagementDetected } from '#contracts/events';
import { eventIdFor, type PreparedEvent } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import type { EngagementStore } from './engagement-store';

/** Publishes events with their envelope fixed; throws unless every one was accepted. */
export type Publish = (events: readonly PreparedEvent[]) => Promise<void>;

export interface ConsumerDeps {
  readonly store: EngagementStore;
  readonly publish: Publish;
  /** Total score at which a user is highly engaged. */
  readonly threshold: number;
  readonly now: () => Date;
}

/** What the consumer needs of a stream record; other fields (metadata...) pass through unchecked. */
const streamedSchema = z.object({
  eventId: z.string().check(z.minLength(1)),
  batchId: z.string(),
  userId: z.string().check(z.minLength(1)),
  activityType: z.enum(ACTIVITY_TYPES),
  timestamp: z.string(),
  duration: z.number(),
  score: z.number(),
  receivedAt: z.string(),
  correlationId: z.string(),
});

/** Decodes a Kinesis record's data (base64 JSON written by the ingestion); throws on anything else. */
export function decodeRecord(base64: string): ActivityEvent {
  const parsed = streamedSchema.safeParse(JSON.parse(Buffer.from(base64, 'base64').toString('utf8')));
  if (!parsed.success) throw new Error(`Malformed activity record: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data as ActivityEvent;
}

/**
 * Applies one activity event to its user's engagement. Safe to call any number
 * of times with the same event (a Kinesis retry, a bisected batch, a replay):
 * - the counts change once, by a marker written in the same transaction;
 * - the last activity only moves forward (a conditional max), so it is applied
 *   again on a duplicate, completing an attempt that stopped half-way;
 * - an event with points re-checks the threshold, duplicate or not (see
 *   detectHighEngagement), so an attempt that stopped before publishing is
 *   completed by the redelivery.
 */
export async function consumeActivity(event: ActivityEvent, deps: ConsumerDeps): Promise<'counted' | 'duplicate'> {
  const counted = await deps.store.count(event);
  await deps.store.advanceLastActivity(event);
  if (event.score > 0) await detectHighEngagement(event, deps);
  if (!counted) logger.info('Duplicate activity record ignored', { eventId: event.eventId });
  metrics.addMetric(counted ? 'ActivityCounted' : 'DuplicateActivityIgnored', MetricUnit.Count, 1);
  return counted ? 'counted' : 'duplicate';
}

/**
 * `HighEngagementDetected`, never lost and never doubled: a deterministic event
 * id (derived from the user id) is published *before* the flag is set, and the
 * flag only stops later publications. A failure or crash before the flag means
 * the record is retried and the same event (same id) published again, which
 * every consumer ignores as a duplicate; there is no window in which the flag is
 * set and the event unpublished, and nothing to undo. One user's records are
 * processed one at a time (serialisedPerKey, one shard per user), so two
 * detections of one user never race.
 */
async function detectHighEngagement(event: ActivityEvent, deps: ConsumerDeps): Promise<void> {
  const engagement = await deps.store.get(event.userId);
  if (!engagement || engagement.totalScore < deps.threshold) return;
  if (engagement.highEngagementAt !== undefined) {
    logger.info('High engagement already detected: not published again', { eventId: event.eventId });
    return;
  }
  const detectedAt = deps.now().toISOString();
  const data: HighEngagementDetected = {
    userId: engagement.userId,
    totalScore: engagement.totalScore,
    threshold: deps.threshold,
    eventCount: engagement.eventCount,
    detectedAt,
  };
  const eventId = eventIdFor('HighEngagementDetected', engagement.userId);
  await deps.publish([
    {
      detailType: 'HighEngagementDetected',
      data,
      metadata: { eventId, correlationId: event.correlationId, occurredAt: detectedAt, version: 1 },
    },
  ]);
  await deps.store.flagHighEngagement(engagement.userId, detectedAt);
  metrics.addMetric('HighEngagementDetected', MetricUnit.Count, 1);
}

/**
 * Runs tasks with the same key one after another and tasks with different keys
 * concurrently. The batch processor handles records in parallel; one user's
 * records must not race (concurrent transactions on one item conflict), while
 * different users' records may.
 */
export function serialisedPerKey() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    tails.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  };
}
