import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvent } from '#domain/activity';
import { claimKey, claimRecord, compareClaim } from '#domain/idempotency';
import { toNdjson } from '#domain/activity';
import { mapChunks } from '#shared/chunks';
import { conditionHeld } from '#shared/dynamo';
import { putAllRecords, type UndeliveredRecord } from '#shared/kinesis';
import { retryFailed } from '#shared/retry';
import { logger } from '#shared/powertools';

/** Where accepted activity goes. The ingestion depends on this port; AwsActivityStore is the adapter. */
export interface ActivityStore {
  /** Sends events to the stream; returns those still undelivered after retries (by index in `events`). */
  stream(events: readonly ActivityEvent[]): Promise<UndeliveredRecord[]>;
  /**
   * Writes the raw log object at `key`; never replaces an existing object. An
   * object already there is success: keys repeat only for a resent request
   * (Idempotency-Key), whose object holds the same events.
   */
  storeRawLog(key: string, events: readonly ActivityEvent[]): Promise<void>;
  /** Writes one stats item per event (an event written again replaces its item with the same values). */
  writeStats(events: readonly ActivityEvent[]): Promise<void>;
}

/** The body hash and first arrival of a request sent with an Idempotency-Key. */
export interface ActivityKeyClaim {
  readonly bodyHash: string;
  readonly receivedAt: Date;
}

export type ClaimOutcome =
  /** First use of the key, or a resend of the same body: ingest as received at `receivedAt` (the first arrival). */
  | { readonly kind: 'claimed'; readonly receivedAt: Date }
  /** The key was used with another body. */
  | { readonly kind: 'key-reused' };

/** Remembers Idempotency-Keys of `POST /activity`; AwsActivityStore is the adapter. */
export interface ActivityKeys {
  /** Records `key` with `claim` unless it is recorded; then compares the bodies. */
  claim(key: string, claim: ActivityKeyClaim): Promise<ClaimOutcome>;
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
/** The sort key of an activity Idempotency-Key's claim (the stats table has one). */
const CLAIM_SK = 'ACTIVITY';

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
 * `IDEMPOTENCY#<key>` / `ACTIVITY` (24-hour TTL): a key's body hash and first arrival.
 */
export class AwsActivityStore implements ActivityStore, ActivityKeys {
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

  async claim(key: string, claim: ActivityKeyClaim): Promise<ClaimOutcome> {
    const claimed = await conditionHeld(
      this.clients.dynamo.send(
        new PutCommand(
          claimRecord(
            this.options.statsTable,
            key,
            { bodyHash: claim.bodyHash, receivedAt: claim.receivedAt.toISOString() },
            claim.receivedAt,
            CLAIM_SK,
          ),
        ),
      ),
    );
    if (claimed) return { kind: 'claimed', receivedAt: claim.receivedAt };
    // The key is taken (a conditional write, not a read-then-write): read what it was first used with.
    const { Item } = await this.clients.dynamo.send(
      new GetCommand({ TableName: this.options.statsTable, Key: claimKey(key, CLAIM_SK), ConsistentRead: true }),
    );
    const stored = compareClaim(Item, claim.bodyHash);
    if (stored.kind === 'key-reused') return stored;
    return { kind: 'claimed', receivedAt: new Date(String(stored.claim.receivedAt)) };
  }

  async storeRawLog(key: string, events: readonly ActivityEvent[]): Promise<void> {
    try {
      await this.clients.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: toNdjson(events),
          ContentType: 'application/x-ndjson',
          // Never overwrite: a fresh batch id makes a taken key unlikely, a resend (same events) makes it expected.
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
