/**
 * What every invocation leaves: END and REPORT lines as Lambda writes them, and an
 * `InvocationRecord` kept in memory and appended to the records file (records-file.ts,
 * which batches the writes and prunes the file by its retention).
 */
import type { InvocationRecord, InvokeResult } from '../types';
import type { LambdaError, LogSink } from './execution-environment';
import type { LocalFunction } from './functions';
import { RecordsFile } from './records-file';
import type { RecordsRetention } from './records-retention';

export class InvocationRecords {
  private readonly recordList: InvocationRecord[] = [];
  private readonly file: RecordsFile | undefined;

  constructor(
    file: string | undefined,
    private readonly log: LogSink,
    retention?: RecordsRetention,
  ) {
    this.file = file === undefined ? undefined : new RecordsFile(file, log, retention);
  }

  /** Every invocation that ran so far, oldest first. */
  all(): readonly InvocationRecord[] {
    return [...this.recordList];
  }

  /**
   * Logs END and REPORT (to `log`, default the runtime's sink), keeps the record and queues
   * it for the records file (unless closed).
   */
  report(fn: LocalFunction, record: InvocationRecord, error: LambdaError | undefined, log: LogSink = this.log): void {
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
    log(`[${fn.displayName}] END RequestId: ${record.requestId}`);
    log(`[${fn.displayName}] ${fields.join('\t')}`);

    this.recordList.push(record);
    this.file?.append(record);
  }

  /** Stops queueing records for the file; pending ones are written by `close`. */
  stopWriting(): void {
    this.file?.stopWriting();
  }

  /** Writes what is pending and closes the file. */
  async close(): Promise<void> {
    await this.file?.close();
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
