/**
 * Event source mappings of the stack (`AWS::Lambda::EventSourceMapping`):
 * Kinesis data streams (polled on kinesalite), DynamoDB streams (read in
 * process from dynamodb/streams.ts) and SQS queues (the local SQS, in
 * process). Builds each event as Lambda does and follows Lambda's semantics:
 * for streams, ordered per shard, checkpoint on success, partial batch
 * responses, bisect on error, retries, on-failure destinations (runner.ts,
 * poller.ts); for queues, batches, batching window, partial batch responses,
 * visibility timeout and redrive (sqs-runner.ts); `FilterCriteria` on all
 * (filter.ts).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type Stoppable } from '../types';
import { DynamoDbSource } from './dynamodb-source';
import { KinesisSource } from './kinesis-source';
import {
  parseMapping,
  UNSUPPORTED_PROPERTIES,
  type EventSourceMappingsOptions,
  type MappingConfig,
  type MappingInfo,
  type StreamSource,
} from './model';
import { MappingRunner } from './runner';
import { SqsMappingRunner } from './sqs-runner';

export type { EventSourceMappingsOptions, MappingInfo } from './model';

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
 * - `FilterCriteria`: a record no pattern matches is skipped (streams: and
 *   checkpointed past; SQS: deleted);
 * - SQS mappings: see `SqsMappingRunner`; a mapping Lambda would refuse
 *   (queue visibility timeout below the function timeout, a FIFO batch above
 *   10, a batch above 10 without a batching window) is not served, and says why.
 * Not emulated (logged at construction): tumbling windows,
 * ParallelizationFactor above 1, Kafka and MQ sources, SNS destinations.
 */
export class EventSourceMappings implements Stoppable {
  private readonly runners: Array<MappingRunner | SqsMappingRunner> = [];
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
      if (!('reason' in parsed) && parsed.source === 'sqs') {
        const refusal = this.sqsRefusal(parsed);
        if (refusal) {
          skipped.push({ logicalId: resource.logicalId, reason: refusal });
          this.log(`event source mapping ${resource.logicalId} not served: ${refusal}`);
          continue;
        }
      }
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
      this.runners.push(
        parsed.source === 'sqs'
          ? new SqsMappingRunner(parsed, options.sqs!, options, this.log)
          : new MappingRunner(parsed, this.sourceFor(parsed), options, this.log),
      );
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
      filterCount: config.filterCount,
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

  /** What Lambda's CreateEventSourceMapping would answer InvalidParameterValueException to, for an SQS mapping. */
  private sqsRefusal(config: MappingConfig): string | undefined {
    const queue = this.options.sqs!.queueOf(config.eventSourceArn);
    if (!queue) return undefined; // logged when opened; a queue created later is polled then
    if (queue.fifo && config.batchSize > 10) return 'Batch size for FIFO queues must be between 1 and 10';
    const fn = this.options.stack.find(config.functionArn) ?? this.options.stack.find(config.functionName);
    const timeout = Number(fn?.properties.Timeout ?? 3);
    if (queue.visibilityTimeoutSeconds < timeout) {
      return `Queue visibility timeout: ${queue.visibilityTimeoutSeconds} seconds is less than Function timeout: ${timeout} seconds`;
    }
    return undefined;
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
