/**
 * CloudWatch's embedded metric format: a log line that is a JSON object with
 * `_aws.CloudWatchMetrics` (what Powertools Metrics writes) becomes datapoints, one per
 * metric and dimension set, its value (a number or a list) from the line's member of the
 * metric's name, dimension values from the line's members, at `_aws.Timestamp`.
 */
import type { Datapoint, Dimension } from './store';

export interface EmfDatum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  readonly point: Datapoint;
}

/** The datapoints of one log line; none when it is not an EMF document. */
export function emfData(message: string): EmfDatum[] {
  if (!message.includes('"_aws"')) return [];
  const start = message.indexOf('{');
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
    doc = parsed as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const timestamp = typeof aws.Timestamp === 'number' ? aws.Timestamp : Date.now();
  const out: EmfDatum[] = [];
  for (const directive of aws.CloudWatchMetrics as Record<string, unknown>[]) {
    const namespace = directive?.Namespace;
    if (typeof namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const sets = Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]) : [[]];
    for (const metric of directive.Metrics as Record<string, unknown>[]) {
      const name = metric?.Name;
      if (typeof name !== 'string') continue;
      const raw = doc[name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length === 0) continue;
      const unit = typeof metric.Unit === 'string' ? metric.Unit : 'None';
      for (const set of sets) {
        if (!Array.isArray(set)) continue;
        const dimensions: Dimension[] = [];
        for (const key of set)
          if (typeof key === 'string' && doc[key] !== undefined) dimensions.push({ Name: key, Value: String(doc[key]) });
        if (dimensions.length !== set.length) continue; // a dimension with no value: CloudWatch drops the set
        out.push({ namespace, metricName: name, dimensions, point: { timestamp, unit, values } });
      }
    }
  }
  return out;
}
