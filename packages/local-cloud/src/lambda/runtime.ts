/**
 * Runs the stack's Lambda functions locally, each in its own Node.js worker processes
 * (worker.mjs, one execution-environment.ts each), the way Lambda runs them: a cold start (spawn + import of
 * the bundle) then warm reuse, one invocation per environment at a time, the function's
 * timeout, memory and reserved concurrency, asynchronous invocations retried and then
 * sent to the dead-letter queue or on-failure destination, and a REPORT line and an
 * InvocationRecord for every invocation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InvocationFaults, InvocationRecord, InvokeResult, LambdaInvoker, LocalStack, QueueSink, Stoppable } from '../types';
import { Worker, type LambdaError, type LogSink, type Outcome } from './execution-environment';
import { environmentOf, readFunctions, type LocalFunction } from './functions';
import { deadLetter } from './dead-letters';
import { InvocationRecords, notRunRecord, round2, throttledResult } from './records';

export type { LogSink, LambdaError } from './execution-environment';
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
  /** Where inline code and extracted .zip assets are written (see functions.ts for the default). */
  readonly codeDir?: string;
}

/** Lambda's limit on a synchronous request and response payload. */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** One line a function's environment wrote (its output, START, END, REPORT), with where CloudWatch Logs files it. */
export interface FunctionLogLine {
  readonly fn: LocalFunction;
  /** `$LATEST` or a published version's number. */
  readonly version: string;
  /** The worker's log stream (`YYYY/MM/DD/[$LATEST]<32 hex>`, its `AWS_LAMBDA_LOG_STREAM_NAME`). */
  readonly streamName: string;
  /** The invocation the worker was running, if any (INIT output has none). */
  readonly requestId: string | undefined;
  /** The line without the runtime's `[name] ` prefix. */
  readonly message: string;
  readonly timestamp: number;
}

/** An invocation that ran or was throttled, for CloudWatch metrics. */
export interface InvocationObservation {
  readonly fn: LocalFunction;
  readonly version: string;
  readonly record: InvocationRecord;
  readonly error: LambdaError | undefined;
  readonly throttled: boolean;
  /** Invocations of this function (version) running when this one started, itself included. */
  readonly concurrent: number;
}

/** Listens to what the runtime does (the Lambda API's log tails, CloudWatch Logs and metrics). */
export interface RuntimeObserver {
  logLine?(line: FunctionLogLine): void;
  invocation?(observation: InvocationObservation): void;
}

/** Settings `configure` may change; they apply to workers started after it. */
export type FunctionPatch = Partial<Pick<LocalFunction, 'memorySizeMb' | 'timeoutSeconds' | 'environment'>>;

interface FunctionState {
  fn: LocalFunction;
  readonly version: string;
  /** Bumped by `configure`: a worker of an older generation is retired instead of reused. */
  generation: number;
  readonly idle: Worker[];
  readonly workers: Set<Worker>;
  running: number;
  readonly waiters: (() => void)[];
}

/** What the runtime knows of one worker beyond the worker itself. */
interface WorkerMeta {
  readonly streamName: string;
  readonly generation: number;
  requestId: string | undefined;
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
  /** Workers of a replaced bundle (`retire`): they finish their invocation, then stop. */
  private readonly retired = new WeakSet<Worker>();
  private stopped = false;
  /** Each worker's own access key id (Lambda gives each environment its own credentials): how the edge tells its calls apart. */
  private readonly accessKeys = new WeakMap<Worker, string>();
  private readonly observers: RuntimeObserver[] = [];
  /** Published versions (each with workers of its own), besides `functions` ($LATEST). */
  private readonly versions = new Set<FunctionState>();
  private readonly meta = new WeakMap<Worker, WorkerMeta>();
  /** The invocation whose END and REPORT lines are being written (they go to its worker's stream). */
  private reporting: { state: FunctionState; meta: WorkerMeta } | undefined;

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.workerScript = options.workerScript ?? path.join(__dirname, 'worker.mjs');
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.maxWorkers = Math.max(1, options.maxWorkersPerFunction ?? 2 * availableParallelism());
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.initTimeoutMs = options.initTimeoutMs ?? 10_000;
    this.invocations = new InvocationRecords(options.recordsFile, (line) => {
      if (this.reporting) this.emit(this.reporting.state, this.reporting.meta, line);
      else this.log(line);
    });
    for (const fn of readFunctions(options.stack, { codeDir: options.codeDir })) {
      const state: FunctionState = { fn, version: '$LATEST', generation: 0, idle: [], workers: new Set(), running: 0, waiters: [] };
      this.functions.set(fn.logicalId, state);
      for (const ref of [fn.logicalId, fn.functionName, fn.arn]) this.byRef.set(ref, state);
    }
  }

  /** The functions this runtime serves, with the settings it applies to them. */
  list(): LocalFunction[] {
    return [...this.functions.values()].map((s) => s.fn);
  }

  /** Adds a listener of log lines and invocations (the Lambda API, CloudWatch Logs and metrics). */
  observe(observer: RuntimeObserver): void {
    this.observers.push(observer);
  }

  /** The function's current settings ($LATEST, or `name:version` for a published version). */
  configuration(functionRef: string): LocalFunction {
    return this.resolve(functionRef).fn;
  }

  /**
   * Changes memory, timeout or environment of $LATEST, as UpdateFunctionConfiguration does:
   * invocations from now on run in new workers with the new settings; idle workers are
   * retired now, busy ones when their invocation ends. Returns the new settings.
   */
  configure(functionRef: string, patch: FunctionPatch): LocalFunction {
    const state = this.resolve(functionRef);
    state.fn = { ...state.fn, ...patch };
    state.generation++;
    for (const worker of state.idle.splice(0)) {
      state.workers.delete(worker);
      worker.kill();
    }
    return state.fn;
  }

  /**
   * A published version: a snapshot of the function's current settings, invocable as
   * `<name>:<version>` (or its ARN), with workers of its own.
   */
  addVersion(functionRef: string, version: string): LocalFunction {
    const base = this.resolve(functionRef);
    if (base.version !== '$LATEST') throw new Error(`${functionRef} is a version already`);
    const fn: LocalFunction = { ...base.fn, arn: `${base.fn.arn}:${version}` };
    const state: FunctionState = { fn, version, generation: 0, idle: [], workers: new Set(), running: 0, waiters: [] };
    this.versions.add(state);
    for (const ref of [`${fn.functionName}:${version}`, `${fn.logicalId}:${version}`, fn.arn]) this.byRef.set(ref, state);
    return fn;
  }

  /** Deletes a published version: its workers are stopped (busy ones when their invocation ends). */
  removeVersion(functionRef: string, version: string): void {
    const state = this.resolve(`${this.resolve(functionRef).fn.functionName}:${version}`);
    if (state.version === '$LATEST') return;
    for (const [ref, s] of this.byRef) if (s === state) this.byRef.delete(ref);
    this.versions.delete(state);
    state.generation++;
    for (const worker of state.idle.splice(0)) {
      state.workers.delete(worker);
      worker.kill();
    }
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

  /**
   * Retires the execution environments of a function whose bundle was replaced
   * (hot reload): idle ones stop now, busy ones when their invocation ends (it
   * finishes on the old code); the next invocation cold-starts on the new bundle.
   */
  retire(functionRef: string): void {
    const state = this.resolve(functionRef);
    for (const worker of state.idle.splice(0)) {
      clearTimeout(worker.idleTimer);
      state.workers.delete(worker);
      worker.kill();
    }
    for (const worker of state.workers) this.retired.add(worker);
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
    for (const state of [...this.functions.values(), ...this.versions]) {
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
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const meta: WorkerMeta = {
      streamName: `${day}/[${state.version}]${randomBytes(16).toString('hex')}`,
      generation: state.generation,
      requestId: undefined,
    };
    const env = {
      ...environmentOf(state.fn, this.options.endpointUrl),
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_LAMBDA_FUNCTION_VERSION: state.version,
      AWS_LAMBDA_LOG_STREAM_NAME: meta.streamName,
    };
    worker = new Worker(state.fn, this.workerScript, env, (line) => this.emit(state, meta, line));
    this.meta.set(worker, meta);
    this.accessKeys.set(worker, accessKeyId);
    state.workers.add(worker);
    return worker;
  }

  private release(state: FunctionState, worker: Worker): void {
    state.running--;
    const meta = this.meta.get(worker);
    if (meta) meta.requestId = undefined;
    if (worker.alive && !this.stopped && meta?.generation === state.generation && !this.retired.has(worker)) {
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

  /** Writes a line to the log sink and hands it, with its stream and request, to the observers. */
  private emit(state: FunctionState, meta: WorkerMeta, line: string): void {
    this.log(line);
    if (this.observers.length === 0) return;
    const prefix = `[${state.fn.displayName}] `;
    const message = line.startsWith(prefix) ? line.slice(prefix.length) : line;
    const entry: FunctionLogLine = {
      fn: state.fn,
      version: state.version,
      streamName: meta.streamName,
      requestId: meta.requestId,
      message,
      timestamp: Date.now(),
    };
    for (const observer of this.observers) observer.logLine?.(entry);
  }

  private observeInvocation(state: FunctionState, observation: Omit<InvocationObservation, 'fn' | 'version'>): void {
    for (const observer of this.observers) observer.invocation?.({ fn: state.fn, version: state.version, ...observation });
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
        const throttled = throttledResult(fn, requestId);
        this.observeInvocation(state, { record: throttled.record, error: throttled.error, throttled: true, concurrent: state.running });
        return throttled;
      }
      throw error;
    }

    const timestamp = new Date().toISOString();
    const concurrent = state.running;
    const meta = this.meta.get(worker)!;
    meta.requestId = requestId;
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
          this.emit(state, meta, `[${fn.displayName}] INIT failed: ${initError.errorType}: ${initError.errorMessage}`);
          initFailure = { kind: 'error', status: 'error', durationMs: 0, maxMemoryMb: worker.lastMemoryMb, error: initError };
        }
      }
      this.emit(state, meta, `[${fn.displayName}] START RequestId: ${requestId} Version: ${state.version}`);
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
    meta.requestId = requestId; // END and REPORT belong to it (release cleared it for the next call)

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
    this.reporting = { state, meta };
    try {
      this.invocations.report(fn, record, error);
    } finally {
      this.reporting = undefined;
      meta.requestId = undefined;
    }
    this.observeInvocation(state, { record, error, throttled: false, concurrent });
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
