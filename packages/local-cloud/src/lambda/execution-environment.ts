/**
 * One execution environment: a forked worker.mjs (Node.js runtimes, and every
 * function the local cloud refuses, which fails its INIT with the reason) or
 * python-bootstrap.py (Python runtimes) that imports the function's code once
 * (INIT), then runs one invocation at a time over the IPC channel, killed past
 * the function's timeout; its output becomes the function's log lines.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InvocationRecord, InvokeResult } from '../types';
import type { LocalFunction } from './functions';
import { runtimeKind } from './runtimes';

/** The Python runtime's bootstrap: the worker protocol of worker.mjs, over the same IPC channel. */
const PYTHON_BOOTSTRAP = path.join(__dirname, 'python-bootstrap.py');

/** Starts the process of one execution environment of `fn` (see the file comment). */
function startRuntime(fn: LocalFunction, script: string, env: Record<string, string>): ChildProcess {
  const kind = runtimeKind(fn.runtime);
  const stdio: ['ignore', 'pipe', 'pipe', 'ipc'] = ['ignore', 'pipe', 'pipe', 'ipc'];
  if (fn.notRunnable === undefined && 'kind' in kind && kind.kind === 'python') {
    // -u: unbuffered, so output written just before a crash is not lost.
    return spawn(kind.command, ['-u', PYTHON_BOOTSTRAP], { cwd: fn.bundleDir, env, stdio, serialization: 'json' });
  }
  const providesSdk = 'kind' in kind && kind.kind === 'node' && kind.providesSdkV3;
  const args = fn.notRunnable !== undefined ? ['--refuse', fn.notRunnable] : providesSdk ? ['--runtime-sdk'] : [];
  return fork(script, args, {
    cwd: fn.notRunnable === undefined ? fn.bundleDir : undefined,
    env,
    execArgv: [
      '--enable-source-maps',
      `--max-old-space-size=${fn.memorySizeMb}`,
      ...(process.env.PROF_WORKERS ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/wcpu', '--require', '/tmp/prof/sigterm.cjs'] : []),
    ],
    stdio,
  });
}

/** Receives one line of output (no trailing newline): function logs, START/END/REPORT. */
export type LogSink = (line: string) => void;

export const KILL_SIGNAL = 'SIGKILL';

export type LambdaError = NonNullable<InvokeResult['error']>;

export type Outcome =
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
export class Worker {
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
    this.child = startRuntime(fn, script, env);
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

/** An X-Ray trace header like the one Lambda sets per invocation (`_X_AMZN_TRACE_ID`). */
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const random = randomBytes(24).toString('hex');
  return `Root=1-${epoch}-${random.slice(0, 24)};Parent=${random.slice(24, 40)};Sampled=0;Lineage=1:${random.slice(40)}:0`;
}
