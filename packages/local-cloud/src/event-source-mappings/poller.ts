/**
 * One shard's poller: reads the shard forward and delivers batches in order,
 * with Lambda's semantics for partial batch responses, bisection, retries,
 * record age and the on-failure destination.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage as message } from '../protocol/errors';
import { passesFilters } from './filter';
import { MAX_BACKOFF_MS, type EventSourceMappingsOptions, type MappingConfig, type ShardReader, type SourceRecord } from './model';

/** Reads one shard and delivers its batches in order, with Lambda's retry semantics. */
export class ShardPoller {
  private buffer: SourceRecord[] = [];
  private bufferedSince?: number;
  private ended = false;
  /** Sequence number of the newest record read (delivered or filtered out). */
  private lastRead?: string;
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
        const { filters, source } = this.config;
        // Records no filter matches are never delivered: skipped, and checkpointed past.
        this.buffer.push(...records.filter((r) => passesFilters(filters, source, r.event)));
        if (records.length > 0) this.lastRead = records.at(-1)!.sequenceNumber;
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
    if (this.buffer.length === 0) {
      this.checkpoint(this.lastRead);
      return read;
    }
    this.bufferedSince ??= Date.now();
    const windowOpen = windowMs > 0 && Date.now() - this.bufferedSince < windowMs;
    if (!flush && !this.ended && this.buffer.length < batchSize && windowOpen) return read;
    while (this.buffer.length > 0 && !stopped()) {
      const batch = this.buffer.slice(0, batchSize);
      const handled = await this.deliver(batch, stopped);
      if (!handled) break;
      this.buffer.splice(0, batch.length);
      this.checkpoint(this.buffer.length === 0 ? this.lastRead : batch.at(-1)!.sequenceNumber);
    }
    if (this.buffer.length === 0) this.bufferedSince = undefined;
    return read;
  }

  /** Keeps the position (`--data-dir`) so that a restart resumes after it. */
  private checkpoint(sequenceNumber: string | undefined): void {
    if (sequenceNumber !== undefined) this.options.checkpoints?.set(this.config.uuid, this.shardId, sequenceNumber);
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
