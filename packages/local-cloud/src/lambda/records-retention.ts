/**
 * How long the invocation records file keeps its records, and the rewrite that prunes it.
 *
 * Guarantees: a pruned file keeps, in file (append) order, the newest `maxRecords` of the
 * records whose `timestamp` is within `maxAgeDays`; lines that are not records (a line cut
 * short when a run was killed mid-write) are dropped; every kept line ends with a newline.
 * The rewrite is atomic: the kept lines go to a temporary file beside the records file,
 * which is flushed to disk and renamed over it, so a kill leaves either the old file or the
 * new one, never half of one. Lines another process appends while the file is read are
 * copied onto the new file before the rename; the newest records are never lost.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface RecordsRetention {
  /** Records older than this are dropped when the file is pruned. Default 7 days. */
  readonly maxAgeDays?: number;
  /** At most this many records are kept, the newest. Default 100,000. */
  readonly maxRecords?: number;
}

export const DEFAULT_RECORDS_RETENTION: Required<RecordsRetention> = { maxAgeDays: 7, maxRecords: 100_000 };

const DAY_MS = 86_400_000;

/** The retention with its defaults filled in; refuses a non-positive age or count. */
export function resolveRetention(retention: RecordsRetention = {}): Required<RecordsRetention> {
  const resolved = { ...DEFAULT_RECORDS_RETENTION, ...retention };
  if (!(resolved.maxAgeDays > 0)) throw new Error(`records retention must be a positive number of days, got ${resolved.maxAgeDays}`);
  if (!Number.isInteger(resolved.maxRecords) || resolved.maxRecords < 1)
    throw new Error(`records retention must keep a whole number of at least 1 record, got ${resolved.maxRecords}`);
  return resolved;
}

/**
 * How many records the file may hold before it is pruned again while the cloud runs: the
 * cap plus a tenth of it, so a busy cloud rewrites the file once per tenth of the cap, not
 * on every batch.
 */
export function pruneThreshold(retention: Required<RecordsRetention>): number {
  return retention.maxRecords + Math.max(1, Math.ceil(retention.maxRecords / 10));
}

/** Whether one line of the file is a record young enough to keep (at or after `cutoffMs`). */
export function isRetained(line: string, cutoffMs: number): boolean {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null) return false;
  const { timestamp } = value as { timestamp?: unknown };
  if (typeof timestamp !== 'string') return false;
  const time = Date.parse(timestamp);
  return !Number.isNaN(time) && time >= cutoffMs;
}

/** The pure rule, fed one line at a time: the lines a prune keeps, in order (see the file's guarantees). */
export class RetainedLines {
  private readonly cutoff: number;
  private readonly limit: number;
  private lines: string[] = [];
  /** Every line offered. */
  offered = 0;

  constructor(retention: RecordsRetention, now: number) {
    const { maxAgeDays, maxRecords } = resolveRetention(retention);
    this.cutoff = now - maxAgeDays * DAY_MS;
    this.limit = maxRecords;
  }

  offer(line: string): void {
    this.offered++;
    if (!isRetained(line, this.cutoff)) return;
    this.lines.push(line);
    // Memory stays under twice the cap however long the file is.
    if (this.lines.length >= 2 * this.limit) this.lines = this.lines.slice(-this.limit);
  }

  kept(): string[] {
    return this.lines.slice(-this.limit);
  }
}

/** The lines of a records file a prune keeps, in order. */
export function retainedLines(lines: Iterable<string>, retention: RecordsRetention, now: number): string[] {
  const retained = new RetainedLines(retention, now);
  for (const line of lines) retained.offer(line);
  return retained.kept();
}

export interface PruneOutcome {
  /** Records in the file after the prune. */
  readonly kept: number;
  /** Lines dropped: records too old or beyond the cap, and lines that were not records. */
  readonly dropped: number;
}

export interface PruneOptions {
  /** The time records' ages are measured from (default: now). */
  readonly now?: number;
  /** Runs once the file is read, before the rewrite (tests append there, as another writer would). */
  readonly afterRead?: () => void | Promise<void>;
}

/**
 * Prunes the records file by the retention (see the file's guarantees). A missing file is
 * nothing to prune; a file with nothing to drop is left as it is.
 */
export async function pruneRecordsFile(file: string, retention: RecordsRetention, options: PruneOptions = {}): Promise<PruneOutcome> {
  await removeStaleTemporaries(file);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kept: 0, dropped: 0 };
    throw error;
  }
  const retained = new RetainedLines(retention, options.now ?? Date.now());
  let lastChar = '';
  if (size > 0) {
    const input = createReadStream(file, { start: 0, end: size - 1, encoding: 'utf8' });
    input.on('data', (chunk) => (lastChar = (chunk as string).at(-1) ?? lastChar));
    for await (const line of createInterface({ input, crlfDelay: Infinity })) retained.offer(line);
  }
  await options.afterRead?.();
  const kept = retained.kept();
  const dropped = retained.offered - kept.length;
  if (dropped === 0 && (size === 0 || lastChar === '\n')) return { kept: kept.length, dropped: 0 };
  await rewriteAtomically(file, kept, size);
  return { kept: kept.length, dropped };
}

/** Writes the lines to `<file>.<pid>.prune`, copies what was appended past `readUpTo` since, flushes it and renames it over `file`. */
async function rewriteAtomically(file: string, lines: readonly string[], readUpTo: number): Promise<void> {
  const temporary = `${file}.${process.pid}.prune`;
  const out = await open(temporary, 'w', 0o644);
  try {
    const body = lines.length ? `${lines.join('\n')}\n` : '';
    await out.writeFile(body, 'utf8');
    for (let copied = readUpTo; ;) {
      const now = (await stat(file)).size;
      if (now <= copied) break;
      const source = await open(file, 'r');
      try {
        const tail = Buffer.alloc(now - copied);
        const { bytesRead } = await source.read(tail, 0, tail.length, copied);
        await out.write(tail, 0, bytesRead);
        copied += bytesRead;
      } finally {
        await source.close();
      }
    }
    await out.sync();
  } catch (error) {
    await out.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await out.close();
  await rename(temporary, file);
}

/** Removes temporaries of prunes whose process died mid-rewrite (`<file>.<pid>.prune` of a pid no longer running). */
async function removeStaleTemporaries(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.prune$/.exec(name.slice(prefix.length)) : null;
    if (match && !processRuns(Number(match[1]))) await rm(path.join(dir, name), { force: true });
  }
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return false; // this process prunes one file at a time: a leftover of its own is stale
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
