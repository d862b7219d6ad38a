/**
 * The NDJSON file every InvocationRecord is appended to (`<state dir>/invocations.ndjson`),
 * kept within its retention (records-retention.ts).
 *
 * Guarantees: records are appended in the order given, batched (one write per
 * RECORDS_FLUSH_MS, not one per invocation); the file is pruned when this writer starts
 * and again whenever it holds more than `pruneThreshold` records, with the file closed
 * meanwhile (records given during a prune wait and are appended after it, none lost);
 * a prune that fails is logged and appending goes on; `close` writes every pending record.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { InvocationRecord } from '../types';
import type { LogSink } from './execution-environment';
import { pruneRecordsFile, pruneThreshold, resolveRetention, type RecordsRetention } from './records-retention';

/** How long an invocation record may wait to be written with others (one file write per batch). */
const RECORDS_FLUSH_MS = 20;

export class RecordsFile {
  private readonly retention: Required<RecordsRetention>;
  /** The file, opened for appending on first use (and again after each prune). */
  private stream: WriteStream | undefined;
  /** Records not yet written: they go out together every RECORDS_FLUSH_MS, not one write each. */
  private pending = '';
  private pendingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Records in the file: what the last prune kept plus what was appended since. */
  private recordsInFile = 0;
  private pruning: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly log: LogSink,
    retention?: RecordsRetention,
  ) {
    this.retention = resolveRetention(retention);
    this.prune();
  }

  /** Queues the record for the file (unless `stopWriting` was called). */
  append(record: InvocationRecord): void {
    if (this.closed) return;
    this.pending += `${JSON.stringify(record)}\n`;
    this.pendingCount++;
    this.timer ??= setTimeout(() => this.flush(), RECORDS_FLUSH_MS);
  }

  /** Writes the pending records now (after the prune, when one is running). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pruning || !this.pending) return;
    this.out().write(this.pending);
    this.recordsInFile += this.pendingCount;
    this.pending = '';
    this.pendingCount = 0;
    if (this.recordsInFile >= pruneThreshold(this.retention)) this.prune();
  }

  /** Stops queueing records; pending ones are written by `close`. */
  stopWriting(): void {
    this.closed = true;
  }

  /** Waits for a running prune, writes what is pending and closes the file. */
  async close(): Promise<void> {
    this.flush();
    while (this.pruning) await this.pruning; // its end writes what waited, and may start another
    await this.closeStream();
  }

  private prune(): void {
    this.pruning = (async () => {
      await this.closeStream();
      try {
        const { kept, dropped } = await pruneRecordsFile(this.file, this.retention);
        this.recordsInFile = kept;
        if (dropped > 0) {
          const { maxAgeDays, maxRecords } = this.retention;
          this.log(
            `[local] pruned ${this.file}: dropped ${dropped} records, kept the newest ${kept} (at most ${maxRecords}, of the last ${maxAgeDays} days)`,
          );
        }
      } catch (error) {
        this.recordsInFile = 0; // not retried on every batch: the next try is a threshold's worth of records later
        this.log(`[local] cannot prune ${this.file}: ${String(error)}`);
      }
    })().finally(() => {
      this.pruning = undefined;
      this.flush();
    });
  }

  private out(): WriteStream {
    if (this.stream) return this.stream;
    const { file } = this;
    mkdirSync(path.dirname(file), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', (error) => this.log(`[local] cannot append to ${file}: ${String(error)}`));
    return this.stream;
  }

  private async closeStream(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}
