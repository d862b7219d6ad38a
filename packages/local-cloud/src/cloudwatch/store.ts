/**
 * CloudWatch metrics in memory: a series per namespace, metric name and dimension set
 * (dimensions sorted by name, as CloudWatch identifies a metric), each a list of
 * datapoints (raw values with counts, or a statistic set). Memory is bounded: a series
 * keeps its last MAX_POINTS_PER_SERIES datapoints, the store MAX_SERIES series.
 */
export const MAX_POINTS_PER_SERIES = 50_000;
export const MAX_SERIES = 10_000;

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** One PutMetricData datum, or one value a function's record or EMF line gave. */
export interface Datapoint {
  readonly timestamp: number;
  readonly unit: string;
  /** Raw values and how often each occurred (absent for a statistic set). */
  readonly values?: readonly number[];
  readonly counts?: readonly number[];
  readonly stats?: { readonly SampleCount: number; readonly Sum: number; readonly Minimum: number; readonly Maximum: number };
}

export interface Series {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  readonly points: Datapoint[];
  lastPut: number;
}

export function sortDimensions(dimensions: readonly Dimension[]): Dimension[] {
  return [...dimensions].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function keyOf(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  return JSON.stringify([namespace, metricName, sortDimensions(dimensions).map((d) => [d.Name, d.Value])]);
}

export class MetricStore {
  private readonly series = new Map<string, Series>();

  put(namespace: string, metricName: string, dimensions: readonly Dimension[], point: Datapoint): void {
    const key = keyOf(namespace, metricName, dimensions);
    let series = this.series.get(key);
    if (!series) {
      series = { namespace, metricName, dimensions: sortDimensions(dimensions), points: [], lastPut: 0 };
      this.series.set(key, series);
      if (this.series.size > MAX_SERIES) this.series.delete(this.series.keys().next().value!);
    }
    series.points.push(point);
    series.lastPut = Date.now();
    if (series.points.length > MAX_POINTS_PER_SERIES) series.points.splice(0, series.points.length - MAX_POINTS_PER_SERIES);
  }

  /** The series with exactly these dimensions (CloudWatch matches a metric by all of them). */
  get(namespace: string, metricName: string, dimensions: readonly Dimension[]): Series | undefined {
    return this.series.get(keyOf(namespace, metricName, dimensions));
  }

  all(): Series[] {
    return [...this.series.values()];
  }
}
