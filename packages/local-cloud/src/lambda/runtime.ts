/**
 * Runs the stack's Lambda functions locally, each in its own Node.js worker processes
 * (worker.mjs, one execution-environment.ts each), the way Lambda runs them: a cold start (spawn + import of
 * the bundle) then warm reuse, one invocation per environment at a time, the function's
 * timeout, memory and reserved concurrency, asynchronous invocations retried and then
 * sent to the dead-letter queue or on-failure destination, and a REPORT line and an
 * InvocationRecord for every invocation.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InvocationFaults, InvocationRecord, InvokeResult, LambdaInvoker, LocalStack, QueueSink, Stoppable } from '../types';
import { Worker, type LambdaError, type LogSink, type Outcome } from './execution-environment';
import { environmentOf, readFunctions, type LocalFunction } from './functions';
import { deadLetter } from './dead-letters';
import { InvocationRecords, notRunRecord, round2, throttledResult } from './records';

export type { LogSink } from './execution-environment';
export { readFunctions, type LocalFunction } from './functions';

export interface LambdaRuntimeOptions {
  readonly stack: LocalStack;
  /** The edge endpoint, given to every function as `AWS_ENDPOINT_URL`. */
  readonly endpointUrl: string;
  /** Where dead letters and on-failure destination records go (the local SQS). */
  readonly queues?: QueueSink;
  /** Where function output and REPORT lines go; default: this process's stdout. */
  readonly log?: LogSink;
  /** NDJSON file that every InvocationRecord is appended to (e.g. `.local-cloud/invocations.ndjson`). */
  readonly recordsFile?: string;
  /**
   * First delay between asynchronous retries; the second retry waits twice as long.
   * Lambda waits 1 and 2 minutes; locally the default is 1 s so failures surface quickly.
   */
  readonly retryBaseDelayMs?: number;
  /**
   * Most worker processes per function when no reserved concurrency limits it. Calls
   * beyond it wait for a free worker instead of being throttled (Lambda would scale
   * further; this machine should not fork hundreds of processes). Default: twice the
   * number of cores. A worker spends part of each invocation waiting for the edge, so two
   * per core keep the cores busy; more only share them, and under load each invocation
   * then costs up to twice the CPU (measured in BENCHMARKS.md). Raise it for functions
   * that mostly wait (e.g. on a slow provider).
   */
  readonly maxWorkersPerFunction?: number;
  /** An idle worker is stopped after this long, as Lambda reclaims idle environments. Default 10 minutes. */
  readonly idleTimeoutMs?: number;
  /** Longest INIT phase (spawn and import); Lambda's limit is 10 s. */
  readonly initTimeoutMs?: number;
  /** The worker bootstrap; default: worker.mjs next to this file. */
  readonly workerScript?: string;
  /** Asked before every invocation (the Chaos API, service `lambda`): fail it as a function error, or kill its worker. */
  readonly faults?: InvocationFaults;
}

/** Lambda's limit on a synchronous request and response payload. */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;

interface FunctionState {
  readonly fn: LocalFunction;
  readonly idle: Worker[];
  readonly workers: Set<Worker>;
  running: number;
  readonly waiters: (() => void)[];
}

class ThrottledError extends Error {}

/**
 * The stack's Lambda functions, invocable by logical id, name or ARN.
 *
 * Guarantees: an invocation runs in a worker that serves no other invocation at the
 * same time; a new worker (cold start, reported as `initDurationMs`) is started only
 * when no idle one exists; a worker past the function's timeout is killed and the next
 * call cold-starts; `ReservedConcurrentExecutions` is never exceeded (synchronous calls
 * beyond it get `TooManyRequestsException`, asynchronous ones wait); every invocation
 * that ran is recorded (memory, NDJSON file, REPORT line). `stop()` kills every worker.
 */
export class LambdaRuntime implements LambdaInvoker, Stoppable {
  private readonly functions = new Map<string, FunctionState>();
  private readonly byRef = new Map<string, FunctionState>();
  private readonly log: LogSink;
  private readonly workerScript: string;
  private readonly retryBaseDelayMs: number;
  private readonly maxWorkers: number;
  private readonly idleTimeoutMs: number;
  private readonly initTimeoutMs: number;
  private readonly invocations: InvocationRecords;
  private pendingAsync = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private stopped = false;
  /** Each worker's own access key id (Lambda gives each environment its own credentials): how the edge tells its calls apart. */
  private readonly accessKeys = new WeakMap<Worker, string>();

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.workerScript = options.workerScript ?? path.join(__dirname, 'worker.mjs');
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.maxWorkers = Math.max(1, options.maxWorkersPerFunction ?? 2 * availableParallelism());
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.initTimeoutMs = options.initTimeoutMs ?? 10_000;
    this.invocations = new InvocationRecords(options.recordsFile, this.log);
    for (const fn of readFunctions(options.stack)) {
      const state: FunctionState = { fn, idle: [], workers: new Set(), running: 0, waiters: [] };
      this.functions.set(fn.logicalId, state);
      for (const ref of [fn.logicalId, fn.functionName, fn.arn]) this.byRef.set(ref, state);
    }
  }

  /** The functions this runtime serves, with the settings it applies to them. */
  list(): LocalFunction[] {
    return [...this.functions.values()].map((s) => s.fn);
  }

  /** Every invocation that ran so far, oldest first (also appended to `recordsFile`). */
  records(): readonly InvocationRecord[] {
    return this.invocations.all();
  }

  /**
   * Synchronous invocation (RequestResponse). Resolves with the payload or with the error
   * as Lambda reports it; rejects only when no such function exists (Lambda's
   * `ResourceNotFoundException`) or the runtime is stopped.
   */
  async invoke(functionRef: string, event: unknown): Promise<InvokeResult> {
    const state = this.resolve(functionRef);
    return this.execute(state, event, randomUUID(), 'sync');
  }

  /**
   * Asynchronous invocation (Event): resolves once accepted. The invocation runs in the
   * background; a failed attempt is retried after `retryBaseDelayMs`, then twice that,
   * up to the function's MaximumRetryAttempts (default 2), keeping the same request id as
   * Lambda does; then the event goes to the DeadLetterConfig target (the event as the
   * body, RequestID/ErrorCode/ErrorMessage attributes) and to the OnFailure destination
   * (an invocation record, as Lambda sends to destinations). `idle()` waits for it.
   */
  async invokeAsync(functionRef: string, event: unknown): Promise<void> {
    const state = this.resolve(functionRef);
    const eventCopy: unknown = JSON.parse(JSON.stringify(event ?? null));
    this.pendingAsync++;
    void this.runAsync(state, eventCopy)
      .catch((error: unknown) => {
        if (!this.stopped) this.log(`[${state.fn.displayName}] asynchronous invocation failed in the local runtime: ${String(error)}`);
      })
      .finally(() => {
        this.pendingAsync--;
        if (this.pendingAsync === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  /** Resolves when no asynchronous invocation is running, waiting to retry, or being dead-lettered. */
  async idle(): Promise<void> {
    while (this.pendingAsync > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Kills every worker, cancels pending retries and flushes the records file. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.invocations.stopWriting();
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
    const exits: Promise<unknown>[] = [];
    for (const state of this.functions.values()) {
      for (const wake of state.waiters.splice(0)) wake();
      for (const worker of state.workers) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          exits.push(new Promise((resolve) => worker.child.once('exit', resolve)));
        }
        worker.kill();
      }
      state.workers.clear();
      state.idle.length = 0;
    }
    await Promise.all(exits);
    await this.idle();
    await this.invocations.close();
  }

  // ---------------------------------------------------------------- internals

  private resolve(functionRef: string): FunctionState {
    if (this.stopped) throw new Error('The local Lambda runtime is stopped');
    let state = this.byRef.get(functionRef);
    if (!state) {
      // An ARN with a qualifier (…:function:name:$LATEST or an alias) or a partial ARN.
      const match = /function:([^:]+)/.exec(functionRef);
      if (match) state = this.byRef.get(match[1]!);
    }
    if (!state) {
      const resource = this.options.stack.find(functionRef);
      if (resource) state = this.functions.get(resource.logicalId);
    }
    if (!state) {
      const error = new Error(`Function not found: ${functionRef}`);
      error.name = 'ResourceNotFoundException';
      throw error;
    }
    return state;
  }

  private async runAsync(state: FunctionState, event: unknown): Promise<void> {
    const { fn } = state;
    const requestId = randomUUID();
    const attempts = 1 + fn.maximumRetryAttempts;
    let last: InvokeResult | undefined;
    for (let attempt = 1; attempt <= attempts && !this.stopped; attempt++) {
      if (fn.reservedConcurrency === 0) {
        last = throttledResult(fn, requestId);
        break; // nothing can ever run it: Lambda would retry for hours, then give up
      }
      last = await this.execute(state, event, requestId, 'async');
      if (!last.error) return;
      if (attempt < attempts) await this.sleep(this.retryBaseDelayMs * 2 ** (attempt - 1));
    }
    if (last?.error && !this.stopped)
      await deadLetter({ fn, queues: this.options.queues, log: this.log }, event, requestId, last.error, attempts);
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

  /** Takes a worker for one invocation: an idle one (warm), or a new one (cold). */
  private async acquire(state: FunctionState, mode: 'sync' | 'async'): Promise<Worker> {
    const limit = state.fn.reservedConcurrency;
    for (;;) {
      if (this.stopped) throw new Error('The local Lambda runtime is stopped');
      const throttled = limit !== undefined && state.running >= limit;
      if (throttled && mode === 'sync') throw new ThrottledError();
      if (!throttled && state.running < this.maxWorkers) break;
      await new Promise<void>((resolve) => state.waiters.push(resolve));
    }
    state.running++;
    let worker: Worker | undefined;
    while ((worker = state.idle.pop())) {
      clearTimeout(worker.idleTimer);
      if (worker.alive) return worker;
      state.workers.delete(worker);
    }
    const accessKeyId = workerAccessKeyId();
    const env = { ...environmentOf(state.fn, this.options.endpointUrl), AWS_ACCESS_KEY_ID: accessKeyId };
    worker = new Worker(state.fn, this.workerScript, env, this.log);
    this.accessKeys.set(worker, accessKeyId);
    state.workers.add(worker);
    return worker;
  }

  private release(state: FunctionState, worker: Worker): void {
    state.running--;
    if (worker.alive && !this.stopped) {
      worker.idleTimer = setTimeout(() => {
        const index = state.idle.indexOf(worker);
        if (index >= 0) state.idle.splice(index, 1);
        state.workers.delete(worker);
        worker.kill();
      }, this.idleTimeoutMs);
      worker.idleTimer.unref();
      state.idle.push(worker);
    } else {
      worker.kill();
      state.workers.delete(worker);
    }
    state.waiters.shift()?.();
  }

  /**
   * Runs an invocation whose worker the Chaos API kills: right after the edge has answered
   * its first AWS call or, if it makes none, as it finishes (its answer is lost). Either
   * way it fails as a crashed runtime does (`Runtime.ExitError`).
   */
  private async invokeThenKill(fn: LocalFunction, worker: Worker, requestId: string, eventJson: string): Promise<Outcome> {
    const kill = () => {
      this.log(`[${fn.displayName}] worker killed mid-invocation by a Chaos API rule (kill)`);
      worker.kill();
    };
    const disarm = this.options.faults!.armKill(this.accessKeys.get(worker)!, kill);
    const outcome = await worker.invoke(requestId, eventJson, fn.timeoutSeconds * 1000);
    disarm();
    if (!worker.alive) return outcome;
    kill();
    return {
      kind: 'error',
      status: 'error',
      durationMs: outcome.durationMs,
      maxMemoryMb: outcome.maxMemoryMb,
      error: worker.exitError(requestId, null, 'SIGKILL'),
    };
  }

  private async execute(state: FunctionState, event: unknown, requestId: string, mode: 'sync' | 'async'): Promise<InvokeResult> {
    const { fn } = state;
    const eventJson = JSON.stringify(event ?? null);
    if (mode === 'sync' && Buffer.byteLength(eventJson) > SYNC_PAYLOAD_LIMIT) {
      return {
        error: {
          errorType: 'RequestEntityTooLargeException',
          errorMessage: `Request must be smaller than ${SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation`,
        },
        record: notRunRecord(fn, requestId),
      };
    }
    const fault = this.options.faults?.invocationFault(fn);
    if (fault?.kind === 'error') {
      const error = { errorType: fault.errorType, errorMessage: fault.errorMessage };
      const record = notRunRecord(fn, requestId);
      this.invocations.report(fn, record, error);
      return { error, record };
    }
    let worker: Worker;
    try {
      worker = await this.acquire(state, mode);
    } catch (error) {
      if (error instanceof ThrottledError) {
        this.log(
          `[${fn.displayName}] throttled (TooManyRequestsException): its ${fn.reservedConcurrency} reserved concurrent executions are busy`,
        );
        return throttledResult(fn, requestId);
      }
      throw error;
    }

    const timestamp = new Date().toISOString();
    let outcome: Outcome;
    let initDurationMs: number | undefined;
    try {
      let initFailure: Outcome | undefined;
      if (worker.cold) {
        const initError = await withTimeout(worker.ready, this.initTimeoutMs);
        initDurationMs = worker.initDurationMs ?? performance.now() - worker.spawnedAt;
        worker.cold = false;
        if (initError === 'timeout') {
          worker.kill();
          const seconds = (this.initTimeoutMs / 1000).toFixed(2);
          initFailure = {
            kind: 'error',
            status: 'timeout',
            durationMs: 0,
            maxMemoryMb: worker.lastMemoryMb,
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
            },
          };
        } else if (initError) {
          this.log(`[${fn.displayName}] INIT failed: ${initError.errorType}: ${initError.errorMessage}`);
          initFailure = { kind: 'error', status: 'error', durationMs: 0, maxMemoryMb: worker.lastMemoryMb, error: initError };
        }
      }
      this.log(`[${fn.displayName}] START RequestId: ${requestId} Version: $LATEST`);
      if (initFailure) outcome = initFailure;
      else if (worker.alive && fault?.kind === 'kill') outcome = await this.invokeThenKill(fn, worker, requestId, eventJson);
      else if (worker.alive) outcome = await worker.invoke(requestId, eventJson, fn.timeoutSeconds * 1000);
      else {
        outcome = {
          kind: 'error',
          status: 'error',
          durationMs: 0,
          maxMemoryMb: worker.lastMemoryMb,
          error: worker.exitError(requestId, worker.child.exitCode, worker.child.signalCode),
        };
      }
    } finally {
      this.release(state, worker);
    }

    let payload: unknown;
    let error: LambdaError | undefined;
    let status: InvocationRecord['status'] = 'success';
    if (outcome.kind === 'result') {
      if (mode === 'sync' && Buffer.byteLength(outcome.payload) > SYNC_PAYLOAD_LIMIT) {
        status = 'error';
        error = {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).`,
        };
      } else {
        payload = JSON.parse(outcome.payload);
      }
    } else {
      error = outcome.error;
      status = outcome.status;
    }

    const durationMs = round2(outcome.durationMs);
    const record: InvocationRecord = {
      timestamp,
      functionName: fn.functionName,
      logicalId: fn.logicalId,
      requestId,
      memorySizeMb: fn.memorySizeMb,
      durationMs,
      // Since August 2025 Lambda bills the INIT phase of on-demand functions too.
      billedDurationMs: Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0))),
      ...(initDurationMs !== undefined ? { initDurationMs: round2(initDurationMs) } : {}),
      maxMemoryUsedMb: Math.min(fn.memorySizeMb, Math.max(1, outcome.maxMemoryMb)),
      status,
    };
    this.invocations.report(fn, record, error);
    return error ? { error, record } : { payload, record };
  }
}

let workersStarted = 0;

/** A worker's own access key id, shaped like Lambda's temporary ones (`ASIA` + 16 characters). */
function workerAccessKeyId(): string {
  return `ASIA${(++workersStarted).toString(36).toUpperCase().padStart(16, '0')}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
