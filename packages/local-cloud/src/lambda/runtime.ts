/**
 * Runs the stack's Lambda functions locally, each in its own Node.js worker processes
 * (worker.mjs, one execution-environment.ts each), the way Lambda runs them: a cold start (spawn + import of
 * the bundle) then warm reuse, one invocation per environment at a time, the function's
 * timeout, memory and reserved concurrency, asynchronous invocations retried and then
 * sent to the dead-letter queue or on-failure destination, and a REPORT line and an
 * InvocationRecord for every invocation.
 *
 * This file is the runtime's face; the parts are function-registry.ts (functions and
 * versions), worker-pool.ts (workers, concurrency), invocation.ts (one invocation),
 * chaos-kill.ts (the Chaos API's kill), async-invocations.ts (retries, dead letters),
 * observers.ts (log lines and invocations for the other services) and records.ts /
 * records-file.ts / records-retention.ts (REPORT lines, the records file, its pruning).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { InvocationFaults, InvocationRecord, InvokeResult, LambdaInvoker, LocalStack, QueueSink, Stoppable } from '../types';
import { AsyncInvocations } from './async-invocations';
import type { LogSink } from './execution-environment';
import { FunctionRegistry, type FunctionPatch, type FunctionState } from './function-registry';
import type { LocalFunction } from './functions';
import { execute, type InvocationContext } from './invocation';
import { RuntimeObservers, type RuntimeObserver } from './observers';
import { InvocationRecords } from './records';
import type { RecordsRetention } from './records-retention';
import { WorkerPool } from './worker-pool';

export type { LogSink, LambdaError } from './execution-environment';
export { readFunctions, type LocalFunction } from './functions';
export type { FunctionLogLine, InvocationObservation, RuntimeObserver } from './observers';
export type { FunctionPatch } from './function-registry';
export type { RecordsRetention } from './records-retention';

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
  /** How long and how many records `recordsFile` keeps (records-retention.ts; default 7 days, 100,000 records). */
  readonly recordsRetention?: RecordsRetention;
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
  private readonly registry: FunctionRegistry;
  private readonly pool: WorkerPool;
  private readonly observers: RuntimeObservers;
  private readonly invocations: InvocationRecords;
  private readonly asyncInvocations: AsyncInvocations;
  private readonly context: InvocationContext;
  private stopped = false;

  constructor(options: LambdaRuntimeOptions) {
    const log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.registry = new FunctionRegistry(options.stack, options.codeDir);
    this.observers = new RuntimeObservers(log);
    this.pool = new WorkerPool({
      endpointUrl: options.endpointUrl,
      workerScript: options.workerScript ?? path.join(__dirname, 'worker.mjs'),
      maxWorkers: Math.max(1, options.maxWorkersPerFunction ?? 2 * availableParallelism()),
      idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
      emit: (source, stream, line) => this.observers.line(source, stream, line),
    });
    this.invocations = new InvocationRecords(options.recordsFile, log, options.recordsRetention);
    this.context = {
      pool: this.pool,
      observers: this.observers,
      records: this.invocations,
      faults: options.faults,
      log,
      initTimeoutMs: options.initTimeoutMs ?? 10_000,
    };
    this.asyncInvocations = new AsyncInvocations({
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      queues: options.queues,
      log,
      execute: (state, event, requestId) => execute(this.context, state, event, requestId, 'async'),
    });
  }

  /** The functions this runtime serves, with the settings it applies to them. */
  list(): LocalFunction[] {
    return this.registry.list();
  }

  /** Adds a listener of log lines and invocations (the Lambda API, CloudWatch Logs and metrics). */
  observe(observer: RuntimeObserver): void {
    this.observers.add(observer);
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
    const fn = this.registry.configure(state, patch);
    this.pool.stopIdle(state);
    return fn;
  }

  /**
   * A published version: a snapshot of the function's current settings, invocable as
   * `<name>:<version>` (or its ARN), with workers of its own.
   */
  addVersion(functionRef: string, version: string): LocalFunction {
    this.resolve(functionRef);
    return this.registry.addVersion(functionRef, version).fn;
  }

  /** Deletes a published version: its workers are stopped (busy ones when their invocation ends). */
  removeVersion(functionRef: string, version: string): void {
    this.resolve(functionRef);
    const state = this.registry.removeVersion(functionRef, version);
    if (state) this.pool.stopIdle(state);
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
    return execute(this.context, state, event, randomUUID(), 'sync');
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
    this.asyncInvocations.start(this.resolve(functionRef), event);
  }

  /**
   * Retires the execution environments of a function whose bundle was replaced
   * (hot reload): idle ones stop now, busy ones when their invocation ends (it
   * finishes on the old code); the next invocation cold-starts on the new bundle.
   */
  retire(functionRef: string): void {
    this.pool.retire(this.resolve(functionRef));
  }

  /** Resolves when no asynchronous invocation is running, waiting to retry, or being dead-lettered. */
  async idle(): Promise<void> {
    await this.asyncInvocations.idle();
  }

  /** Kills every worker, cancels pending retries and flushes the records file. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.invocations.stopWriting();
    this.asyncInvocations.stop();
    await this.pool.stop(this.registry.states());
    await this.idle();
    await this.invocations.close();
  }

  private resolve(functionRef: string): FunctionState {
    if (this.stopped) throw new Error('The local Lambda runtime is stopped');
    return this.registry.resolve(functionRef);
  }
}
