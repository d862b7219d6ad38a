/**
 * DynamoDB Streams for the local cloud. dynalite has no streams, so the change
 * records are captured where every write passes anyway: the edge's DynamoDB
 * layer reads the item before and after each write to a streamed table
 * (capture.ts, transactions.ts) and hands both images to
 * `DynamoDbStreams.record`. This file keeps those records in memory, with an
 * in-process reader for the event source mappings; streams-api.ts serves the
 * DynamoDB Streams API (`DynamoDBStreams_20120810.*`) over them.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalStack } from '../types';
import { itemSize, sameItem, type KeySchemaElement, type WireItem } from './items';

export type { KeySchemaElement, WireAttributeValue, WireItem } from './items';

/** What a stream record carries of the item (the table's `StreamSpecification.StreamViewType`). */
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
const VIEW_TYPES: readonly StreamViewType[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

/** A table whose stream is enabled, as the template declares it. */
export interface StreamedTable {
  readonly tableName: string;
  readonly viewType: StreamViewType;
  /** The stream ARN the rest of the stack was given (`StreamArn` attribute); its label is kept. */
  readonly streamArn?: string;
}

/**
 * Every `AWS::DynamoDB::Table` / `AWS::DynamoDB::GlobalTable` of the stack
 * whose `StreamSpecification` names a view type, with the stream ARN the
 * template's references resolved to, so that event source mappings and
 * handlers given that ARN find the stream.
 */
export function streamedTablesOf(stack: Pick<LocalStack, 'byType'>): StreamedTable[] {
  const tables = [...stack.byType('AWS::DynamoDB::Table'), ...stack.byType('AWS::DynamoDB::GlobalTable')];
  const result: StreamedTable[] = [];
  for (const table of tables) {
    const viewType = table.properties.StreamSpecification?.StreamViewType;
    if (!VIEW_TYPES.includes(viewType)) continue;
    result.push({ tableName: table.physicalId, viewType, streamArn: table.attributes.StreamArn });
  }
  return result;
}

/** One stream record, exactly as `GetRecords` returns it (and as a Lambda event carries it, less `eventSourceARN`). */
export interface DynamoDbStreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  /** Set on deletes made by DynamoDB itself (TTL): `{ type: 'Service', principalId: 'dynamodb.amazonaws.com' }`. */
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
  readonly dynamodb: {
    /** Epoch seconds. */
    readonly ApproximateCreationDateTime: number;
    readonly Keys: WireItem;
    readonly NewImage?: WireItem;
    readonly OldImage?: WireItem;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: StreamViewType;
  };
}

/** A shard of a stream, as `DescribeStream` lists it. */
export interface StreamShard {
  readonly shardId: string;
  readonly startingSequenceNumber: string;
  /** Set once the shard is closed (the stream was disabled or its table deleted). */
  readonly endingSequenceNumber?: string;
  readonly parentShardId?: string;
}

/**
 * What an event source mapping needs from a DynamoDB stream, in process (no
 * HTTP): the shards, and the records after a position. Positions are sequence
 * numbers; `undefined` means the trim horizon.
 */
export interface DynamoDbStreamReader {
  /** The shards of a stream, oldest first; undefined when no such stream exists. */
  shardsOf(streamArn: string): StreamShard[] | undefined;
  /**
   * Up to `limit` records of the shard whose sequence number is greater than
   * `after` (from the oldest retained when `after` is undefined), in order.
   * `closed` is true when the shard is closed and nothing is left after them.
   */
  readRecords(
    streamArn: string,
    shardId: string,
    after: string | undefined,
    limit: number,
  ): { records: DynamoDbStreamRecord[]; closed: boolean };
  /** The sequence number of the newest record of the shard (the LATEST position), undefined when empty. */
  latestSequenceNumber(streamArn: string, shardId: string): string | undefined;
  /** Called (synchronously, after the write) whenever a record is added to any stream; returns an unsubscribe. */
  onRecord(listener: (streamArn: string) => void): () => void;
}

/** One captured change: the item before and after a write, as read from dynalite. */
export interface ItemChange {
  readonly tableName: string;
  readonly keys: WireItem;
  readonly oldImage?: WireItem;
  readonly newImage?: WireItem;
  /** Who made the change, when it was DynamoDB itself (a TTL deletion). */
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
}

/** Construction options; only `tables` matters in the local cloud (the layer passes `keySchemaOf`). */
export interface DynamoDbStreamsOptions {
  readonly tables?: readonly StreamedTable[];
  readonly region?: string;
  readonly accountId?: string;
  /** Records older than this are trimmed (default 24 h, as on AWS). */
  readonly retentionMs?: number;
  /** At most this many records are kept per shard; the oldest are trimmed first (default 100 000). */
  readonly maxRecordsPerShard?: number;
  /** Key schema of a table, for `DescribeStream` (the DynamoDB layer provides it). */
  readonly keySchemaOf?: (tableName: string) => Promise<readonly KeySchemaElement[] | undefined>;
}

const SEQUENCE_BASE = 10n ** 20n;

export interface Shard {
  readonly shardId: string;
  readonly records: DynamoDbStreamRecord[];
  readonly startingSequenceNumber: string;
  /** Sequence number of the newest trimmed record: positions before it are gone. */
  trimmedThrough?: bigint;
  endingSequenceNumber?: string;
}

export interface Stream {
  readonly arn: string;
  readonly label: string;
  readonly tableName: string;
  readonly viewType: StreamViewType;
  readonly createdAt: number;
  enabled: boolean;
  readonly shard: Shard;
}

/**
 * The stream records of every streamed table, and the Streams API over them.
 * Guarantees:
 * - one record per write that changed an item, none for a write that did not
 *   (a put of an identical item, a delete of an absent one), as on AWS;
 * - images per the table's view type: `KEYS_ONLY` carries Keys only,
 *   `NEW_IMAGE` / `OLD_IMAGE` one image, `NEW_AND_OLD_IMAGES` both;
 * - sequence numbers grow strictly across all streams (21-digit decimal strings
 *   that compare as numbers and as strings), so readers can resume after one;
 * - records are retained 24 h (or up to `maxRecordsPerShard`), then trimmed;
 *   reading a trimmed position answers `TrimmedDataAccessException`.
 * One shard per stream: local volumes never need AWS's shard rotation.
 */
export class DynamoDbStreams implements DynamoDbStreamReader {
  private readonly byTable = new Map<string, Stream>();
  private readonly byArn = new Map<string, Stream>();
  private readonly listeners = new Set<(streamArn: string) => void>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly retentionMs: number;
  private readonly maxRecordsPerShard: number;
  keySchemaOf?: (tableName: string) => Promise<readonly KeySchemaElement[] | undefined>;
  /** The newest sequence number handed out, on any stream. */
  sequence = 0n;

  constructor(options: DynamoDbStreamsOptions = {}) {
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.maxRecordsPerShard = options.maxRecordsPerShard ?? 100_000;
    this.keySchemaOf = options.keySchemaOf;
    for (const table of options.tables ?? []) this.enable(table);
  }

  /** Lets the DynamoDB layer supply key schemas after construction. */
  useKeySchemas(keySchemaOf: (tableName: string) => Promise<readonly KeySchemaElement[] | undefined>): void {
    this.keySchemaOf = keySchemaOf;
  }

  /**
   * Enables the stream of a table (idempotent for the same view type). A table
   * whose stream is re-enabled gets a new stream with a new label, as on AWS;
   * the old one stays readable (closed) until its records are trimmed.
   */
  enable(table: StreamedTable): string {
    const current = this.byTable.get(table.tableName);
    if (current?.enabled && current.viewType === table.viewType) return current.arn;
    if (current) this.disable(table.tableName);
    const label = labelOf(table.streamArn) ?? uniqueLabel(current?.label);
    const arn = `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${table.tableName}/stream/${label}`;
    const shardId = `shardId-${String(Date.now()).padStart(20, '0')}-${randomUUID().slice(0, 8)}`;
    const stream: Stream = {
      arn,
      label,
      tableName: table.tableName,
      viewType: table.viewType,
      createdAt: Date.now(),
      enabled: true,
      shard: { shardId, records: [], startingSequenceNumber: formatSequence(this.sequence + 1n) },
    };
    this.byTable.set(table.tableName, stream);
    this.byArn.set(arn, stream);
    return arn;
  }

  /** Disables a table's stream (table deleted, or stream turned off): its shard closes, its records stay readable. */
  disable(tableName: string): void {
    const stream = this.byTable.get(tableName);
    if (!stream?.enabled) return;
    stream.enabled = false;
    const last = stream.shard.records.at(-1);
    stream.shard.endingSequenceNumber = last?.dynamodb.SequenceNumber ?? formatSequence(this.sequence);
  }

  /** The view type of the table's enabled stream, or undefined when the table has none. */
  viewTypeOf(tableName: string): StreamViewType | undefined {
    const stream = this.byTable.get(tableName);
    return stream?.enabled ? stream.viewType : undefined;
  }

  /** ARN and label of the table's enabled stream (DescribeTable shows them). */
  streamOf(tableName: string): { arn: string; label: string; viewType: StreamViewType } | undefined {
    const stream = this.byTable.get(tableName);
    return stream?.enabled ? { arn: stream.arn, label: stream.label, viewType: stream.viewType } : undefined;
  }

  /**
   * Appends the record for one write. Does nothing when the table has no
   * enabled stream or when the write changed nothing. Returns the record added.
   */
  record(change: ItemChange): DynamoDbStreamRecord | undefined {
    const stream = this.byTable.get(change.tableName);
    if (!stream?.enabled) return undefined;
    const { oldImage, newImage } = change;
    if (!oldImage && !newImage) return undefined;
    if (oldImage && newImage && sameItem(oldImage, newImage)) return undefined;
    const eventName = !oldImage ? 'INSERT' : !newImage ? 'REMOVE' : 'MODIFY';
    const view = stream.viewType;
    const withNew = newImage && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES');
    const withOld = oldImage && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES');
    this.sequence += 1n;
    const record: DynamoDbStreamRecord = {
      eventID: randomUUID().replace(/-/g, ''),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.region,
      ...(change.userIdentity ? { userIdentity: change.userIdentity } : {}),
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: change.keys,
        ...(withNew ? { NewImage: newImage } : {}),
        ...(withOld ? { OldImage: oldImage } : {}),
        SequenceNumber: formatSequence(this.sequence),
        SizeBytes: itemSize(change.keys) + (withNew ? itemSize(newImage) : 0) + (withOld ? itemSize(oldImage) : 0),
        StreamViewType: view,
      },
    };
    stream.shard.records.push(record);
    this.trim(stream.shard);
    for (const listener of this.listeners) {
      try {
        listener(stream.arn);
      } catch {
        // a listener's failure must not fail the write that produced the record
      }
    }
    return record;
  }

  shardsOf(streamArn: string): StreamShard[] | undefined {
    const stream = this.byArn.get(streamArn);
    if (!stream) return undefined;
    this.trim(stream.shard);
    const { shardId, startingSequenceNumber, endingSequenceNumber } = stream.shard;
    return [{ shardId, startingSequenceNumber, ...(endingSequenceNumber ? { endingSequenceNumber } : {}) }];
  }

  readRecords(streamArn: string, shardId: string, after: string | undefined, limit: number) {
    const shard = this.shard(streamArn, shardId);
    if (!shard) return { records: [], closed: true };
    this.trim(shard);
    const from = after === undefined ? 0n : BigInt(after);
    const start = firstAfter(shard.records, from);
    const records = shard.records.slice(start, start + Math.max(1, limit));
    const closed = shard.endingSequenceNumber !== undefined && start + records.length >= shard.records.length;
    return { records, closed };
  }

  latestSequenceNumber(streamArn: string, shardId: string): string | undefined {
    const shard = this.shard(streamArn, shardId);
    return (
      shard?.records.at(-1)?.dynamodb.SequenceNumber ??
      (shard?.trimmedThrough !== undefined ? formatSequence(shard.trimmedThrough) : undefined)
    );
  }

  onRecord(listener: (streamArn: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Serves one `DynamoDBStreams_20120810.*` call (AWS JSON 1.0). Answers as AWS
   * does, including its error types (`ResourceNotFoundException`,
   * `ExpiredIteratorException`, `TrimmedDataAccessException`, `ValidationException`).
   */

  /** The stream of an ARN, enabled or not. */
  stream(arn: unknown): Stream | undefined {
    return typeof arn === 'string' ? this.byArn.get(arn) : undefined;
  }

  /** Every stream, enabled or not. */
  all(): Stream[] {
    return [...this.byArn.values()];
  }

  shard(streamArn: string, shardId: string): Shard | undefined {
    const stream = this.byArn.get(streamArn);
    return stream?.shard.shardId === shardId ? stream.shard : undefined;
  }

  /** Drops the records past retention (age or count). */
  trim(shard: Shard): void {
    const cutoff = Math.floor((Date.now() - this.retentionMs) / 1000);
    let drop = Math.max(0, shard.records.length - this.maxRecordsPerShard);
    while (drop < shard.records.length && shard.records[drop]!.dynamodb.ApproximateCreationDateTime < cutoff) drop += 1;
    if (drop === 0) return;
    shard.trimmedThrough = BigInt(shard.records[drop - 1]!.dynamodb.SequenceNumber);
    shard.records.splice(0, drop);
  }
}

function firstAfter(records: readonly DynamoDbStreamRecord[], after: bigint): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BigInt(records[mid]!.dynamodb.SequenceNumber) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function formatSequence(n: bigint): string {
  return (SEQUENCE_BASE + n).toString();
}

function labelOf(streamArn: string | undefined): string | undefined {
  if (!streamArn) return undefined;
  const at = streamArn.indexOf('/stream/');
  return at >= 0 && streamArn.length > at + 8 ? streamArn.slice(at + 8) : undefined;
}

/** An AWS-looking label (`2024-01-01T00:00:00.000`), different from the previous one of the table. */
function uniqueLabel(previous: string | undefined): string {
  let time = Date.now();
  let label = new Date(time).toISOString().replace('Z', '');
  while (label === previous) label = new Date(++time).toISOString().replace('Z', '');
  return label;
}

/** Same item by value: attribute order and set member order do not matter, as for DynamoDB. */
