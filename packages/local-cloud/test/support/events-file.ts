/**
 * The NDJSON files fixture functions append to (the `record-events` and `sqs-consumer`
 * assets write every event they get to `$EVENTS_FILE`; the local cloud writes its
 * invocation records the same way), read the same way by every fixture test.
 *
 * Guarantees: a file not written yet reads as no lines; blank lines are skipped; each
 * line is parsed as JSON. `EventsFile` owns a fresh temporary folder, removed by `remove`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually } from './eventually';

/** Every line of an NDJSON file, parsed; none when the file does not exist yet. */
export function ndjsonLines<T = any>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The lines of `file` once it holds at least `count` (the local cloud writes records in batches). */
export function ndjsonLinesWhen<T = any>(file: string, count: number, timeoutMs = 10_000): Promise<T[]> {
  return eventually(
    `${count} lines in ${file}`,
    () => {
      const lines = ndjsonLines<T>(file);
      return lines.length >= count ? lines : undefined;
    },
    timeoutMs,
  );
}

/** A file a fixture function appends its events to: give `path` as its `EVENTS_FILE`. */
export class EventsFile {
  private readonly dir: string;
  readonly path: string;

  /** `name` prefixes the temporary folder (e.g. the fixture's name). */
  constructor(name: string) {
    this.dir = mkdtempSync(path.join(tmpdir(), `${name}-events-`));
    this.path = path.join(this.dir, 'events.ndjson');
  }

  /** Every event the function got so far, oldest first. */
  events(): any[] {
    return ndjsonLines(this.path);
  }

  /** The `Records` of every event so far, in order (queue, stream and topic events carry them). */
  records(): any[] {
    return this.events().flatMap((event) => event.Records);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
