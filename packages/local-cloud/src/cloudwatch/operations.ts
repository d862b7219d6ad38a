/**
 * The CloudWatch metrics API (PutMetricData, GetMetricStatistics, GetMetricData,
 * ListMetrics), one table for both wire forms: AWS JSON 1.0 (the SDK v3 client, numbers
 * and epoch-second timestamps) and AWS Query (the AWS CLI, every value a string).
 * Outputs carry Dates and XmlMaps; the service renders them per protocol.
 */
import type { Dimension } from './store';
import { XmlMap } from '../protocol/xml';
import type { MetricStore } from './store';
import { BASIC_STATISTICS, bucketize, checkPeriod, invalidParameterValue, isStatistic, percentileOf, statistic } from './statistics';
import { AwsError } from '../protocol/errors';

type Input = Record<string, any>;

const missing = (name: string) =>
  new AwsError('MissingRequiredParameterException', `The parameter ${name} is required.`, 400, { queryCode: 'MissingParameter' });

function required(input: Input, name: string): any {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw missing(name);
  return value;
}

function num(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw invalidParameterValue(`The value ${String(value)} for parameter ${name} is invalid.`);
  return n;
}

/** A timestamp as either protocol sends it (epoch seconds, or ISO 8601), in ms. */
function time(value: unknown, name: string): number {
  if (typeof value === 'number') return value * 1000;
  const text = String(value);
  const ms = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw invalidParameterValue(`The value ${text} for parameter ${name} is invalid.`);
  return ms;
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function dimensionsOf(value: unknown): Dimension[] {
  return list<Input>(value).map((d) => {
    if (!d.Name || d.Value === undefined) throw invalidParameterValue('A dimension needs both Name and Value.');
    return { Name: String(d.Name), Value: String(d.Value) };
  });
}

function timeRange(input: Input): { start: number; end: number } {
  const start = time(required(input, 'StartTime'), 'StartTime');
  const end = time(required(input, 'EndTime'), 'EndTime');
  if (start >= end) throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  return { start, end };
}

export function cloudWatchOperations(store: MetricStore): Record<string, (input: Input) => object> {
  const putMetricData = (input: Input) => {
    const namespace = String(required(input, 'Namespace'));
    if (namespace.startsWith('AWS/')) throw invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid.`);
    const data = list<Input>(input.MetricData);
    if (data.length === 0) throw missing('MetricData');
    if (data.length > 1000) throw invalidParameterValue('The collection MetricData must not have a size greater than 1000.');
    for (const datum of data) {
      const metricName = String(required(datum, 'MetricName'));
      const timestamp = datum.Timestamp === undefined ? Date.now() : time(datum.Timestamp, 'Timestamp');
      const unit = datum.Unit ? String(datum.Unit) : 'None';
      const dimensions = dimensionsOf(datum.Dimensions);
      if (datum.StatisticValues) {
        const s = datum.StatisticValues as Input;
        const stats = {
          SampleCount: num(s.SampleCount, 'SampleCount'),
          Sum: num(s.Sum, 'Sum'),
          Minimum: num(s.Minimum, 'Minimum'),
          Maximum: num(s.Maximum, 'Maximum'),
        };
        store.put(namespace, metricName, dimensions, { timestamp, unit, stats });
      } else if (datum.Values !== undefined) {
        const values = list<unknown>(datum.Values).map((v) => num(v, 'Values'));
        const counts = list<unknown>(datum.Counts).map((v) => num(v, 'Counts'));
        if (counts.length && counts.length !== values.length) {
          throw invalidParameterValue('The parameters MetricData.member.N.Values and MetricData.member.N.Counts must be of the same size.');
        }
        store.put(namespace, metricName, dimensions, { timestamp, unit, values, ...(counts.length ? { counts } : {}) });
      } else {
        store.put(namespace, metricName, dimensions, { timestamp, unit, values: [num(required(datum, 'Value'), 'Value')] });
      }
    }
    return {};
  };

  const getMetricStatistics = (input: Input) => {
    const namespace = String(required(input, 'Namespace'));
    const metricName = String(required(input, 'MetricName'));
    const { start, end } = timeRange(input);
    const period = num(required(input, 'Period'), 'Period');
    checkPeriod(period);
    const statistics = list<string>(input.Statistics);
    const extended = list<string>(input.ExtendedStatistics);
    if (statistics.length === 0 && extended.length === 0) {
      throw new AwsError('InvalidParameterCombinationException', 'Must specify either Statistics or ExtendedStatistics.', 400, {
        queryCode: 'InvalidParameterCombination',
      });
    }
    for (const s of statistics)
      if (!(BASIC_STATISTICS as readonly string[]).includes(s))
        throw invalidParameterValue(`The value ${s} for parameter Statistics is invalid.`);
    for (const s of extended)
      if (percentileOf(s) === undefined) throw invalidParameterValue(`The value ${s} for parameter ExtendedStatistics is invalid.`);
    const periods = Math.ceil((end - start) / (period * 1000));
    if (periods > 1440) {
      throw new AwsError(
        'InvalidParameterCombinationException',
        `You have requested up to ${periods.toLocaleString('en-US')} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
        400,
        { queryCode: 'InvalidParameterCombination' },
      );
    }
    const series = store.get(namespace, metricName, dimensionsOf(input.Dimensions));
    const unitFilter = input.Unit ? String(input.Unit) : undefined;
    const points = (series?.points ?? []).filter((p) => !unitFilter || p.unit === unitFilter);
    const datapoints = bucketize(points, start, end, period).map((bucket) => {
      const out: Record<string, unknown> = { Timestamp: new Date(bucket.start) };
      for (const s of statistics) out[s] = statistic(bucket.points, s);
      if (extended.length) {
        const values: Record<string, number> = {};
        for (const s of extended) {
          const v = statistic(bucket.points, s);
          if (v !== undefined) values[s] = v;
        }
        out.ExtendedStatistics = new XmlMap(values);
      }
      out.Unit = unitFilter ?? bucket.points[0]?.unit ?? 'None';
      return out;
    });
    return { Label: metricName, Datapoints: datapoints };
  };

  const getMetricData = (input: Input) => {
    const { start, end } = timeRange(input);
    const queries = list<Input>(input.MetricDataQueries);
    if (queries.length === 0) throw missing('MetricDataQueries');
    if (queries.length > 500) throw invalidParameterValue('The collection MetricDataQueries must not have a size greater than 500.');
    const ascending = input.ScanBy === 'TimestampAscending';
    const results = queries.map((query) => {
      const id = String(required(query, 'Id'));
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
        throw invalidParameterValue(
          `The value ${id} for parameter MetricDataQueries.member.Id is invalid: it must start with a lowercase letter.`,
        );
      }
      if (query.Expression !== undefined) {
        throw invalidParameterValue(`The local cloud does not emulate metric math or Metrics Insights expressions (query ${id}).`);
      }
      const stat = query.MetricStat as Input | undefined;
      if (!stat) throw invalidParameterValue(`The query ${id} must have MetricStat or Expression.`);
      const metric = (stat.Metric ?? {}) as Input;
      const period = num(required(stat, 'Period'), 'Period');
      checkPeriod(period);
      const statName = String(required(stat, 'Stat'));
      if (!isStatistic(statName))
        throw invalidParameterValue(`The value ${statName} for parameter MetricDataQueries.member.MetricStat.Stat is invalid.`);
      const series = store.get(
        String(required(metric, 'Namespace')),
        String(required(metric, 'MetricName')),
        dimensionsOf(metric.Dimensions),
      );
      const unitFilter = stat.Unit ? String(stat.Unit) : undefined;
      const points = (series?.points ?? []).filter((p) => !unitFilter || p.unit === unitFilter);
      const rows = bucketize(points, start, end, period)
        .map((b) => [b.start, statistic(b.points, statName)] as const)
        .filter((row): row is readonly [number, number] => row[1] !== undefined);
      if (!ascending) rows.reverse();
      return {
        Id: id,
        Label: query.Label ?? String(metric.MetricName),
        Timestamps: rows.map(([t]) => new Date(t)),
        Values: rows.map(([, v]) => v),
        StatusCode: 'Complete',
      };
    });
    const returned = results.filter((_, i) => queries[i]!.ReturnData !== false && queries[i]!.ReturnData !== 'false');
    return { MetricDataResults: returned, Messages: [] };
  };

  const listMetrics = (input: Input) => {
    const filters = list<Input>(input.Dimensions).map((d) => ({
      Name: String(d.Name),
      Value: d.Value === undefined ? undefined : String(d.Value),
    }));
    const recentMs = input.RecentlyActive === 'PT3H' ? Date.now() - 3 * 3_600_000 : -Infinity;
    const offset = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidParameterValue('The value of NextToken is invalid.');
    const matching = store
      .all()
      .filter(
        (s) =>
          (!input.Namespace || s.namespace === input.Namespace) &&
          (!input.MetricName || s.metricName === input.MetricName) &&
          s.lastPut >= recentMs &&
          filters.every((f) => s.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value))),
      )
      .sort((a, b) => (a.namespace + a.metricName < b.namespace + b.metricName ? -1 : 1));
    const page = matching.slice(offset, offset + 500);
    return {
      Metrics: page.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions })),
      ...(offset + 500 < matching.length ? { NextToken: Buffer.from(String(offset + 500)).toString('base64url') } : {}),
    };
  };

  return {
    PutMetricData: putMetricData,
    GetMetricStatistics: getMetricStatistics,
    GetMetricData: getMetricData,
    ListMetrics: listMetrics,
  };
}
