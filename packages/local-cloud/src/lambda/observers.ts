/**
 * Who listens to the Lambda runtime (the Lambda API's log tails, CloudWatch Logs and
 * metrics, the console), and what they hear.
 *
 * Guarantees: every line goes to the log sink first, then (without the runtime's
 * `[name] ` prefix, with its function version, log stream and request) to every observer
 * in the order they were added; every invocation that ran or was throttled is handed to
 * every observer once.
 */
import type { InvocationRecord } from '../types';
import type { LambdaError, LogSink } from './execution-environment';
import type { LocalFunction } from './functions';

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

/** The function version a line or an invocation belongs to. */
export interface ObservedFunction {
  readonly fn: LocalFunction;
  readonly version: string;
}

/** The log stream a line goes to and the request it belongs to. */
export interface ObservedStream {
  readonly streamName: string;
  readonly requestId: string | undefined;
}

export class RuntimeObservers {
  private readonly observers: RuntimeObserver[] = [];

  constructor(private readonly log: LogSink) {}

  add(observer: RuntimeObserver): void {
    this.observers.push(observer);
  }

  /** Writes a line to the log sink and hands it, with its stream and request, to the observers. */
  line(source: ObservedFunction, stream: ObservedStream, line: string): void {
    this.log(line);
    if (this.observers.length === 0) return;
    const prefix = `[${source.fn.displayName}] `;
    const message = line.startsWith(prefix) ? line.slice(prefix.length) : line;
    const entry: FunctionLogLine = {
      fn: source.fn,
      version: source.version,
      streamName: stream.streamName,
      requestId: stream.requestId,
      message,
      timestamp: Date.now(),
    };
    for (const observer of this.observers) observer.logLine?.(entry);
  }

  invocation(source: ObservedFunction, observation: Omit<InvocationObservation, 'fn' | 'version'>): void {
    for (const observer of this.observers) observer.invocation?.({ fn: source.fn, version: source.version, ...observation });
  }
}
