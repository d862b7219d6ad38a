/**
 * One event source mapping on an SQS queue, polled as Lambda polls it
 * ("Using Lambda with Amazon SQS"): up to `MaximumConcurrency` pollers (5
 * without a ScalingConfig) each receive a batch of up to `BatchSize`
 * messages, waiting up to `MaximumBatchingWindowInSeconds` to fill it, and
 * invoke the function synchronously with it. Guarantees:
 * - messages no `FilterCriteria` pattern matches are deleted, never delivered;
 * - a successful batch is deleted; a function error deletes nothing: the
 *   messages come back after the queue's visibility timeout, with
 *   `ApproximateReceiveCount` one higher, and move to the queue's
 *   dead-letter queue once received `maxReceiveCount` times (the queue's
 *   RedrivePolicy, applied by the local SQS as on AWS);
 * - `ReportBatchItemFailures`: only the messages listed in
 *   `batchItemFailures` are kept (see `failedMessageIds` for what counts as a
 *   complete success or failure);
 * - `cycle(true)` (drain) delivers what is visible now and waits for the
 *   batches in flight; it never waits for a visibility timeout to pass.
 */
import { errorMessage as message } from '../protocol/errors';
import { passesFilters } from './filter';
import type { EventSourceMappingsOptions, MappingConfig } from './model';
import type { ConsumedMessage, QueueConsumer } from '../types';
import { failedMessageIds, sqsRecord } from './sqs-source';

/** How long an idle poller waits for a message before looking again (it is woken by a send). */
const IDLE_WAIT_MS = 250;
/** Slice of a batching window, so that a drain or a stop ends it early. */
const WINDOW_SLICE_MS = 100;

export class SqsMappingRunner {
  private stopped = false;
  private flushing = 0;
  private loops: Array<Promise<void>> = [];
  private readonly batches = new Set<Promise<number>>();
  private lastError?: string;

  constructor(
    readonly config: MappingConfig,
    private readonly queues: QueueConsumer,
    private readonly options: EventSourceMappingsOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Nothing to open: a queue has no positions. Logs once when the queue does not exist. */
  async open(): Promise<void> {
    if (this.config.enabled && !this.queues.queueOf(this.config.eventSourceArn)) {
      this.log(`event source mapping ${this.config.logicalId}: no local queue ${this.config.eventSourceArn}`);
    }
  }

  startPolling(): void {
    if (!this.config.enabled || this.loops.length > 0) return;
    const interval = this.options.pollIntervalMs ?? IDLE_WAIT_MS;
    for (let i = 0; i < this.config.maxConcurrency; i++) {
      this.loops.push(
        (async () => {
          while (!this.stopped) {
            const count = await this.track(this.pollOnce());
            if (count === 0 && !this.stopped) await this.queues.waitForMessages(this.config.eventSourceArn, interval);
          }
        })(),
      );
    }
  }

  /** With `flush`: delivers everything visible now and waits for every batch in flight. Resolves with the messages handled. */
  async cycle(flush: boolean): Promise<number> {
    if (!this.config.enabled || this.stopped) return 0;
    let total = 0;
    this.flushing += flush ? 1 : 0;
    try {
      for (;;) {
        const count = await this.track(this.pollOnce());
        total += count;
        if (count === 0 || !flush) break;
      }
      await Promise.all([...this.batches]);
    } finally {
      this.flushing -= flush ? 1 : 0;
    }
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all([...this.batches]);
  }

  private track(batch: Promise<number>): Promise<number> {
    this.batches.add(batch);
    void batch.finally(() => this.batches.delete(batch));
    return batch;
  }

  /** Receives one batch (filling it for the batching window) and handles it. */
  private async pollOnce(): Promise<number> {
    let batch: ConsumedMessage[];
    try {
      batch = await this.gather();
      this.lastError = undefined;
    } catch (error) {
      const text = `event source mapping ${this.config.logicalId}: cannot receive from ${this.config.eventSourceArn}: ${message(error)}`;
      if (text !== this.lastError) this.log(text);
      this.lastError = text;
      return 0;
    }
    if (batch.length > 0) await this.handle(batch);
    return batch.length;
  }

  private async gather(): Promise<ConsumedMessage[]> {
    const { eventSourceArn, batchSize, windowMs } = this.config;
    if (!this.queues.queueOf(eventSourceArn)) return [];
    const batch: ConsumedMessage[] = [];
    let windowEnds: number | undefined;
    while (!this.stopped && batch.length < batchSize) {
      const received = await this.queues.receiveBatch(eventSourceArn, batchSize - batch.length);
      batch.push(...received);
      if (batch.length === 0 || batch.length >= batchSize) break;
      if (received.length > 0) continue;
      windowEnds ??= Date.now() + windowMs;
      const remaining = windowEnds - Date.now();
      if (remaining <= 0 || this.flushing > 0) break;
      await this.queues.waitForMessages(eventSourceArn, Math.min(remaining, WINDOW_SLICE_MS));
    }
    return batch;
  }

  /** Deletes what the filters exclude, invokes with the rest, and deletes what succeeded. */
  private async handle(batch: ConsumedMessage[]): Promise<void> {
    const { eventSourceArn, filters, functionArn, functionName, logicalId } = this.config;
    const records = batch.map((m) => sqsRecord(m, eventSourceArn));
    const passing = records.filter((r) => passesFilters(filters, 'sqs', r));
    const excluded = records.filter((r) => !passing.includes(r));
    if (excluded.length > 0) this.queues.deleteMessages(eventSourceArn, excluded.map(handleOf));
    if (passing.length === 0) return;
    let result: { payload?: unknown; error?: unknown };
    try {
      result = await this.options.invoker.invoke(functionArn, { Records: passing });
    } catch (error) {
      result = { error };
      this.log(`event source mapping ${logicalId}: cannot invoke ${functionName}: ${message(error)}`);
    }
    if (result.error) {
      this.log(
        `event source mapping ${logicalId}: ${functionName} failed on ${passing.length} message(s); they return after the visibility timeout`,
      );
      return;
    }
    const ids = passing.map((r) => String(r.messageId));
    const kept = this.config.reportItemFailures ? failedMessageIds(result.payload, ids) : new Set<string>();
    const done = passing.filter((r) => !kept.has(String(r.messageId)));
    if (done.length > 0) this.queues.deleteMessages(eventSourceArn, done.map(handleOf));
  }
}

function handleOf(record: Record<string, unknown>): string {
  return String(record.receiptHandle);
}
