import { readFile } from 'node:fs/promises';
import type { InvocationRecord } from 'local-cloud';
import type { Architecture } from '#cost-domain/pricing';
import type { FunctionProfile, MemoryMeasurement } from '#cost-domain/recommendation';
import { mean, percentile } from '#cost-domain/stats';
import type { Progress, UsageSource } from '../../lambda/cost-optimizer/usage-source';

/** Where the local cloud appends one invocation record per line (an InvocationRecord each). */
export const DEFAULT_RECORDS_FILE = '.local-cloud/invocations.ndjson';

/**
 * The fields of the local cloud's InvocationRecord this source reads: the
 * local cloud's own type (type-only, nothing of it is loaded), checked line by
 * line when read, since the file may be cut short or written by anything.
 */
export type InvocationRecordLine = Pick<
  InvocationRecord,
  'timestamp' | 'functionName' | 'memorySizeMb' | 'durationMs' | 'billedDurationMs' | 'initDurationMs' | 'maxMemoryUsedMb' | 'status'
>;

export interface LocalRecordsSourceOptions {
  /** Any NDJSON file of invocation records (default `.local-cloud/invocations.ndjson`). */
  readonly file?: string;
  /** The local cloud does not record the architecture; ServiceFunction deploys arm64. */
  readonly architecture?: Architecture;
  /** Observation window; default: from the first record to the last one kept. */
  readonly windowHours?: number;
  /** Keep only records of this stack's functions (local names are `<stack>-<logical id>`). */
  readonly stackName?: string;
  /** Keep only records at or after this time. */
  readonly since?: Date;
}

/** The records a source's `stackName` and `since` keep. */
export function selectRecords(
  records: readonly InvocationRecordLine[],
  filter: Pick<LocalRecordsSourceOptions, 'stackName' | 'since'>,
): InvocationRecordLine[] {
  const prefix = filter.stackName === undefined ? undefined : `${filter.stackName}-`;
  const since = filter.since?.getTime();
  return records.filter(
    (r) => (prefix === undefined || r.functionName.startsWith(prefix)) && (since === undefined || Date.parse(r.timestamp) >= since),
  );
}

/** What reading a records file found, before it is turned into profiles. */
export interface ParsedRecords {
  readonly records: InvocationRecordLine[];
  /** Line numbers (1-based) that were not invocation records, e.g. a line cut short mid-write. */
  readonly skippedLines: number[];
}

/** Parses NDJSON invocation records; malformed lines are skipped and reported, never fatal. */
export function parseRecords(text: string): ParsedRecords {
  const records: InvocationRecordLine[] = [];
  const skippedLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skippedLines.push(i + 1);
      return;
    }
    if (isRecord(value)) records.push(value);
    else skippedLines.push(i + 1);
  });
  return { records, skippedLines };
}

function isRecord(v: unknown): v is InvocationRecordLine {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  return (
    typeof r.functionName === 'string' &&
    r.functionName !== '' &&
    typeof r.timestamp === 'string' &&
    !Number.isNaN(Date.parse(r.timestamp)) &&
    num(r.memorySizeMb) &&
    num(r.durationMs) &&
    num(r.billedDurationMs) &&
    (r.initDurationMs === undefined || num(r.initDurationMs)) &&
    (r.maxMemoryUsedMb === undefined || num(r.maxMemoryUsedMb)) &&
    (r.status === 'success' || r.status === 'error' || r.status === 'timeout')
  );
}

/**
 * Groups records by function and memory size. A function's current memory is
 * the size of its latest record; its usage statistics come from the records at
 * that size, and every size it ran at becomes a measurement, so records from
 * several deployments feed the power-tuning strategies.
 */
export function profilesFromRecords(
  records: readonly InvocationRecordLine[],
  architecture: Architecture,
  windowHours?: number,
): FunctionProfile[] {
  if (records.length === 0) return [];
  const times = records.map((r) => Date.parse(r.timestamp));
  const spanHours = (Math.max(...times) - Math.min(...times)) / 3_600_000;
  // A single burst still has a rate: never less than one minute.
  const window = windowHours ?? Math.max(spanHours, 1 / 60);
  const byFunction = new Map<string, InvocationRecordLine[]>();
  for (const r of records) byFunction.set(r.functionName, [...(byFunction.get(r.functionName) ?? []), r]);

  return [...byFunction.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([functionName, list]) => {
      const latest = list.reduce((a, b) => (Date.parse(b.timestamp) >= Date.parse(a.timestamp) ? b : a));
      const memoryMb = latest.memorySizeMb;
      const current = list.filter((r) => r.memorySizeMb === memoryMb);
      const durations = current.map((r) => r.durationMs);
      const bySize = new Map<number, InvocationRecordLine[]>();
      for (const r of list) bySize.set(r.memorySizeMb, [...(bySize.get(r.memorySizeMb) ?? []), r]);
      const measurements: MemoryMeasurement[] = [...bySize.entries()]
        .sort(([a], [b]) => a - b)
        .map(([size, rs]) => ({
          memoryMb: size,
          billedDurationsMs: rs.map((r) => r.billedDurationMs),
          initDurationsMs: rs.flatMap((r) => (r.initDurationMs === undefined ? [] : [r.initDurationMs])),
          errors: rs.filter((r) => r.status !== 'success').length,
        }));
      const used = current.flatMap((r) => (r.maxMemoryUsedMb === undefined ? [] : [r.maxMemoryUsedMb]));
      return {
        functionName,
        architecture,
        memoryMb,
        windowHours: window,
        invocations: current.length,
        errors: current.filter((r) => r.status !== 'success').length,
        throttles: 0,
        duration: {
          averageMs: mean(durations),
          p50Ms: percentile(durations, 50),
          p90Ms: percentile(durations, 90),
          maxMs: durations.length ? Math.max(...durations) : undefined,
        },
        ...(used.length ? { maxMemoryUsedMb: Math.max(...used) } : {}),
        measurements,
      };
    });
}

/** Usage from the local cloud's invocation records (any records file path). */
export class LocalRecordsSource implements UsageSource {
  readonly name: string;
  private readonly file: string;
  private resolvedWindowHours: number | undefined;

  constructor(private readonly options: LocalRecordsSourceOptions = {}) {
    this.file = options.file ?? DEFAULT_RECORDS_FILE;
    this.name = `local:${this.file}`;
    this.resolvedWindowHours = options.windowHours;
  }

  /** The window given, or (after collect) the span of the records read. */
  get windowHours(): number {
    return this.resolvedWindowHours ?? 0;
  }

  async collect(progress: Progress = () => {}): Promise<FunctionProfile[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(
          `No invocation records at ${this.file}: start the local cloud (npm start) and invoke some functions, or pass --records <file>`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const parsed = parseRecords(text);
    const { skippedLines } = parsed;
    const records = selectRecords(parsed.records, this.options);
    const filters = [
      ...(this.options.stackName !== undefined ? [`of stack ${this.options.stackName}`] : []),
      ...(this.options.since !== undefined ? [`since ${this.options.since.toISOString()}`] : []),
    ];
    progress(
      `Read ${parsed.records.length} invocation records from ${this.file}` +
        (filters.length ? `; ${records.length} ${filters.join(' ')}` : ''),
    );
    if (skippedLines.length) {
      progress(
        `Skipped ${skippedLines.length} lines that are not invocation records (line ${skippedLines.slice(0, 5).join(', ')}${skippedLines.length > 5 ? ', ...' : ''})`,
      );
    }
    const profiles = profilesFromRecords(records, this.options.architecture ?? 'arm64', this.options.windowHours);
    this.resolvedWindowHours ??= profiles[0]?.windowHours ?? 0;
    return profiles;
  }
}
