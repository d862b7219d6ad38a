/**
 * Asynchronous invocations (InvocationType Event) as Lambda runs them: accepted at once,
 * run in the background, retried, then dead-lettered.
 *
 * Guarantees: a failed attempt is retried after `retryBaseDelayMs`, then twice that, up to
 * the function's MaximumRetryAttempts (default 2), with the same request id, as Lambda
 * does; a function with reserved concurrency 0 is not run at all (throttled); a final
 * failure goes to the DeadLetterConfig target and the OnFailure destination (dead-letters.ts).
 * `idle()` resolves once none is running, waiting to retry or being dead-lettered; `stop()`
 * cancels every pending retry.
 */
import { randomUUID } from 'node:crypto';
import type { InvokeResult, QueueSink } from '../types';
import { deadLetter } from './dead-letters';
import type { LogSink } from './execution-environment';
import type { FunctionState } from './function-registry';
import { throttledResult } from './records';

export interface AsyncInvocationsOptions {
  readonly retryBaseDelayMs: number;
  /** Where dead letters and on-failure destination records go (the local SQS). */
  readonly queues: QueueSink | undefined;
  readonly log: LogSink;
  /** Runs one attempt. */
  readonly execute: (state: FunctionState, event: unknown, requestId: string) => Promise<InvokeResult>;
}

export class AsyncInvocations {
  private pending = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private stopped = false;

  constructor(private readonly options: AsyncInvocationsOptions) {}

  /** Starts an invocation of a copy of the event in the background. */
  start(state: FunctionState, event: unknown): void {
    const eventCopy: unknown = JSON.parse(JSON.stringify(event ?? null));
    this.pending++;
    void this.run(state, eventCopy)
      .catch((error: unknown) => {
        if (!this.stopped)
          this.options.log(`[${state.fn.displayName}] asynchronous invocation failed in the local runtime: ${String(error)}`);
      })
      .finally(() => {
        this.pending--;
        if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  async idle(): Promise<void> {
    while (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels pending retries: no further attempt starts, nothing more is dead-lettered. */
  stop(): void {
    this.stopped = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
  }

  private async run(state: FunctionState, event: unknown): Promise<void> {
    const { fn } = state;
    const requestId = randomUUID();
    const attempts = 1 + fn.maximumRetryAttempts;
    let last: InvokeResult | undefined;
    for (let attempt = 1; attempt <= attempts && !this.stopped; attempt++) {
      if (fn.reservedConcurrency === 0) {
        last = throttledResult(fn, requestId);
        break; // nothing can ever run it: Lambda would retry for hours, then give up
      }
      last = await this.options.execute(state, event, requestId);
      if (!last.error) return;
      if (attempt < attempts) await this.sleep(this.options.retryBaseDelayMs * 2 ** (attempt - 1));
    }
    if (last?.error && !this.stopped)
      await deadLetter({ fn, queues: this.options.queues, log: this.options.log }, event, requestId, last.error, attempts);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      this.sleepers.add(sleeper);
    });
  }
}
