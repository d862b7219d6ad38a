/**
 * Runs the stack's Lambda functions locally, each in its own Node.js worker processes
 * (local/lambda/worker.mjs), the way Lambda runs them: a cold start (spawn + import of
 * the bundle) then warm reuse, one invocation per environment at a time, the function's
 * timeout, memory and reserved concurrency, asynchronous invocations retried and then
 * sent to the dead-letter queue or on-failure destination, and a REPORT line and an
 * InvocationRecord for every invocation.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type InvocationRecord,
  type InvokeResult,
  type LambdaInvoker,
  type LocalStack,
  type QueueSink,
  type StackResource,
  type Stoppable,
} from '../types';

/** Receives one line of output (no trailing newline): function logs, START/END/REPORT. */
export type LogSink = (line: string) => void;

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
}

/** A function of the stack as the runtime runs it (all template defaults applied). */
export interface LocalFunction {
  readonly logicalId: string;
  /** Name shown in front of its log lines: the logical id without CDK's hash suffix. */
  readonly displayName: string;
  readonly functionName: string;
  readonly arn: string;
  readonly handler: string;
  readonly runtime: string;
  readonly bundleDir: string | undefined;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroupName: string;
  readonly logFormat: string | undefined;
  readonly maximumRetryAttempts: number;
  /** `DeadLetterConfig.TargetArn` of the function. */
  readonly deadLetterTarget: string | undefined;
  /** `DestinationConfig.OnFailure.Destination` of its EventInvokeConfig. */
  readonly onFailureDestination: string | undefined;
}

/** How long an invocation record may wait to be written with others (one file write per batch). */
const RECORDS_FLUSH_MS = 20;

/** Lambda's limit on a synchronous request and response payload. */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const KILL_SIGNAL = 'SIGKILL';

type LambdaError = NonNullable<InvokeResult['error']>;

type Outcome =
  | { kind: 'result'; payload: string; durationMs: number; maxMemoryMb: number }
  | { kind: 'error'; error: LambdaError; durationMs: number; maxMemoryMb: number; status: InvocationRecord['status'] };

// ------------------------------------------------------------------ process cleanup

/**
 * Every live worker of every runtime in this process. One 'exit' hook kills them all, so
 * no worker outlives a crashed or Ctrl-C'd parent (workers also exit when their IPC
 * channel closes, which covers a parent killed with SIGKILL).
 */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) {
        try {
          c.kill(KILL_SIGNAL);
        } catch {
          // already gone
        }
      }
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

// ------------------------------------------------------------------ one worker process

interface WorkerMessage {
  type: 'ready' | 'init-error' | 'log' | 'result' | 'error';
  requestId?: string;
  text?: string;
  /** Output written just before this message (see worker.mjs). */
  log?: string;
  payload?: string;
  error?: LambdaError;
  durationMs?: number;
  maxMemoryMb?: number;
  fatal?: boolean;
}

/** One execution environment: a forked worker.mjs that has imported the bundle once. */
class Worker {
  readonly child: ChildProcess;
  readonly spawnedAt = performance.now();
  /** Resolves once INIT is over: with undefined when ready, with the error otherwise. */
  readonly ready: Promise<LambdaError | undefined>;
  initDurationMs: number | undefined;
  /** True until its first invocation has been reported (that one carries Init Duration). */
  cold = true;
  alive = true;
  lastMemoryMb = 0;
  idleTimer: NodeJS.Timeout | undefined;
  private outOfMemory = false;
  private onMessage: ((message: WorkerMessage) => void) | undefined;
  private onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(
    private readonly fn: LocalFunction,
    script: string,
    env: Record<string, string>,
    private readonly log: LogSink,
  ) {
    this.child = fork(script, [], {
      cwd: fn.bundleDir,
      env,
      execArgv: ['--enable-source-maps', `--max-old-space-size=${fn.memorySizeMb}`, ...(process.env.PROF_WORKERS ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/wcpu', '--require', '/tmp/prof/sigterm.cjs'] : [])],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    trackChild(this.child);
    // Output the worker could not forward over IPC (native code, V8's fatal errors).
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      let buffered = '';
      stream?.on('data', (chunk: string) => {
        if (chunk.includes('heap out of memory')) this.outOfMemory = true;
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) this.log(`[${fn.displayName}] ${line}`);
      });
    }
    this.ready = new Promise((resolve) => {
      this.onMessage = (message) => {
        if (message.type === 'ready') {
          this.initDurationMs = performance.now() - this.spawnedAt;
          this.lastMemoryMb = message.maxMemoryMb ?? 0;
          resolve(undefined);
        } else if (message.type === 'init-error' || message.type === 'error') {
          this.initDurationMs = performance.now() - this.spawnedAt;
          this.lastMemoryMb = message.maxMemoryMb ?? 0;
          this.kill();
          resolve(message.error);
        }
      };
      this.onExit = (code, signal) => resolve(this.exitError(undefined, code, signal));
    });
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'log') this.printLog(message.text ?? '');
      else {
        if (message.log) this.printLog(message.log);
        this.onMessage?.(message);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.alive = false;
      this.onExit?.(code, signal);
    });
    this.child.on('error', (error) => {
      // The process could not be spawned (or signalled): report it like a dead runtime.
      this.log(`[${fn.displayName}] worker process error: ${error.message}`);
      this.alive = false;
      this.onExit?.(1, null);
    });
  }

  private partialLine = '';
  private printLog(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.log(`[${this.fn.displayName}] ${line}`);
  }

  private flushLog(): void {
    if (this.partialLine) this.log(`[${this.fn.displayName}] ${this.partialLine}`);
    this.partialLine = '';
  }

  /** What Lambda reports when the runtime process dies during an invocation. */
  exitError(requestId: string | undefined, code: number | null, signal: NodeJS.Signals | null): LambdaError {
    const how = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal === 'SIGABRT' ? 'aborted' : signal}` : `exit status ${code}`;
    const prefix = requestId ? `RequestId: ${requestId} ` : '';
    return this.outOfMemory
      ? { errorType: 'Runtime.OutOfMemory', errorMessage: `${prefix}Error: Runtime exited with error: ${how}` }
      : { errorType: 'Runtime.ExitError', errorMessage: `${prefix}Error: Runtime exited with error: ${how}` };
  }

  /** Runs one invocation; kills the worker if it outlives the function's timeout. */
  invoke(requestId: string, eventJson: string, timeoutMs: number): Promise<Outcome> {
    const started = performance.now();
    return new Promise<Outcome>((resolve) => {
      const finish = (outcome: Outcome) => {
        clearTimeout(timer);
        this.onMessage = undefined;
        this.onExit = undefined;
        this.flushLog();
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        const durationMs = performance.now() - started;
        this.kill();
        const seconds = (durationMs / 1000).toFixed(2);
        this.log(`[${this.fn.displayName}] ${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`);
        finish({
          kind: 'error',
          status: 'timeout',
          durationMs,
          maxMemoryMb: this.lastMemoryMb,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` },
        });
      }, timeoutMs);
      this.onMessage = (message) => {
        if (message.requestId !== requestId) return;
        this.lastMemoryMb = message.maxMemoryMb ?? this.lastMemoryMb;
        const durationMs = message.durationMs ?? performance.now() - started;
        if (message.type === 'result') {
          finish({ kind: 'result', payload: message.payload ?? 'null', durationMs, maxMemoryMb: this.lastMemoryMb });
        } else if (message.type === 'error') {
          if (message.fatal) this.kill();
          finish({ kind: 'error', status: 'error', error: message.error!, durationMs, maxMemoryMb: this.lastMemoryMb });
        }
      };
      this.onExit = (code, signal) =>
        finish({
          kind: 'error',
          status: 'error',
          durationMs: performance.now() - started,
          maxMemoryMb: this.outOfMemory ? this.fn.memorySizeMb : this.lastMemoryMb,
          error: this.exitError(requestId, code, signal),
        });
      const deadlineMs = Date.now() + timeoutMs;
      this.child.send({ type: 'invoke', requestId, event: eventJson, deadlineMs, traceId: traceHeader(), invokedFunctionArn: this.fn.arn });
    });
  }

  kill(): void {
    clearTimeout(this.idleTimer);
    if (this.alive) {
      this.alive = false;
      this.child.kill(KILL_SIGNAL);
    }
  }
}

// ------------------------------------------------------------------ the runtime

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
  private readonly recordList: InvocationRecord[] = [];
  /** The records file, opened once for appending. */
  private recordsStream: WriteStream | undefined;
  /** Records not yet written: they go out together every RECORDS_FLUSH_MS, not one write each. */
  private pendingRecords = '';
  private recordsTimer: NodeJS.Timeout | undefined;
  private pendingAsync = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private stopped = false;

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.workerScript = options.workerScript ?? path.join(__dirname, 'worker.mjs');
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.maxWorkers = Math.max(1, options.maxWorkersPerFunction ?? 2 * availableParallelism());
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.initTimeoutMs = options.initTimeoutMs ?? 10_000;
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
    return [...this.recordList];
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
    this.flushRecords();
    const records = this.recordsStream;
    this.recordsStream = undefined;
    if (records) await new Promise<void>((resolve) => records.end(resolve));
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
    if (last?.error && !this.stopped) await this.deadLetter(fn, event, requestId, last.error, attempts);
  }

  private async deadLetter(fn: LocalFunction, event: unknown, requestId: string, error: LambdaError, attempts: number): Promise<void> {
    const targets: string[] = [];
    const errorCode = error.errorType === 'TooManyRequestsException' ? '429' : '200';
    if (fn.deadLetterTarget) {
      await this.sendToQueue(fn, fn.deadLetterTarget, JSON.stringify(event), {
        RequestID: requestId,
        ErrorCode: errorCode,
        ErrorMessage: error.errorMessage.slice(0, 1024),
      });
      targets.push(fn.deadLetterTarget);
    }
    if (fn.onFailureDestination) {
      const record = {
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId,
          functionArn: `${fn.arn}:$LATEST`,
          condition: error.errorType === 'TooManyRequestsException' ? 'EventAgeExceeded' : 'RetriesExhausted',
          approximateInvokeCount: attempts,
        },
        requestPayload: event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: error,
      };
      await this.sendToQueue(fn, fn.onFailureDestination, JSON.stringify(record));
      targets.push(fn.onFailureDestination);
    }
    const where = targets.length > 0 ? `sent to ${targets.join(' and ')}` : 'dropped (no dead-letter queue or on-failure destination)';
    this.log(`[${fn.displayName}] asynchronous invocation ${requestId} failed ${attempts} time(s) with ${error.errorType}: ${where}`);
  }

  private async sendToQueue(fn: LocalFunction, target: string, body: string, attributes?: Record<string, string>): Promise<void> {
    if (!/^arn:aws[^:]*:sqs:/.test(target) && !/^https?:\/\//.test(target)) {
      this.log(`[${fn.displayName}] failure target ${target} is not an SQS queue; the local cloud only delivers to queues`);
      return;
    }
    if (!this.options.queues) {
      this.log(`[${fn.displayName}] no local SQS to deliver the failed event to ${target}`);
      return;
    }
    await this.options.queues.send(target, body, attributes);
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
    worker = new Worker(state.fn, this.workerScript, this.environment(state.fn), this.log);
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
    let worker: Worker;
    try {
      worker = await this.acquire(state, mode);
    } catch (error) {
      if (error instanceof ThrottledError) {
        this.log(`[${fn.displayName}] throttled (TooManyRequestsException): its ${fn.reservedConcurrency} reserved concurrent executions are busy`);
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
            error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` },
          };
        } else if (initError) {
          this.log(`[${fn.displayName}] INIT failed: ${initError.errorType}: ${initError.errorMessage}`);
          initFailure = { kind: 'error', status: 'error', durationMs: 0, maxMemoryMb: worker.lastMemoryMb, error: initError };
        }
      }
      this.log(`[${fn.displayName}] START RequestId: ${requestId} Version: $LATEST`);
      if (initFailure) outcome = initFailure;
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
    this.report(fn, record, error);
    return error ? { error, record } : { payload, record };
  }

  private report(fn: LocalFunction, record: InvocationRecord, error: LambdaError | undefined): void {
    const fields = [
      `REPORT RequestId: ${record.requestId}`,
      `Duration: ${record.durationMs.toFixed(2)} ms`,
      `Billed Duration: ${record.billedDurationMs} ms`,
      `Memory Size: ${record.memorySizeMb} MB`,
      `Max Memory Used: ${record.maxMemoryUsedMb} MB`,
    ];
    if (record.initDurationMs !== undefined) fields.push(`Init Duration: ${record.initDurationMs.toFixed(2)} ms`);
    if (record.status === 'timeout') fields.push('Status: timeout');
    else if (error?.errorType.startsWith('Runtime.')) fields.push('Status: error', `Error Type: ${error.errorType}`);
    this.log(`[${fn.displayName}] END RequestId: ${record.requestId}`);
    this.log(`[${fn.displayName}] ${fields.join('\t')}`);

    this.recordList.push(record);
    if (!this.options.recordsFile || this.stopped) return;
    this.pendingRecords += `${JSON.stringify(record)}\n`;
    this.recordsTimer ??= setTimeout(() => this.flushRecords(), RECORDS_FLUSH_MS);
  }

  private flushRecords(): void {
    clearTimeout(this.recordsTimer);
    this.recordsTimer = undefined;
    if (this.pendingRecords) this.recordsOut()?.write(this.pendingRecords);
    this.pendingRecords = '';
  }

  /** The open records file (opened on first use); undefined without one. */
  private recordsOut(): WriteStream | undefined {
    const file = this.options.recordsFile;
    if (!file || this.recordsStream) return this.recordsStream;
    mkdirSync(path.dirname(file), { recursive: true });
    this.recordsStream = createWriteStream(file, { flags: 'a' });
    this.recordsStream.on('error', (error) => this.log(`[local] cannot append to ${file}: ${String(error)}`));
    return this.recordsStream;
  }

  /** The environment Lambda gives a function: the template's variables plus the reserved ones. */
  private environment(fn: LocalFunction): Record<string, string> {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...fn.environment,
      // Reserved variables: a template cannot override them on AWS either.
      _HANDLER: fn.handler,
      LAMBDA_TASK_ROOT: fn.bundleDir ?? '',
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: 'test',
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
      ...(fn.logFormat ? { AWS_LAMBDA_LOG_FORMAT: fn.logFormat } : {}),
      // The one local difference: every SDK client talks to the edge endpoint.
      AWS_ENDPOINT_URL: this.options.endpointUrl,
      // There is no X-Ray daemon locally; this is how SAM tells the Powertools Tracer so.
      AWS_SAM_LOCAL: 'true',
      // The SDK warns about this machine's Node.js, not the function's declared runtime.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }
}

// ------------------------------------------------------------------ template reading

/** Reads every AWS::Lambda::Function of the stack with Lambda's defaults applied. */
export function readFunctions(stack: LocalStack): LocalFunction[] {
  const invokeConfigs = stack.byType('AWS::Lambda::EventInvokeConfig');
  return stack.byType('AWS::Lambda::Function').map((resource) => {
    const p = resource.properties;
    const functionName = resource.physicalId || String(p.FunctionName ?? resource.logicalId);
    const arn = resource.attributes.Arn ?? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
    const config = invokeConfigs.find((c) => refersTo(stack, c.properties.FunctionName, resource) && isLatest(c.properties.Qualifier));
    const assetPath = resource.metadata?.['aws:asset:path'];
    const variables = (p.Environment?.Variables ?? {}) as Record<string, unknown>;
    return {
      logicalId: resource.logicalId,
      displayName: resource.logicalId.replace(/[0-9A-F]{8}$/, '') || resource.logicalId,
      functionName,
      arn,
      handler: String(p.Handler ?? 'index.handler'),
      runtime: String(p.Runtime ?? 'nodejs22.x'),
      bundleDir: typeof assetPath === 'string' ? path.resolve(stack.assemblyDir, assetPath) : undefined,
      memorySizeMb: Number(p.MemorySize ?? 128),
      timeoutSeconds: Number(p.Timeout ?? 3),
      reservedConcurrency: p.ReservedConcurrentExecutions === undefined ? undefined : Number(p.ReservedConcurrentExecutions),
      environment: Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      ),
      logGroupName: typeof p.LoggingConfig?.LogGroup === 'string' ? p.LoggingConfig.LogGroup : `/aws/lambda/${functionName}`,
      logFormat: typeof p.LoggingConfig?.LogFormat === 'string' ? p.LoggingConfig.LogFormat : undefined,
      maximumRetryAttempts: Number(config?.properties.MaximumRetryAttempts ?? 2),
      deadLetterTarget: typeof p.DeadLetterConfig?.TargetArn === 'string' ? p.DeadLetterConfig.TargetArn : undefined,
      onFailureDestination:
        typeof config?.properties.DestinationConfig?.OnFailure?.Destination === 'string'
          ? config.properties.DestinationConfig.OnFailure.Destination
          : undefined,
    };
  });
}

function refersTo(stack: LocalStack, ref: unknown, resource: StackResource): boolean {
  if (typeof ref !== 'string') return false;
  if (ref === resource.logicalId || ref === resource.physicalId || Object.values(resource.attributes).includes(ref)) return true;
  const match = /function:([^:]+)/.exec(ref);
  if (match && match[1] === resource.physicalId) return true;
  return stack.find(ref)?.logicalId === resource.logicalId;
}

function isLatest(qualifier: unknown): boolean {
  return qualifier === undefined || qualifier === '$LATEST';
}

// ------------------------------------------------------------------ helpers

function throttledResult(fn: LocalFunction, requestId: string): InvokeResult {
  return {
    error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
    record: notRunRecord(fn, requestId),
  };
}

/** The record of a call Lambda refused before running it (not billed, not persisted). */
function notRunRecord(fn: LocalFunction, requestId: string): InvocationRecord {
  return {
    timestamp: new Date().toISOString(),
    functionName: fn.functionName,
    logicalId: fn.logicalId,
    requestId,
    memorySizeMb: fn.memorySizeMb,
    durationMs: 0,
    billedDurationMs: 0,
    maxMemoryUsedMb: 0,
    status: 'error',
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** An X-Ray trace header like the one Lambda sets per invocation (`_X_AMZN_TRACE_ID`). */
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const random = randomBytes(24).toString('hex');
  return `Root=1-${epoch}-${random.slice(0, 24)};Parent=${random.slice(24, 40)};Sampled=0;Lineage=1:${random.slice(40)}:0`;
}
