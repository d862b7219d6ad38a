/**
 * What every invocation leaves: END and REPORT lines as Lambda writes them, and
 * an `InvocationRecord` kept in memory and appended to the NDJSON records file
 * (batched: one write per RECORDS_FLUSH_MS, not one per invocation).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { InvocationRecord, InvokeResult } from '../types';
import type { LambdaError, LogSink } from './execution-environment';
import type { LocalFunction } from './functions';

/** How long an invocation record may wait to be written with others (one file write per batch). */
const RECORDS_FLUSH_MS = 20;

export class InvocationRecords {
  private readonly recordList: InvocationRecord[] = [];
  /** The records file, opened once for appending. */
  private recordsStream: WriteStream | undefined;
  /** Records not yet written: they go out together every RECORDS_FLUSH_MS, not one write each. */
  private pendingRecords = '';
  private recordsTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly file: string | undefined,
    private readonly log: LogSink,
  ) {}

  /** Every invocation that ran so far, oldest first. */
  all(): readonly InvocationRecord[] {
    return [...this.recordList];
  }

  /** Logs END and REPORT, keeps the record and queues it for the records file (unless closed). */
  report(fn: LocalFunction, record: InvocationRecord, error: LambdaError | undefined): void {
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
    if (!this.file || this.closed) return;
    this.pendingRecords += `${JSON.stringify(record)}\n`;
    this.recordsTimer ??= setTimeout(() => this.flush(), RECORDS_FLUSH_MS);
  }

  flush(): void {
    clearTimeout(this.recordsTimer);
    this.recordsTimer = undefined;
    if (this.pendingRecords) this.recordsOut()?.write(this.pendingRecords);
    this.pendingRecords = '';
  }

  /** The open records file (opened on first use); undefined without one. */
  private recordsOut(): WriteStream | undefined {
    const { file } = this;
    if (!file || this.recordsStream) return this.recordsStream;
    mkdirSync(path.dirname(file), { recursive: true });
    this.recordsStream = createWriteStream(file, { flags: 'a' });
    this.recordsStream.on('error', (error) => this.log(`[local] cannot append to ${file}: ${String(error)}`));
    return this.recordsStream;
  }

  /** Stops queueing records for the file; pending ones are written by `close`. */
  stopWriting(): void {
    this.closed = true;
  }

  /** Writes what is pending and closes the file. */
  async close(): Promise<void> {
    this.flush();
    const records = this.recordsStream;
    this.recordsStream = undefined;
    if (records) await new Promise<void>((resolve) => records.end(resolve));
  }
}

export function throttledResult(fn: LocalFunction, requestId: string): InvokeResult {
  return {
    error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
    record: notRunRecord(fn, requestId),
  };
}

/** The record of a call Lambda refused before running it (not billed, not persisted). */
export function notRunRecord(fn: LocalFunction, requestId: string): InvocationRecord {
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

export function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
