/**
 * DynamoDB Streams for the local cloud. dynalite has no streams, so the change
 * records are captured where every write passes anyway: the edge's DynamoDB
 * layer (transactions.ts) reads the item before and after each write to a
 * streamed table and hands both images to `DynamoDbStreams.record`. This file
 * keeps those records in memory and serves the DynamoDB Streams API
 * (`DynamoDBStreams_20120810.*`) and an in-process reader for the event source
 * mappings.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type EdgeRequest, type EdgeResponse, type LocalStack } from '../types';

/** An attribute value as DynamoDB's JSON protocol carries it (`{ S: "x" }`, `{ B: "<base64>" }`...). */
export type WireAttributeValue = Record<string, unknown>;
/** An item (or key) as DynamoDB's JSON protocol carries it. */
export type WireItem = Record<string, WireAttributeValue>;

/** What a stream record carries of the item (the table's `StreamSpecification.StreamViewType`). */
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
const VIEW_TYPES: readonly StreamViewType[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

/** One element of a table's key schema, as DescribeTable and DescribeStream give it. */
export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

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
  readRecords(streamArn: string, shardId: string, after: string | undefined, limit: number): { records: DynamoDbStreamRecord[]; closed: boolean };
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

const ITERATOR_TTL_MS = 15 * 60_000;
const SEQUENCE_BASE = 10n ** 20n;

interface Shard {
  readonly shardId: string;
  readonly records: DynamoDbStreamRecord[];
  readonly startingSequenceNumber: string;
  /** Sequence number of the newest trimmed record: positions before it are gone. */
  trimmedThrough?: bigint;
  endingSequenceNumber?: string;
}

interface Stream {
  readonly arn: string;
  readonly label: string;
  readonly tableName: string;
  readonly viewType: StreamViewType;
  readonly createdAt: number;
  enabled: boolean;
  readonly shard: Shard;
}

interface Iterator {
  readonly arn: string;
  readonly shardId: string;
  /** Sequence number after which reading continues ('' for the trim horizon). */
  readonly after: string;
  readonly issuedAt: number;
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
  private keySchemaOf?: (tableName: string) => Promise<readonly KeySchemaElement[] | undefined>;
  private sequence = 0n;

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
    return shard?.records.at(-1)?.dynamodb.SequenceNumber ?? (shard?.trimmedThrough !== undefined ? formatSequence(shard.trimmedThrough) : undefined);
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
  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    const operation = (request.target ?? '').split('.')[1] ?? '';
    let input: Record<string, any>;
    try {
      input = request.body.length ? JSON.parse(request.body.toString('utf8')) : {};
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('not an object');
    } catch {
      return awsError('SerializationException', 'Start of structure or map found where not expected', 'com.amazon.coral.service');
    }
    try {
      switch (operation) {
        case 'ListStreams':
          return ok(this.listStreams(input));
        case 'DescribeStream':
          return ok(await this.describeStream(input));
        case 'GetShardIterator':
          return ok(this.getShardIterator(input));
        case 'GetRecords':
          return ok(this.getRecords(input));
        default:
          return awsError('UnknownOperationException', undefined, 'com.amazon.coral.service');
      }
    } catch (error) {
      if (error instanceof StreamsApiError) return awsError(error.type, error.message, error.namespace);
      throw error;
    }
  }

  private listStreams(input: Record<string, any>) {
    const limit = clampLimit(input.Limit, 100);
    let streams = [...this.byArn.values()].filter((s) => input.TableName === undefined || s.tableName === input.TableName);
    streams.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
    if (input.ExclusiveStartStreamArn) streams = streams.filter((s) => s.arn > input.ExclusiveStartStreamArn);
    const page = streams.slice(0, limit);
    return {
      Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.tableName, StreamLabel: s.label })),
      ...(streams.length > limit ? { LastEvaluatedStreamArn: page.at(-1)!.arn } : {}),
    };
  }

  private async describeStream(input: Record<string, any>) {
    const stream = this.streamByArn(input.StreamArn);
    const keySchema = (await this.keySchemaOf?.(stream.tableName).catch(() => undefined)) ?? [];
    const shards = input.ExclusiveStartShardId === stream.shard.shardId ? [] : this.shardsOf(stream.arn)!;
    return {
      StreamDescription: {
        StreamArn: stream.arn,
        StreamLabel: stream.label,
        StreamStatus: stream.enabled ? 'ENABLED' : 'DISABLED',
        StreamViewType: stream.viewType,
        CreationRequestDateTime: stream.createdAt / 1000,
        TableName: stream.tableName,
        KeySchema: keySchema,
        Shards: shards.map((s) => ({
          ShardId: s.shardId,
          SequenceNumberRange: {
            StartingSequenceNumber: s.startingSequenceNumber,
            ...(s.endingSequenceNumber ? { EndingSequenceNumber: s.endingSequenceNumber } : {}),
          },
        })),
      },
    };
  }

  private getShardIterator(input: Record<string, any>) {
    const stream = this.streamByArn(input.StreamArn);
    if (typeof input.ShardId !== 'string' || input.ShardId !== stream.shard.shardId) {
      throw new StreamsApiError('ResourceNotFoundException', `Requested resource not found: Shard does not exist`);
    }
    const shard = stream.shard;
    this.trim(shard);
    const type = input.ShardIteratorType;
    let after: bigint | undefined;
    switch (type) {
      case 'TRIM_HORIZON':
        after = shard.trimmedThrough;
        break;
      case 'LATEST':
        after = BigInt(this.latestSequenceNumber(stream.arn, shard.shardId) ?? formatSequence(this.sequence));
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const given = input.SequenceNumber;
        if (typeof given !== 'string' || !/^\d{1,40}$/.test(given)) {
          throw new StreamsApiError('ValidationException', `Invalid SequenceNumber for ${type}: ${String(given)}`, 'com.amazon.coral.validate');
        }
        const seq = BigInt(given);
        if (shard.trimmedThrough !== undefined && seq <= shard.trimmedThrough) {
          throw new StreamsApiError('TrimmedDataAccessException', `Sequence number ${given} is beyond the trim horizon of the shard`);
        }
        after = type === 'AT_SEQUENCE_NUMBER' ? seq - 1n : seq;
        break;
      }
      default:
        throw new StreamsApiError(
          'ValidationException',
          `1 validation error detected: Value '${String(type)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]`,
          'com.amazon.coral.validate',
        );
    }
    const iterator: Iterator = { arn: stream.arn, shardId: shard.shardId, after: after === undefined ? '' : after.toString(), issuedAt: Date.now() };
    return { ShardIterator: encodeIterator(iterator) };
  }

  private getRecords(input: Record<string, any>) {
    const iterator = decodeIterator(input.ShardIterator);
    if (!iterator) throw new StreamsApiError('ValidationException', 'Invalid ShardIterator', 'com.amazon.coral.validate');
    if (Date.now() - iterator.issuedAt > ITERATOR_TTL_MS) throw new StreamsApiError('ExpiredIteratorException', 'Iterator expired');
    const shard = this.shard(iterator.arn, iterator.shardId);
    if (!shard) throw new StreamsApiError('ResourceNotFoundException', `Requested resource not found: Stream: ${iterator.arn} not found`);
    this.trim(shard);
    if (iterator.after !== '' && shard.trimmedThrough !== undefined && BigInt(iterator.after) < shard.trimmedThrough) {
      throw new StreamsApiError('TrimmedDataAccessException', 'The records at the iterator position are beyond the trim horizon');
    }
    const limit = clampLimit(input.Limit, 1000);
    const { records, closed } = this.readRecords(iterator.arn, iterator.shardId, iterator.after || undefined, limit);
    const last = records.at(-1)?.dynamodb.SequenceNumber ?? (iterator.after || undefined);
    const next: Iterator = { ...iterator, after: last ?? '', issuedAt: Date.now() };
    return { Records: records, ...(closed ? {} : { NextShardIterator: encodeIterator(next) }) };
  }

  private streamByArn(arn: unknown): Stream {
    const stream = typeof arn === 'string' ? this.byArn.get(arn) : undefined;
    if (!stream) throw new StreamsApiError('ResourceNotFoundException', `Requested resource not found: Stream: ${String(arn)} not found`);
    return stream;
  }

  private shard(streamArn: string, shardId: string): Shard | undefined {
    const stream = this.byArn.get(streamArn);
    return stream?.shard.shardId === shardId ? stream.shard : undefined;
  }

  private trim(shard: Shard): void {
    const cutoff = Math.floor((Date.now() - this.retentionMs) / 1000);
    let drop = Math.max(0, shard.records.length - this.maxRecordsPerShard);
    while (drop < shard.records.length && shard.records[drop]!.dynamodb.ApproximateCreationDateTime < cutoff) drop += 1;
    if (drop === 0) return;
    shard.trimmedThrough = BigInt(shard.records[drop - 1]!.dynamodb.SequenceNumber);
    shard.records.splice(0, drop);
  }
}

class StreamsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly namespace = 'com.amazonaws.dynamodb.v20120810',
  ) {
    super(message);
  }
}

function ok(body: unknown): EdgeResponse {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) };
}

function awsError(type: string, message: string | undefined, namespace = 'com.amazonaws.dynamodb.v20120810'): EdgeResponse {
  const body = message === undefined ? { __type: `${namespace}#${type}` } : { __type: `${namespace}#${type}`, message };
  return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) };
}

function clampLimit(value: unknown, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : max;
  return Math.min(max, Math.max(1, n));
}

function encodeIterator(iterator: Iterator): string {
  return Buffer.from(JSON.stringify(iterator), 'utf8').toString('base64url');
}

function decodeIterator(value: unknown): Iterator | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (typeof parsed?.arn !== 'string' || typeof parsed.shardId !== 'string' || typeof parsed.after !== 'string') return undefined;
    if (typeof parsed.issuedAt !== 'number') return undefined;
    return parsed as Iterator;
  } catch {
    return undefined;
  }
}

/** Index of the first record whose sequence number is greater than `after` (binary search). */
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

function formatSequence(n: bigint): string {
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
export function sameItem(a: WireItem, b: WireItem): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries
      .map(([k, v]) => {
        if ((k === 'SS' || k === 'NS' || k === 'BS') && Array.isArray(v)) {
          const members = v.map((m) => (k === 'NS' ? normaliseNumber(String(m)) : String(m))).sort();
          return `${JSON.stringify(k)}:${JSON.stringify(members)}`;
        }
        if (k === 'N' && typeof v === 'string') return `"N":${JSON.stringify(normaliseNumber(v))}`;
        return `${JSON.stringify(k)}:${canonical(v)}`;
      })
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A canonical form of a DynamoDB number (`1`, `1.0`, `+01` and `10e-1` are one number). */
function normaliseNumber(n: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (!match) return n;
  const [, sign, int = '', frac = '', exp = '0'] = match;
  const all = int + frac;
  const significant = all.replace(/^0+/, '');
  if (!significant) return '0';
  const point = Number(exp) + int.length - (all.length - significant.length);
  return `${sign === '-' ? '-' : ''}0.${significant.replace(/0+$/, '')}e${point}`;
}

/**
 * Approximate size in bytes of an item as DynamoDB counts it: attribute names
 * plus values (strings and binaries by their bytes, numbers by about one byte
 * per two digits, lists and maps with 3 bytes of overhead plus their members).
 */
export function itemSize(item: WireItem | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  return size;
}

function valueSize(value: WireAttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v), 'utf8');
    case 'N':
      return numberSize(String(v));
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (v as string[]).reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
    case 'NS':
      return (v as string[]).reduce((n, s) => n + numberSize(s), 0);
    case 'BS':
      return (v as string[]).reduce((n, s) => n + Buffer.from(s, 'base64').length, 0);
    case 'L':
      return 3 + (v as WireAttributeValue[]).reduce((n, m) => n + 1 + valueSize(m), 0);
    case 'M':
      return 3 + Object.entries(v as WireItem).reduce((n, [k, m]) => n + 1 + Buffer.byteLength(k, 'utf8') + valueSize(m), 0);
    default:
      return 0;
  }
}

function numberSize(n: string): number {
  const digits = n.replace(/[^0-9]/g, '').replace(/^0+/, '') || '0';
  return Math.ceil(digits.length / 2) + 1;
}
