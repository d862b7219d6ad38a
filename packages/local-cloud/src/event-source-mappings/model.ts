/**
 * Event source mappings as the template declares them
 * (`AWS::Lambda::EventSourceMapping` on a Kinesis or DynamoDB stream or an SQS
 * queue), read with Lambda's defaults and checked as Lambda checks them, and
 * what the pollers read from a stream or a queue.
 */
import type { DynamoDbStreamReader } from '../dynamodb/streams';
import type { CompiledEventPattern } from '../eventbridge/pattern';
import type { CheckpointStore } from './checkpoints';
import { compileFilters } from './filter';
import type { LambdaInvoker, LocalStack, QueueConsumer, QueueSink, StackResource } from '../types';

/** What the pollers need: the stack, a way to invoke, the sources and where failures go. */
export interface EventSourceMappingsOptions {
  /** The stack whose `AWS::Lambda::EventSourceMapping` resources are served (properties resolved). */
  readonly stack: Pick<LocalStack, 'byType' | 'find'>;
  readonly invoker: LambdaInvoker;
  /** Where on-failure records go (`DestinationConfig.OnFailure.Destination`, an SQS queue ARN). */
  readonly queues?: QueueSink;
  /** The local SQS read in process, for mappings on SQS queues. */
  readonly sqs?: QueueConsumer;
  /** Where stream positions are kept across restarts (`--data-dir`); none: every start begins at the starting position. */
  readonly checkpoints?: CheckpointStore;
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
  readonly source: 'kinesis' | 'dynamodb' | 'sqs';
  readonly batchSize: number;
  readonly enabled: boolean;
  /** Number of `FilterCriteria` patterns (records matching none are not delivered). */
  readonly filterCount: number;
}

export interface MappingConfig extends MappingInfo {
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
  /** The compiled `FilterCriteria.Filters[].Pattern`s; a record is delivered when one matches (none: all). */
  readonly filters: readonly CompiledEventPattern[];
  /** `ScalingConfig.MaximumConcurrency` (SQS): concurrent batches at most (default 5 pollers locally). */
  readonly maxConcurrency: number;
}

/** One record read from a shard, with what the event and the on-failure record need. */
export interface SourceRecord {
  readonly sequenceNumber: string;
  /** Approximate arrival, epoch ms. */
  readonly arrivalMs: number;
  readonly event: Record<string, unknown>;
}

export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly closed: boolean;
}

/** Reads one shard forward; each `read` continues where the previous one stopped. */
export interface ShardReader {
  /** `ended`: the shard is closed and nothing is left to read. */
  read(limit: number): Promise<{ records: SourceRecord[]; ended: boolean }>;
}

export interface StreamSource {
  listShards(): Promise<ShardInfo[]>;
  /**
   * Opens a reader after `checkpoint` when given (a restart), else at the
   * mapping's starting position (`initial`) or at the shard's trim horizon.
   */
  openShard(shard: ShardInfo, initial: boolean, checkpoint?: string): Promise<ShardReader>;
  stop(): void;
}

/** Lambda's limits: Kinesis batches up to 10 000, DynamoDB streams up to 10 000 (1 000 before 2023); default 100. */
export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BACKOFF_MS = 5_000;
export const UNSUPPORTED_PROPERTIES = ['TumblingWindowInSeconds', 'ParallelizationFactor'];
/** Lambda's SQS limits: batches up to 10 000 (10 for FIFO queues), default 10; a batch above 10 needs a batching window. */
export const SQS_DEFAULT_BATCH_SIZE = 10;
/** Pollers per SQS mapping when `ScalingConfig.MaximumConcurrency` is not set (Lambda starts with five). */
export const SQS_DEFAULT_CONCURRENCY = 5;

export function parseMapping(
  resource: StackResource,
  options: EventSourceMappingsOptions,
  region: string,
  accountId: string,
): MappingConfig | { reason: string } {
  const p = resource.properties;
  const arn = typeof p.EventSourceArn === 'string' ? p.EventSourceArn : '';
  const source = arn.startsWith('arn:aws:kinesis:')
    ? 'kinesis'
    : /^arn:aws:dynamodb:.*\/stream\//.test(arn)
      ? 'dynamodb'
      : arn.startsWith('arn:aws:sqs:')
        ? 'sqs'
        : undefined;
  if (!source) return { reason: `event source ${arn || '(none)'} is not a Kinesis or DynamoDB stream or an SQS queue` };
  if (source === 'sqs' && !options.sqs) return { reason: 'no local SQS was given' };
  if (source === 'kinesis' && !options.kinesisEndpoint) return { reason: 'no Kinesis endpoint was given' };
  if (source === 'dynamodb' && !options.dynamoDbStreams) return { reason: 'no DynamoDB streams were given' };
  if (typeof p.FunctionName !== 'string') return { reason: 'FunctionName did not resolve' };
  const fn = options.stack.find(p.FunctionName);
  const functionName = fn?.physicalId ?? functionNameOf(p.FunctionName);
  const functionArn =
    fn?.attributes.Arn ??
    (p.FunctionName.startsWith('arn:') ? p.FunctionName : `arn:aws:lambda:${region}:${accountId}:function:${functionName}`);
  const role = fn?.properties.Role;
  const maxRetries = Number(p.MaximumRetryAttempts ?? -1);
  const maxAge = Number(p.MaximumRecordAgeInSeconds ?? -1);
  const onFailure = p.DestinationConfig?.OnFailure?.Destination;
  const startingPosition = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(p.StartingPosition) ? p.StartingPosition : 'LATEST';
  let filters: CompiledEventPattern[];
  try {
    filters = compileFilters(p.FilterCriteria);
  } catch (error) {
    return { reason: `FilterCriteria: ${(error as Error).message}` };
  }
  const batchSize = Math.max(1, Number(p.BatchSize ?? (source === 'sqs' ? SQS_DEFAULT_BATCH_SIZE : DEFAULT_BATCH_SIZE)));
  const windowSeconds = Math.max(0, Number(p.MaximumBatchingWindowInSeconds ?? 0));
  if (source === 'sqs' && batchSize > 10 && windowSeconds < 1) {
    // Lambda's CreateEventSourceMapping refuses this (InvalidParameterValueException).
    return { reason: 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10' };
  }
  const concurrency = Number(p.ScalingConfig?.MaximumConcurrency ?? SQS_DEFAULT_CONCURRENCY);
  return {
    logicalId: resource.logicalId,
    uuid: resource.physicalId,
    eventSourceArn: arn,
    functionName,
    functionArn,
    roleArn: typeof role === 'string' ? role : `arn:aws:iam::${accountId}:role/${functionName}-role`,
    source,
    batchSize,
    enabled: p.Enabled !== false && p.Enabled !== 'false',
    windowMs: windowSeconds * 1000,
    startingPosition,
    ...(p.StartingPositionTimestamp !== undefined ? { startingTimestamp: new Date(Number(p.StartingPositionTimestamp) * 1000) } : {}),
    reportItemFailures: Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    bisect: p.BisectBatchOnFunctionError === true || p.BisectBatchOnFunctionError === 'true',
    maxRetries: maxRetries < 0 ? (options.unboundedRetryAttempts ?? 10) : maxRetries,
    ...(maxAge > 0 ? { maxRecordAgeMs: maxAge * 1000 } : {}),
    ...(typeof onFailure === 'string' ? { onFailure } : {}),
    filters,
    filterCount: filters.length,
    maxConcurrency: Number.isInteger(concurrency) && concurrency >= 2 ? concurrency : SQS_DEFAULT_CONCURRENCY,
  };
}

export function functionNameOf(ref: string): string {
  const at = ref.indexOf(':function:');
  return at >= 0 ? ref.slice(at + ':function:'.length).split(':')[0]! : ref;
}
