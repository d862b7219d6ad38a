/**
 * One invocation of one function version, from the event to its record: what Lambda does
 * between accepting a call and answering it.
 *
 * Guarantees: a synchronous request or response over 6 MB fails as Lambda fails it
 * (`RequestEntityTooLargeException` before running, `Function.ResponseSizeTooLarge`
 * after); a Chaos API `error` fault fails it unrun and a `kill` fault kills its worker
 * (chaos-kill.ts); a throttled call is observed and answered `TooManyRequestsException`;
 * a cold start's INIT is bounded by `initTimeoutMs` and reported as `initDurationMs`;
 * START, END and REPORT go to the worker's log stream; every invocation that ran is
 * recorded, its billed duration including INIT, and observed.
 */
import { performance } from 'node:perf_hooks';
import type { InvocationFault, InvocationFaults, InvocationRecord, InvokeResult } from '../types';
import { invokeThenKill } from './chaos-kill';
import type { LambdaError, LogSink, Outcome, Worker } from './execution-environment';
import type { FunctionState } from './function-registry';
import type { RuntimeObservers } from './observers';
import { notRunRecord, round2, throttledResult, type InvocationRecords } from './records';
import { ThrottledError, type WorkerMeta, type WorkerPool } from './worker-pool';

/** Lambda's limit on a synchronous request and response payload. */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** What an invocation runs with. */
export interface InvocationContext {
  readonly pool: WorkerPool;
  readonly observers: RuntimeObservers;
  readonly records: InvocationRecords;
  readonly faults: InvocationFaults | undefined;
  readonly log: LogSink;
  /** Longest INIT phase (spawn and import). */
  readonly initTimeoutMs: number;
}

export async function execute(
  context: InvocationContext,
  state: FunctionState,
  event: unknown,
  requestId: string,
  mode: 'sync' | 'async',
): Promise<InvokeResult> {
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
  const fault = context.faults?.invocationFault(fn);
  if (fault?.kind === 'error') {
    const error = { errorType: fault.errorType, errorMessage: fault.errorMessage };
    const record = notRunRecord(fn, requestId);
    context.records.report(fn, record, error);
    return { error, record };
  }
  let worker: Worker;
  try {
    worker = await context.pool.acquire(state, mode);
  } catch (error) {
    if (error instanceof ThrottledError) {
      context.log(
        `[${fn.displayName}] throttled (TooManyRequestsException): its ${fn.reservedConcurrency} reserved concurrent executions are busy`,
      );
      const throttled = throttledResult(fn, requestId);
      context.observers.invocation(state, { record: throttled.record, error: throttled.error, throttled: true, concurrent: state.running });
      return throttled;
    }
    throw error;
  }

  const timestamp = new Date().toISOString();
  const concurrent = state.running;
  const meta = context.pool.metaOf(worker);
  meta.requestId = requestId;
  let ran: { outcome: Outcome; initDurationMs: number | undefined };
  try {
    ran = await runInWorker(context, state, worker, meta, requestId, eventJson, fault);
  } finally {
    context.pool.release(state, worker);
  }
  meta.requestId = requestId; // END and REPORT belong to it (release cleared it for the next call)

  const { payload, error, status } = settle(ran.outcome, mode);
  const durationMs = round2(ran.outcome.durationMs);
  const { initDurationMs } = ran;
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
    maxMemoryUsedMb: Math.min(fn.memorySizeMb, Math.max(1, ran.outcome.maxMemoryMb)),
    status,
  };
  try {
    context.records.report(fn, record, error, (line) => context.observers.line(state, meta, line));
  } finally {
    meta.requestId = undefined;
  }
  context.observers.invocation(state, { record, error, throttled: false, concurrent });
  return error ? { error, record } : { payload, record };
}

/** The INIT phase when the worker is cold, START, then the handler (or why it could not run). */
async function runInWorker(
  context: InvocationContext,
  state: FunctionState,
  worker: Worker,
  meta: WorkerMeta,
  requestId: string,
  eventJson: string,
  fault: InvocationFault | undefined,
): Promise<{ outcome: Outcome; initDurationMs: number | undefined }> {
  const { fn } = state;
  let initDurationMs: number | undefined;
  let initFailure: Outcome | undefined;
  if (worker.cold) {
    const initError = await withTimeout(worker.ready, context.initTimeoutMs);
    initDurationMs = worker.initDurationMs ?? performance.now() - worker.spawnedAt;
    worker.cold = false;
    if (initError === 'timeout') {
      worker.kill();
      const seconds = (context.initTimeoutMs / 1000).toFixed(2);
      initFailure = {
        kind: 'error',
        status: 'timeout',
        durationMs: 0,
        maxMemoryMb: worker.lastMemoryMb,
        error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` },
      };
    } else if (initError) {
      context.observers.line(state, meta, `[${fn.displayName}] INIT failed: ${initError.errorType}: ${initError.errorMessage}`);
      initFailure = { kind: 'error', status: 'error', durationMs: 0, maxMemoryMb: worker.lastMemoryMb, error: initError };
    }
  }
  context.observers.line(state, meta, `[${fn.displayName}] START RequestId: ${requestId} Version: ${state.version}`);
  let outcome: Outcome;
  if (initFailure) outcome = initFailure;
  else if (worker.alive && fault?.kind === 'kill')
    outcome = await invokeThenKill({ fn, worker, accessKeyId: meta.accessKeyId }, context.faults!, context.log, requestId, eventJson);
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
  return { outcome, initDurationMs };
}

/** The answer an outcome gives: the parsed payload, or the error (a synchronous response over 6 MB is one). */
function settle(outcome: Outcome, mode: 'sync' | 'async'): { payload?: unknown; error?: LambdaError; status: InvocationRecord['status'] } {
  if (outcome.kind !== 'result') return { error: outcome.error, status: outcome.status };
  if (mode === 'sync' && Buffer.byteLength(outcome.payload) > SYNC_PAYLOAD_LIMIT) {
    return {
      status: 'error',
      error: {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).`,
      },
    };
  }
  return { payload: JSON.parse(outcome.payload), status: 'success' };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
