/**
 * CloudWatch's period and statistic semantics: datapoints fall into periods that start
 * at the (rounded) start time; per period SampleCount, Sum, Average, Minimum, Maximum and
 * percentiles `pNN` / `pNN.NN` (nearest rank over the raw values; a period holding a
 * statistic set has no percentile, as CloudWatch). Periods without data are left out.
 */
import { AwsError } from '../protocol/errors';
import type { Datapoint } from './store';

export const BASIC_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;

export function invalidParameterValue(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message, 400, { queryCode: 'InvalidParameterValue' });
}

export function isStatistic(stat: string): boolean {
  return (BASIC_STATISTICS as readonly string[]).includes(stat) || percentileOf(stat) !== undefined;
}

/** `p99` -> 99, `p99.9` -> 99.9; undefined when not a percentile. */
export function percentileOf(stat: string): number | undefined {
  const m = /^p(\d{1,2}(?:\.\d{1,10})?|100)$/.exec(stat);
  return m ? Number(m[1]) : undefined;
}

/** Checks a period as CloudWatch does: 1, 5, 10, 20, 30 or a multiple of 60 seconds. */
export function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period < 1 || (period >= 60 ? period % 60 !== 0 : ![1, 5, 10, 20, 30].includes(period))) {
    throw invalidParameterValue(`The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60 (got ${period}).`);
  }
}

/** Start of the first period: rounded down to the whole minute (periods of 60 s and more) or to the period. */
export function alignStart(startMs: number, periodSeconds: number): number {
  const unit = periodSeconds >= 60 ? 60_000 : periodSeconds * 1000;
  return Math.floor(startMs / unit) * unit;
}

export interface Bucket {
  readonly start: number;
  readonly points: Datapoint[];
}

/** The datapoints in [start, end), grouped by period (oldest first; empty periods left out). */
export function bucketize(points: readonly Datapoint[], startMs: number, endMs: number, periodSeconds: number): Bucket[] {
  const first = alignStart(startMs, periodSeconds);
  const periodMs = periodSeconds * 1000;
  const buckets = new Map<number, Datapoint[]>();
  for (const point of points) {
    if (point.timestamp < first || point.timestamp >= endMs) continue;
    const start = first + Math.floor((point.timestamp - first) / periodMs) * periodMs;
    let list = buckets.get(start);
    if (!list) buckets.set(start, (list = []));
    list.push(point);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([start, list]) => ({ start, points: list }));
}

/** One statistic of one period's datapoints; undefined when it cannot be computed (a percentile over statistic sets). */
export function statistic(points: readonly Datapoint[], stat: string): number | undefined {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const raw: [number, number][] = [];
  let onlyRaw = true;
  for (const p of points) {
    if (p.stats) {
      onlyRaw = false;
      count += p.stats.SampleCount;
      sum += p.stats.Sum;
      min = Math.min(min, p.stats.Minimum);
      max = Math.max(max, p.stats.Maximum);
    }
    p.values?.forEach((value, i) => {
      const n = p.counts?.[i] ?? 1;
      count += n;
      sum += value * n;
      min = Math.min(min, value);
      max = Math.max(max, value);
      raw.push([value, n]);
    });
  }
  if (count === 0) return undefined;
  switch (stat) {
    case 'SampleCount':
      return count;
    case 'Sum':
      return sum;
    case 'Average':
      return sum / count;
    case 'Minimum':
      return min;
    case 'Maximum':
      return max;
  }
  const p = percentileOf(stat);
  if (p === undefined || !onlyRaw) return undefined;
  raw.sort((a, b) => a[0] - b[0]);
  const rank = Math.max(1, Math.ceil((p / 100) * count));
  let seen = 0;
  for (const [value, n] of raw) {
    seen += n;
    if (seen >= rank) return value;
  }
  return raw.at(-1)![0];
}
