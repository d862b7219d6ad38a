/** CloudWatch's period and statistic semantics on datapoints whose answers are worked out by hand. */
import { alignStart, bucketize, checkPeriod, statistic } from '../../../src/cloudwatch/statistics';
import type { Datapoint } from '../../../src/cloudwatch/store';

const point = (timestamp: number, values: number[], counts?: number[]): Datapoint => ({
  timestamp,
  unit: 'Count',
  values,
  ...(counts ? { counts } : {}),
});

it('computes the basic statistics and nearest-rank percentiles, counts included', () => {
  const points = [point(0, [1, 2, 3]), point(1, [10], [7])];
  expect(statistic(points, 'SampleCount')).toBe(10);
  expect(statistic(points, 'Sum')).toBe(76);
  expect(statistic(points, 'Average')).toBe(7.6);
  expect(statistic(points, 'Minimum')).toBe(1);
  expect(statistic(points, 'Maximum')).toBe(10);
  expect(statistic(points, 'p30')).toBe(3);
  expect(statistic(points, 'p31')).toBe(10);
  expect(statistic(points, 'p99.9')).toBe(10);
});

it('has no percentile over a statistic set, as CloudWatch', () => {
  const set: Datapoint = { timestamp: 0, unit: 'Count', stats: { SampleCount: 2, Sum: 5, Minimum: 1, Maximum: 4 } };
  expect(statistic([set], 'Average')).toBe(2.5);
  expect(statistic([set], 'p50')).toBeUndefined();
});

it('groups datapoints into periods from the start rounded down to the minute, leaving empty ones out', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 30);
  expect(alignStart(start, 300)).toBe(Date.UTC(2026, 0, 1, 12, 0, 0));
  const points = [
    point(Date.UTC(2026, 0, 1, 12, 1), [1]),
    point(Date.UTC(2026, 0, 1, 12, 4, 59), [2]),
    point(Date.UTC(2026, 0, 1, 12, 11), [3]),
  ];
  const buckets = bucketize(points, start, Date.UTC(2026, 0, 1, 13), 300);
  expect(buckets.map((b) => [new Date(b.start).toISOString(), b.points.length])).toEqual([
    ['2026-01-01T12:00:00.000Z', 2],
    ['2026-01-01T12:10:00.000Z', 1],
  ]);
});

it('accepts the periods CloudWatch accepts', () => {
  for (const ok of [1, 5, 10, 20, 30, 60, 300, 86_400]) expect(() => checkPeriod(ok)).not.toThrow();
  for (const bad of [0, 2, 45, 90]) expect(() => checkPeriod(bad)).toThrow('The parameter Period must be');
});
