/**
 * The worker processes (execution environments) of each function version.
 *
 * Guarantees: a worker serves one invocation at a time; `acquire` hands out an idle worker
 * (warm) and starts a new one (cold) only when none is idle; a function's reserved
 * concurrency is never exceeded (a synchronous call beyond it throws `ThrottledError`, an
 * asynchronous one waits) nor `maxWorkers` (calls beyond it wait for a free worker); a
 * released worker goes back to idle only when alive, of the current generation and not
 * retired, and is stopped after `idleTimeoutMs` idle; each worker has its own access key
 * id (how the edge, and the Chaos API, tell its calls apart) and its own log stream.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from './execution-environment';
import type { FunctionState } from './function-registry';
import { environmentOf } from './functions';
import type { ObservedFunction, ObservedStream } from './observers';

/** A synchronous call found every reserved concurrent execution busy. */
export class ThrottledError extends Error {}

/** What the runtime knows of one worker beyond the worker itself. */
export interface WorkerMeta extends ObservedStream {
  readonly streamName: string;
  readonly generation: number;
  /** The invocation it runs (its lines belong to it), undefined between invocations. */
  requestId: string | undefined;
  /** Its own access key id, shaped like Lambda's temporary ones. */
  readonly accessKeyId: string;
}

export interface WorkerPoolOptions {
  /** The edge endpoint, given to every function as `AWS_ENDPOINT_URL`. */
  readonly endpointUrl: string;
  readonly workerScript: string;
  /** Most workers per function version when no reserved concurrency limits it. */
  readonly maxWorkers: number;
  readonly idleTimeoutMs: number;
  /** Where a worker's lines go (the log sink and the observers). */
  readonly emit: (source: ObservedFunction, stream: ObservedStream, line: string) => void;
}

export class WorkerPool {
  private readonly meta = new WeakMap<Worker, WorkerMeta>();
  /** Workers of a replaced bundle (`retire`): they finish their invocation, then stop. */
  private readonly retired = new WeakSet<Worker>();
  private stopped = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** The worker's stream, request and access key. */
  metaOf(worker: Worker): WorkerMeta {
    return this.meta.get(worker)!;
  }

  /** Takes a worker for one invocation: an idle one (warm), or a new one (cold). */
  async acquire(state: FunctionState, mode: 'sync' | 'async'): Promise<Worker> {
    const limit = state.fn.reservedConcurrency;
    for (;;) {
      if (this.stopped) throw new Error('The local Lambda runtime is stopped');
      const throttled = limit !== undefined && state.running >= limit;
      if (throttled && mode === 'sync') throw new ThrottledError();
      if (!throttled && state.running < this.options.maxWorkers) break;
      await new Promise<void>((resolve) => state.waiters.push(resolve));
    }
    state.running++;
    let worker: Worker | undefined;
    while ((worker = state.idle.pop())) {
      clearTimeout(worker.idleTimer);
      if (worker.alive) return worker;
      state.workers.delete(worker);
    }
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const meta: WorkerMeta = {
      streamName: `${day}/[${state.version}]${randomBytes(16).toString('hex')}`,
      generation: state.generation,
      requestId: undefined,
      accessKeyId: workerAccessKeyId(),
    };
    const env = {
      ...environmentOf(state.fn, this.options.endpointUrl),
      AWS_ACCESS_KEY_ID: meta.accessKeyId,
      AWS_LAMBDA_FUNCTION_VERSION: state.version,
      AWS_LAMBDA_LOG_STREAM_NAME: meta.streamName,
    };
    worker = new Worker(state.fn, this.options.workerScript, env, (line) => this.options.emit(state, meta, line));
    this.meta.set(worker, meta);
    state.workers.add(worker);
    return worker;
  }

  /** Gives the worker back after its invocation: idle (warm) if it may serve again, else stopped. */
  release(state: FunctionState, worker: Worker): void {
    state.running--;
    const meta = this.meta.get(worker);
    if (meta) meta.requestId = undefined;
    if (worker.alive && !this.stopped && meta?.generation === state.generation && !this.retired.has(worker)) {
      worker.idleTimer = setTimeout(() => {
        const index = state.idle.indexOf(worker);
        if (index >= 0) state.idle.splice(index, 1);
        state.workers.delete(worker);
        worker.kill();
      }, this.options.idleTimeoutMs);
      worker.idleTimer.unref();
      state.idle.push(worker);
    } else {
      worker.kill();
      state.workers.delete(worker);
    }
    state.waiters.shift()?.();
  }

  /** Stops the function version's idle workers now; busy ones are stopped by `release` if their generation is old. */
  stopIdle(state: FunctionState): void {
    for (const worker of state.idle.splice(0)) {
      clearTimeout(worker.idleTimer);
      state.workers.delete(worker);
      worker.kill();
    }
  }

  /** Idle workers stop now, busy ones when their invocation ends (a replaced bundle). */
  retire(state: FunctionState): void {
    this.stopIdle(state);
    for (const worker of state.workers) this.retired.add(worker);
  }

  /** Kills every worker of these function versions and wakes their waiters (who then find the pool stopped). */
  async stop(states: readonly FunctionState[]): Promise<void> {
    this.stopped = true;
    const exits: Promise<unknown>[] = [];
    for (const state of states) {
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
  }
}

let workersStarted = 0;

/** A worker's own access key id, shaped like Lambda's temporary ones (`ASIA` + 16 characters). */
function workerAccessKeyId(): string {
  return `ASIA${(++workersStarted).toString(36).toUpperCase().padStart(16, '0')}`;
}
