import * as z from 'zod/mini';
import { uuidSchema } from './users';
import { RAW_LOG_PREFIX } from '#contracts/keys';

/**
 * The activity types the platform scores and aggregates. A fixed set: an unknown
 * type is a client bug that should be rejected, not a new column in the stats.
 */
export const ACTIVITY_TYPES = ['view', 'click', 'search', 'add_to_cart', 'purchase'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** Events one `POST /activity` may carry: one PutRecords call's worth. */
export const MAX_EVENTS_PER_REQUEST = 500;
/** Serialised size limit of one event's `metadata`, so that 500 events stay well under Kinesis' 5 MB a call. */
export const MAX_METADATA_BYTES = 2_048;
/** The body of `POST /activity`: 500 events with metadata at its limit, and room to spare (API Gateway allows 10 MB). */
export const MAX_ACTIVITY_BODY_BYTES = 2 * 1024 * 1024;
/** A day: a longer `duration` is a client clock or unit bug, not a session. */
export const MAX_DURATION_SECONDS = 86_400;

const metadataBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** One activity event as a client sends it. Unknown fields are rejected, not ignored. */
export const activitySchema = z.strictObject({
  userId: uuidSchema,
  activityType: z.enum(ACTIVITY_TYPES, { error: (issue) => (issue.input === undefined ? 'is required' : undefined) }),
  timestamp: z.iso.datetime({
    offset: true,
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be an ISO 8601 date-time, e.g. 2026-11-27T10:15:00Z'),
  }),
  duration: z.number().check(z.minimum(0), z.maximum(MAX_DURATION_SECONDS)),
  metadata: z.optional(
    z
      .record(z.string(), z.unknown())
      .check(z.refine((value) => metadataBytes(value) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)),
  ),
});

export type ActivityInput = z.infer<typeof activitySchema>;

/**
 * An accepted event as it is stored and streamed: the client's fields (timestamp
 * normalised to UTC), plus its id, its engagement score, the batch it came in
 * and the request's correlation id. The `eventId` is what makes every consumer
 * idempotent: a redelivered record carries the same id.
 */
export interface ActivityEvent {
  readonly eventId: string;
  readonly batchId: string;
  readonly userId: string;
  readonly activityType: ActivityType;
  readonly timestamp: string;
  readonly duration: number;
  readonly metadata?: Record<string, unknown>;
  readonly score: number;
  readonly receivedAt: string;
  readonly correlationId: string;
}

/**
 * Where a batch's raw log goes: `raw/YYYY/MM/DD/HH/<batchId>.ndjson`, by the
 * UTC hour the batch was received (not the events' own timestamps, which a
 * client controls), so that a day or an hour can be listed or replayed by prefix.
 * Ingestion writes a batch in numbered parts (`<batchId>.<part>.ndjson`, the
 * parts its ledger planned: #domain/activity-ledger), each event in exactly one.
 */
export function rawLogKey(receivedAt: Date, batchId: string, part?: string): string {
  const iso = receivedAt.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const name = part === undefined ? batchId : `${batchId}.${part}`;
  return `${RAW_LOG_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/${name}.ndjson`;
}

/** Newline-delimited JSON: one event a line, each line a complete JSON document, a final newline. */
export function toNdjson(events: readonly ActivityEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}
