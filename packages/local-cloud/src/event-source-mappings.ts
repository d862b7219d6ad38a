/**
 * Event source mappings of the stack (`AWS::Lambda::EventSourceMapping`) for
 * stream sources: Kinesis data streams (polled on kinesalite) and DynamoDB
 * streams (read in process from dynamodb/streams.ts). Builds each event as
 * Lambda does and follows Lambda's stream semantics: ordered per shard,
 * checkpoint on success, partial batch responses, bisect on error, retries,
 * on-failure destinations.
 */
import { randomUUID } from 'node:crypto';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DynamoDbStreamReader, DynamoDbStreamRecord } from './dynamodb/streams';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LambdaInvoker, type LocalStack, type QueueSink, type StackResource, type Stoppable } from './types';

/** What the pollers need: the stack, a way to invoke, the sources and where failures go. */
export interface EventSourceMappingsOptions {
  /** The stack whose `AWS::Lambda::EventSourceMapping` resources are served (properties resolved). */
  readonly stack: Pick<LocalStack, 'byType' | 'find'>;
  readonly invoker: LambdaInvoker;
  /** Where on-failure records go (`DestinationConfig.OnFailure.Destination`, an SQS queue ARN). */
  readonly queues?: QueueSink;
  /** Base URL of kinesalite, for mappings on Kinesis streams. */
  readonly kinesisEndpoint?: string;
  /** The DynamoDB stream records, for mappings on DynamoDB streams (`DynamoDbLayer.streams`). */
  readonly dynamoDbStreams?: DynamoDbStreamReader;
  readonly region?: string;
  readonly accountId?: string;
  /** Pause between polls of a shard that had nothing new (default 250 ms; Lambda polls Kinesis every second). */
  readonly pollIntervalMs?: number;
  /** First pause before retrying a failed batch; doubles each retry up to 5 s (default 200 ms). */
  readonly retryBackoffMs?: number;
  /**
   * Retries when `MaximumRetryAttempts` is -1 (Lambda: until the records
   * expire, up to a week). Locally the records would block their shard for
   * that long, so the retries stop here (default 10) and the batch goes to the
   * on-failure destination like an exhausted one.
   */
  readonly unboundedRetryAttempts?: number;
  /** One line per notable event (discarded batch, unsupported option, poll error). */
  readonly log?: (line: string) => void;
}

/** A mapping as served, for the CLI's endpoint table and for tests. */
export interface MappingInfo {
  readonly logicalId: string;
  readonly uuid: string;
  readonly eventSourceArn: string;
  readonly functionName: string;
  readonly source: 'kinesis' | 'dynamodb';
  readonly batchSize: number;
  readonly enabled: boolean;
}

interface MappingConfig extends MappingInfo {
  readonly functionArn: string;
  readonly roleArn: string;
  readonly windowMs: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  readonly startingTimestamp?: Date;
  readonly reportItemFailures: boolean;
  readonly bisect: boolean;
  readonly maxRetries: number;
  readonly maxRecordAgeMs?: number;
  readonly onFailure?: string;
}

/** One record read from a shard, with what the event and the on-failure record need. */
interface SourceRecord {
  readonly sequenceNumber: string;
  /** Approximate arrival, epoch ms. */
  readonly arrivalMs: number;
  readonly event: Record<string, unknown>;
}

interface ShardInfo {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly closed: boolean;
}

/** Reads one shard forward; each `read` continues where the previous one stopped. */
interface ShardReader {
  /** `ended`: the shard is closed and nothing is left to read. */
  read(limit: number): Promise<{ records: SourceRecord[]; ended: boolean }>;
}

interface StreamSource {
  listShards(): Promise<ShardInfo[]>;
  /** Opens a reader at the mapping's starting position (`initial`) or at the shard's trim horizon. */
  openShard(shard: ShardInfo, initial: boolean): Promise<ShardReader>;
  stop(): void;
}

/** Lambda's limits: Kinesis batches up to 10 000, DynamoDB streams up to 10 000 (1 000 before 2023); default 100. */
const DEFAULT_BATCH_SIZE = 100;
const MAX_BACKOFF_MS = 5_000;
const UNSUPPORTED_PROPERTIES = ['FilterCriteria', 'TumblingWindowInSeconds', 'ParallelizationFactor'];

/**
 * Polls every stream event source mapping of the stack and invokes its
 * function as Lambda does. Guarantees:
 * - per shard, batches are delivered one at a time and in sequence order; the
 *   checkpoint moves only when a batch succeeded, was partially retried to
 *   success, or was given up (sent to the on-failure destination);
 * - `ReportBatchItemFailures`: a returned `batchItemFailures` resumes from the
 *   lowest failed sequence number (a retry); an empty or missing list is
 *   success; an identifier that is empty or not in the batch fails the batch;
 * - a function error retries the batch, bisecting it first when
 *   `BisectBatchOnFunctionError` (splits do not use up retries), up to
 *   `MaximumRetryAttempts`; then the on-failure record (Lambda's
 *   `KinesisBatchInfo` / `DDBStreamBatchInfo` document) goes to
 *   `DestinationConfig.OnFailure` and the shard moves on;
 * - `drain()` resolves only once every shard of every enabled mapping has been
 *   read to its end and every batch read was handled, repeating until a whole
 *   round finds nothing (so chains of mappings settle too).
 * Not emulated (logged at construction): FilterCriteria, tumbling windows,
 * ParallelizationFactor above 1, SQS and Kafka sources, SNS destinations.
 */
export class EventSourceMappings implements Stoppable {
  private readonly runners: MappingRunner[] = [];
  private readonly log: (line: string) => void;
  private kinesis?: KinesisClient;
  private started = false;
  private stopped = false;
  /** Mappings that are not served, with the reason. */
  readonly skipped: ReadonlyArray<{ logicalId: string; reason: string }>;

  constructor(private readonly options: EventSourceMappingsOptions) {
    this.log = options.log ?? (() => undefined);
    const skipped: Array<{ logicalId: string; reason: string }> = [];
    const region = options.region ?? LOCAL_REGION;
    const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    for (const resource of options.stack.byType('AWS::Lambda::EventSourceMapping')) {
      const parsed = parseMapping(resource, options, region, accountId);
      if ('reason' in parsed) {
        skipped.push({ logicalId: resource.logicalId, reason: parsed.reason });
        this.log(`event source mapping ${resource.logicalId} not served: ${parsed.reason}`);
        continue;
      }
      for (const property of UNSUPPORTED_PROPERTIES) {
        const value = resource.properties[property];
        if (value !== undefined && !(property === 'ParallelizationFactor' && Number(value) === 1)) {
          this.log(`event source mapping ${resource.logicalId}: ${property} is not emulated locally and is ignored`);
        }
      }
      this.runners.push(new MappingRunner(parsed, this.sourceFor(parsed), options, this.log));
    }
    this.skipped = skipped;
  }

  /** The mappings served (enabled or not). */
  get mappings(): MappingInfo[] {
    return this.runners.map(({ config }) => ({
      logicalId: config.logicalId,
      uuid: config.uuid,
      eventSourceArn: config.eventSourceArn,
      functionName: config.functionName,
      source: config.source,
      batchSize: config.batchSize,
      enabled: config.enabled,
    }));
  }

  /**
   * Opens every enabled mapping at its starting position and starts polling.
   * When it resolves, `LATEST` positions are fixed: records written afterwards
   * are delivered.
   */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    await Promise.all(this.runners.map((r) => r.open()));
    for (const runner of this.runners) runner.startPolling();
  }

  /** Stops polling; resolves once the batches being delivered have finished. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.runners.map((r) => r.stop()));
    this.kinesis?.destroy();
  }

  /**
   * Resolves when every poller has caught up: each enabled mapping's shards
   * read to the end and every batch handled (delivered, retried, or sent to
   * its destination). The batching window is not waited for. Works without
   * `start()` too (then it opens the mappings first).
   */
  async drain(): Promise<void> {
    if (this.stopped) return;
    if (!this.started) await Promise.all(this.runners.map((r) => r.open()));
    for (;;) {
      const counts = await Promise.all(this.runners.map((r) => r.cycle(true)));
      if (counts.every((n) => n === 0) || this.stopped) return;
    }
  }

  /** Same as `drain()`. */
  idle(): Promise<void> {
    return this.drain();
  }

  private sourceFor(config: MappingConfig): StreamSource {
    if (config.source === 'dynamodb') return new DynamoDbSource(config, this.options.dynamoDbStreams!);
    this.kinesis ??= new KinesisClient({
      endpoint: this.options.kinesisEndpoint,
      region: this.options.region ?? LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // kinesalite speaks HTTP/1.1 only; the client's default HTTP/2 handler fails against it.
      requestHandler: new NodeHttpHandler(),
    });
    return new KinesisSource(config, this.kinesis);
  }
}

function parseMapping(
  resource: StackResource,
  options: EventSourceMappingsOptions,
  region: string,
  accountId: string,
): MappingConfig | { reason: string } {
  const p = resource.properties;
  const arn = typeof p.EventSourceArn === 'string' ? p.EventSourceArn : '';
  const source = arn.startsWith('arn:aws:kinesis:') ? 'kinesis' : /^arn:aws:dynamodb:.*\/stream\//.test(arn) ? 'dynamodb' : undefined;
  if (!source) return { reason: `event source ${arn || '(none)'} is not a Kinesis or DynamoDB stream` };
  if (source === 'kinesis' && !options.kinesisEndpoint) return { reason: 'no Kinesis endpoint was given' };
  if (source === 'dynamodb' && !options.dynamoDbStreams) return { reason: 'no DynamoDB streams were given' };
  if (typeof p.FunctionName !== 'string') return { reason: 'FunctionName did not resolve' };
  const fn = options.stack.find(p.FunctionName);
  const functionName = fn?.physicalId ?? functionNameOf(p.FunctionName);
  const functionArn = fn?.attributes.Arn ?? (p.FunctionName.startsWith('arn:') ? p.FunctionName : `arn:aws:lambda:${region}:${accountId}:function:${functionName}`);
  const role = fn?.properties.Role;
  const maxRetries = Number(p.MaximumRetryAttempts ?? -1);
  const maxAge = Number(p.MaximumRecordAgeInSeconds ?? -1);
  const onFailure = p.DestinationConfig?.OnFailure?.Destination;
  const startingPosition = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(p.StartingPosition) ? p.StartingPosition : 'LATEST';
  return {
    logicalId: resource.logicalId,
    uuid: resource.physicalId,
    eventSourceArn: arn,
    functionName,
    functionArn,
    roleArn: typeof role === 'string' ? role : `arn:aws:iam::${accountId}:role/${functionName}-role`,
    source,
    batchSize: Math.max(1, Number(p.BatchSize ?? DEFAULT_BATCH_SIZE)),
    enabled: p.Enabled !== false && p.Enabled !== 'false',
    windowMs: Math.max(0, Number(p.MaximumBatchingWindowInSeconds ?? 0)) * 1000,
    startingPosition,
    ...(p.StartingPositionTimestamp !== undefined ? { startingTimestamp: new Date(Number(p.StartingPositionTimestamp) * 1000) } : {}),
    reportItemFailures: Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    bisect: p.BisectBatchOnFunctionError === true || p.BisectBatchOnFunctionError === 'true',
    maxRetries: maxRetries < 0 ? (options.unboundedRetryAttempts ?? 10) : maxRetries,
    ...(maxAge > 0 ? { maxRecordAgeMs: maxAge * 1000 } : {}),
    ...(typeof onFailure === 'string' ? { onFailure } : {}),
  };
}

function functionNameOf(ref: string): string {
  const at = ref.indexOf(':function:');
  return at >= 0 ? ref.slice(at + ':function:'.length).split(':')[0]! : ref;
}

/** One mapping: its shards, each with a poller; cycles are serialized so polling and `drain()` never overlap. */
class MappingRunner {
  private readonly pollers = new Map<string, ShardPoller>();
  /** Shards skipped for good (closed before a LATEST start). */
  private readonly passed = new Set<string>();
  private lastError?: string;
  /** Whether the shards were listed once (the starting position applies to that listing only). */
  private listed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private opened?: Promise<void>;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private unsubscribe?: () => void;

  constructor(
    readonly config: MappingConfig,
    private readonly source: StreamSource,
    private readonly options: EventSourceMappingsOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Lists the shards and opens a reader on each at the starting position (once). */
  open(): Promise<void> {
    if (!this.config.enabled) return Promise.resolve();
    this.opened ??= this.serial(async () => {
      try {
        await this.refreshShards();
      } catch (error) {
        this.log(`event source mapping ${this.config.logicalId}: cannot open ${this.config.eventSourceArn}: ${message(error)}`);
      }
    });
    return this.opened;
  }

  startPolling(): void {
    if (!this.config.enabled || this.loop) return;
    if (this.config.source === 'dynamodb') {
      this.unsubscribe = this.options.dynamoDbStreams!.onRecord((arn) => {
        if (arn === this.config.eventSourceArn) this.wake?.();
      });
    }
    this.loop = (async () => {
      const interval = this.options.pollIntervalMs ?? 250;
      while (!this.stopped) {
        let count = 0;
        try {
          count = await this.cycle(false);
        } catch (error) {
          this.log(`event source mapping ${this.config.logicalId}: poll failed: ${message(error)}`);
        }
        if (count > 0 || this.stopped) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /** One round over every shard; resolves with the number of records read in it. */
  cycle(flush: boolean): Promise<number> {
    if (!this.config.enabled || this.stopped) return Promise.resolve(0);
    return this.serial(async () => {
      if (!this.opened) return 0;
      try {
        await this.refreshShards();
        this.lastError = undefined;
      } catch (error) {
        const text = `event source mapping ${this.config.logicalId}: cannot list shards of ${this.config.eventSourceArn}: ${message(error)}`;
        if (text !== this.lastError) this.log(text);
        this.lastError = text;
      }
      const counts = await Promise.all([...this.pollers.values()].map((p) => p.cycle(flush, () => this.stopped)));
      return counts.reduce((a, b) => a + b, 0);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    await this.chain.catch(() => undefined);
    this.source.stop();
  }

  /**
   * Adds a poller for each new shard whose parents have been read to their
   * end (Kinesis resharding). The first successful listing opens shards at the
   * mapping's starting position; shards that appear later start at their trim
   * horizon, as Lambda reads child shards.
   */
  private async refreshShards(): Promise<void> {
    const shards = await this.source.listShards();
    const initial = !this.listed;
    const known = new Set(shards.map((s) => s.shardId));
    const fromLatest = initial && this.config.startingPosition === 'LATEST';
    for (const shard of shards) {
      if (this.pollers.has(shard.shardId) || this.passed.has(shard.shardId)) continue;
      // Starting at LATEST, closed shards hold nothing new: never read them.
      if (fromLatest && shard.closed) {
        this.passed.add(shard.shardId);
        continue;
      }
      const parents = [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => !!p && known.has(p));
      const parentsDone = parents.every((p) => this.passed.has(p) || this.pollers.get(p)?.done);
      if (!parentsDone && !fromLatest) continue;
      const reader = await this.source.openShard(shard, initial);
      this.pollers.set(shard.shardId, new ShardPoller(shard.shardId, reader, this.config, this.options, this.log));
    }
    this.listed = true;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** Reads one shard and delivers its batches in order, with Lambda's retry semantics. */
class ShardPoller {
  private buffer: SourceRecord[] = [];
  private bufferedSince?: number;
  private ended = false;
  /** The last read error logged, so that a missing stream is reported once, not every poll. */
  private lastError?: string;

  constructor(
    private readonly shardId: string,
    private readonly reader: ShardReader,
    private readonly config: MappingConfig,
    private readonly options: EventSourceMappingsOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** True once the shard is closed and everything in it was handled. */
  get done(): boolean {
    return this.ended && this.buffer.length === 0;
  }

  /**
   * Reads what is new and delivers full batches, or, when `flush` or the
   * batching window has passed, what it has. Resolves with the records read.
   */
  async cycle(flush: boolean, stopped: () => boolean): Promise<number> {
    let read = 0;
    const { batchSize, windowMs } = this.config;
    try {
      while (!this.ended && this.buffer.length < batchSize) {
        const { records, ended } = await this.reader.read(batchSize - this.buffer.length);
        this.buffer.push(...records);
        read += records.length;
        this.ended = ended;
        if (records.length === 0) break;
      }
      this.lastError = undefined;
    } catch (error) {
      const text = `event source mapping ${this.config.logicalId}: cannot read ${this.shardId}: ${message(error)}`;
      if (text !== this.lastError) this.log(text);
      this.lastError = text;
    }
    if (this.buffer.length === 0) return read;
    this.bufferedSince ??= Date.now();
    const windowOpen = windowMs > 0 && Date.now() - this.bufferedSince < windowMs;
    if (!flush && !this.ended && this.buffer.length < batchSize && windowOpen) return read;
    while (this.buffer.length > 0 && !stopped()) {
      const batch = this.buffer.slice(0, batchSize);
      const handled = await this.deliver(batch, stopped);
      if (!handled) break;
      this.buffer.splice(0, batch.length);
    }
    if (this.buffer.length === 0) this.bufferedSince = undefined;
    return read;
  }

  /**
   * Delivers one batch until it succeeds or is given up. Resolves false only
   * when stopped midway (the records stay buffered, not checkpointed).
   */
  private deliver(batch: SourceRecord[], stopped: () => boolean): Promise<boolean> {
    return this.deliverFrom(this.dropExpired(batch), 0, stopped);
  }

  /**
   * One batch (or a bisected half of one, which starts from the retries its
   * whole had used: splitting does not use up retries).
   */
  private async deliverFrom(batch: SourceRecord[], retriesSoFar: number, stopped: () => boolean): Promise<boolean> {
    let records = batch;
    let retries = retriesSoFar;
    let invocations = 0;
    while (records.length > 0) {
      if (stopped()) return false;
      invocations += 1;
      const result = await this.invoke(records);
      let functionError = false;
      if (result.error) {
        if (this.config.bisect && records.length > 1) {
          const half = Math.ceil(records.length / 2);
          for (const part of [records.slice(0, half), records.slice(half)]) {
            if (!(await this.deliverFrom(part, retries, stopped))) return false;
          }
          return true;
        }
        functionError = true;
      } else {
        if (!this.config.reportItemFailures) return true;
        const outcome = partialOutcome(result.payload, records);
        if (outcome === 'success') return true;
        // Resume from the lowest failed record; the records before it are checkpointed.
        records = records.slice(outcome === 'invalid' ? 0 : outcome);
      }
      retries += 1;
      if (retries > this.config.maxRetries) {
        await this.giveUp(records, invocations, 'RetryAttemptsExhausted', functionError);
        return true;
      }
      await this.backoff(retries);
    }
    return true;
  }

  /** Invokes the function; a failure to invoke at all counts as a function error (retried the same way). */
  private async invoke(records: readonly SourceRecord[]): Promise<{ payload?: unknown; error?: unknown }> {
    try {
      return await this.options.invoker.invoke(this.config.functionArn, { Records: records.map((r) => r.event) });
    } catch (error) {
      this.log(`event source mapping ${this.config.logicalId}: cannot invoke ${this.config.functionName}: ${message(error)}`);
      return { error };
    }
  }

  /** Records older than `MaximumRecordAgeInSeconds` are not sent; they go to the destination as Lambda does. */
  private dropExpired(batch: SourceRecord[]): SourceRecord[] {
    const maxAge = this.config.maxRecordAgeMs;
    if (maxAge === undefined) return batch;
    const now = Date.now();
    const expired = batch.filter((r) => now - r.arrivalMs > maxAge);
    if (expired.length === 0) return batch;
    void this.giveUp(expired, 0, 'RecordAgeExceeded', false);
    return batch.filter((r) => now - r.arrivalMs <= maxAge);
  }

  private backoff(retry: number): Promise<void> {
    const base = this.options.retryBackoffMs ?? 200;
    const ms = Math.min(MAX_BACKOFF_MS, base * 2 ** (retry - 1));
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  /** Sends Lambda's on-failure record for the records given up, or logs that they were discarded. */
  private async giveUp(records: SourceRecord[], invocations: number, condition: string, functionError: boolean): Promise<void> {
    const first = records[0]!;
    const last = records.at(-1)!;
    const info = {
      shardId: this.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: records.length,
      streamArn: this.config.eventSourceArn,
    };
    const document = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.config.functionArn,
        condition,
        approximateInvokeCount: invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(functionError ? { functionError: 'Unhandled' } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      [this.config.source === 'kinesis' ? 'KinesisBatchInfo' : 'DDBStreamBatchInfo']: info,
    };
    const destination = this.config.onFailure;
    const what = `${records.length} record(s) ${first.sequenceNumber}..${last.sequenceNumber} of ${this.shardId} (${condition})`;
    if (!destination) {
      this.log(`event source mapping ${this.config.logicalId}: discarded ${what}`);
      return;
    }
    if (!destination.startsWith('arn:aws:sqs:') || !this.options.queues) {
      this.log(`event source mapping ${this.config.logicalId}: discarded ${what}; destination ${destination} is not a local SQS queue`);
      return;
    }
    try {
      await this.options.queues.send(destination, JSON.stringify(document));
      this.log(`event source mapping ${this.config.logicalId}: sent ${what} to ${destination}`);
    } catch (error) {
      this.log(`event source mapping ${this.config.logicalId}: discarded ${what}; sending to ${destination} failed: ${message(error)}`);
    }
  }
}

/**
 * Lambda's reading of a partial batch response: success for no response, an
 * empty or absent `batchItemFailures`; the index of the lowest failed record;
 * or 'invalid' (the whole batch failed) for an identifier that is missing,
 * empty or not in the batch.
 */
function partialOutcome(payload: unknown, records: readonly SourceRecord[]): 'success' | 'invalid' | number {
  let response = payload;
  if (typeof response === 'string') {
    try {
      response = JSON.parse(response);
    } catch {
      return 'success';
    }
  }
  if (typeof response !== 'object' || response === null) return 'success';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return 'success';
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return 'invalid';
    const index = records.findIndex((r) => r.sequenceNumber === id);
    if (index < 0) return 'invalid';
    lowest = Math.min(lowest, index);
  }
  return lowest;
}

// ---------------------------------------------------------------- Kinesis

class KinesisSource implements StreamSource {
  private readonly streamName: string;

  constructor(
    private readonly config: MappingConfig,
    private readonly client: KinesisClient,
  ) {
    const resource = config.eventSourceArn.split(':').slice(5).join(':');
    this.streamName = resource.replace(/^stream\//, '').split('/')[0]!;
  }

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let exclusiveStart: string | undefined;
    for (;;) {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamName: this.streamName, ...(exclusiveStart ? { ExclusiveStartShardId: exclusiveStart } : {}) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        shards.push({
          shardId: shard.ShardId!,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
          ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
          closed: !!shard.SequenceNumberRange?.EndingSequenceNumber,
        });
      }
      if (!StreamDescription?.HasMoreShards || shards.length === 0) return shards;
      exclusiveStart = shards.at(-1)!.shardId;
    }
  }

  async openShard(shard: ShardInfo, initial: boolean): Promise<ShardReader> {
    const position = initial ? this.config.startingPosition : 'TRIM_HORIZON';
    const iteratorFor = async (type: ShardIteratorType, sequenceNumber?: string) => {
      const { ShardIterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamName: this.streamName,
          ShardId: shard.shardId,
          ShardIteratorType: type,
          ...(sequenceNumber ? { StartingSequenceNumber: sequenceNumber } : {}),
          ...(type === 'AT_TIMESTAMP' ? { Timestamp: this.config.startingTimestamp ?? new Date() } : {}),
        }),
      );
      return ShardIterator;
    };
    let iterator = await iteratorFor(position as ShardIteratorType);
    let lastSequence: string | undefined;
    const { eventSourceArn, roleArn } = this.config;
    const region = eventSourceArn.split(':')[3] ?? LOCAL_REGION;
    return {
      read: async (limit) => {
        if (!iterator) return { records: [], ended: true };
        let response;
        try {
          response = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, limit) }));
        } catch (error) {
          if ((error as { name?: string }).name !== 'ExpiredIteratorException') throw error;
          iterator = lastSequence ? await iteratorFor('AFTER_SEQUENCE_NUMBER', lastSequence) : await iteratorFor(position as ShardIteratorType);
          response = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, limit) }));
        }
        iterator = response.NextShardIterator;
        const records = (response.Records ?? []).map((r): SourceRecord => {
          const arrivalMs = r.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
          return {
            sequenceNumber: r.SequenceNumber!,
            arrivalMs,
            event: {
              kinesis: {
                kinesisSchemaVersion: '1.0',
                partitionKey: r.PartitionKey,
                sequenceNumber: r.SequenceNumber,
                data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
                approximateArrivalTimestamp: arrivalMs / 1000,
              },
              eventSource: 'aws:kinesis',
              eventVersion: '1.0',
              eventID: `${shard.shardId}:${r.SequenceNumber}`,
              eventName: 'aws:kinesis:record',
              invokeIdentityArn: roleArn,
              awsRegion: region,
              eventSourceARN: eventSourceArn,
            },
          };
        });
        if (records.length > 0) lastSequence = records.at(-1)!.sequenceNumber;
        return { records, ended: !iterator };
      },
    };
  }

  stop(): void {}
}

// ---------------------------------------------------------------- DynamoDB Streams

class DynamoDbSource implements StreamSource {
  constructor(
    private readonly config: MappingConfig,
    private readonly streams: DynamoDbStreamReader,
  ) {}

  async listShards(): Promise<ShardInfo[]> {
    const shards = this.streams.shardsOf(this.config.eventSourceArn);
    if (!shards) throw new Error('no such stream');
    return shards.map((s) => ({
      shardId: s.shardId,
      ...(s.parentShardId ? { parentShardId: s.parentShardId } : {}),
      closed: s.endingSequenceNumber !== undefined,
    }));
  }

  async openShard(shard: ShardInfo, initial: boolean): Promise<ShardReader> {
    const arn = this.config.eventSourceArn;
    let after: string | undefined;
    if (initial && this.config.startingPosition === 'LATEST') after = this.streams.latestSequenceNumber(arn, shard.shardId);
    return {
      read: async (limit) => {
        const { records, closed } = this.streams.readRecords(arn, shard.shardId, after, Math.min(10_000, limit));
        if (records.length > 0) after = records.at(-1)!.dynamodb.SequenceNumber;
        return { records: records.map((r) => dynamoDbRecord(r, arn)), ended: closed };
      },
    };
  }

  stop(): void {}
}

function dynamoDbRecord(record: DynamoDbStreamRecord, eventSourceARN: string): SourceRecord {
  return {
    sequenceNumber: record.dynamodb.SequenceNumber,
    arrivalMs: record.dynamodb.ApproximateCreationDateTime * 1000,
    event: { ...record, eventSourceARN },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
