/**
 * Where accepted activity goes (the stream, the raw log, the stats) and its AWS
 * adapter. Guarantees: a raw-log object is never overwritten (`IfNoneMatch`);
 * a stats item is keyed by event id and derives wholly from the event, so
 * writing it again is a no-op; PutRecords and BatchWriteItem failures in part
 * are retried, and what is left is reported or thrown, never dropped.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvent } from '#domain/activity';
import { toNdjson } from '#domain/activity';
import { mapChunks } from '#shared/chunks';
import { putAllRecords, type UndeliveredRecord } from '#shared/kinesis';
import { retryFailed } from '#shared/retry';
import { logger } from '#shared/powertools';

/** Where accepted activity goes. The ingestion depends on this port; AwsActivityStore is the adapter. */
export interface ActivityStore {
  /** Sends events to the stream; returns those still undelivered after retries (by index in `events`). */
  stream(events: readonly ActivityEvent[]): Promise<UndeliveredRecord[]>;
  /**
   * Writes the raw log object at `key`; never replaces an existing object. An
   * object already there is success: a part's key repeats only when an attempt
   * writes a part an earlier one wrote without recording it, with the same events.
   */
  storeRawLog(key: string, events: readonly ActivityEvent[]): Promise<void>;
  /**
   * Writes one stats item per event. Idempotent per event id: the item's key and
   * every attribute derive from the event (its expiry from the batch's first
   * arrival), so an event written again replaces its item with the same item.
   */
  writeStats(events: readonly ActivityEvent[]): Promise<void>;
}

export interface AwsActivityStoreOptions {
  readonly streamName: string;
  readonly bucket: string;
  readonly statsTable: string;
  /** Attempts for PutRecords failures and BatchWriteItem unprocessed items (default 5). */
  readonly attempts?: number;
}

/** BatchWriteItem's limit of items per call. */
const BATCH_WRITE_MAX_ITEMS = 25;
/** BatchWriteItem calls in flight: a 500-event request's 20 calls in 5 rounds instead of 20. */
const STATS_WRITES_IN_FLIGHT = 4;
/** How long a per-event stats item is kept (the raw log keeps everything longer). */
const STATS_TTL_SECONDS = 90 * 24 * 3600;

/** An event's stats item (see AwsActivityStore), expiring 90 days after `now` (ms). */
export function statsItem(event: ActivityEvent, now: number) {
  return {
    pk: `USER#${event.userId}`,
    sk: `ACTIVITY#${event.timestamp}#${event.eventId}`,
    eventId: event.eventId,
    batchId: event.batchId,
    activityType: event.activityType,
    timestamp: event.timestamp,
    duration: event.duration,
    score: event.score,
    expiresAt: Math.floor(now / 1000) + STATS_TTL_SECONDS,
  };
}

/**
 * The AWS adapter: Kinesis (partition key `userId`, so one user's events stay in
 * order on one shard), S3 (one NDJSON object, `IfNoneMatch: '*'`), and the stats
 * table, whose items are `USER#<userId>` / `ACTIVITY#<timestamp>#<eventId>`: a
 * user's scored events in time order, expiring 90 days after they were received
 * (so writing an event again writes the very same item). The same table holds
 * the batches' claims and ledgers (batch-ledger-store.ts).
 */
export class AwsActivityStore implements ActivityStore {
  constructor(
    private readonly clients: { readonly s3: S3Client; readonly dynamo: DynamoDBDocumentClient },
    private readonly options: AwsActivityStoreOptions,
  ) {}

  stream(events: readonly ActivityEvent[]): Promise<UndeliveredRecord[]> {
    return putAllRecords(
      this.options.streamName,
      events.map((event) => ({ PartitionKey: event.userId, Data: Buffer.from(JSON.stringify(event)) })),
      { attempts: this.options.attempts },
    );
  }

  async storeRawLog(key: string, events: readonly ActivityEvent[]): Promise<void> {
    try {
      await this.clients.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: toNdjson(events),
          ContentType: 'application/x-ndjson',
          // Never overwrite: a part's contents are fixed by the ledger, so a taken key holds the same events.
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'PreconditionFailed') throw error;
      logger.info('Raw log object already stored (a resent request); kept as it is', { key });
    }
  }

  async writeStats(events: readonly ActivityEvent[]): Promise<void> {
    const items = events.map((event) => statsItem(event, Date.parse(event.receivedAt)));
    await mapChunks(items, { size: BATCH_WRITE_MAX_ITEMS, concurrency: STATS_WRITES_IN_FLIGHT }, (part) => this.batchWrite(part));
  }

  /** One BatchWriteItem, then its unprocessed items again (retryFailed); throws if some are still left. */
  private async batchWrite(items: Record<string, unknown>[]): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    const left = await retryFailed(
      items.map((Item) => ({ PutRequest: { Item } })),
      async (requests) => {
        const { UnprocessedItems } = await this.clients.dynamo.send(
          new BatchWriteCommand({ RequestItems: { [this.options.statsTable]: [...requests] } }),
        );
        return (UnprocessedItems?.[this.options.statsTable] ?? []) as { PutRequest: { Item: Record<string, unknown> } }[];
      },
      {
        attempts,
        onRetry: (unprocessed, attempt) =>
          logger.warn('BatchWriteItem left unprocessed items; retrying them', { unprocessed: unprocessed.length, attempt }),
      },
    );
    if (left.length > 0) throw new Error(`BatchWriteItem left ${left.length} items unprocessed after ${attempts} attempts`);
  }
}
