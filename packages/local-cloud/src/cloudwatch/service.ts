/**
 * The local CloudWatch metrics, served at the edge as `monitoring` in both protocols
 * its clients speak (AWS JSON 1.0 with query-compatible errors: the SDK v3 client;
 * AWS Query: the AWS CLI). Fed by the Lambda runtime: `AWS/Lambda` Invocations, Errors,
 * Throttles, Duration and ConcurrentExecutions per function (dimension FunctionName;
 * FunctionName + Resource for a published version) and every EMF line a handler logs.
 */
import { jsonProtocol } from '../protocol/json';
import { queryProtocol } from '../protocol/query';
import { XmlMap } from '../protocol/xml';
import type { InvocationObservation, RuntimeObserver } from '../lambda/runtime';
import type { OperationTable } from '../protocol/operations';
import type { EdgeHandler } from '../types';
import { emfData } from './emf';
import { cloudWatchOperations } from './operations';
import { MetricStore, type Dimension } from './store';

export class CloudWatchService {
  readonly store = new MetricStore();
  /** JSON 1.0 first, then Query: each answers only calls in its protocol. */
  readonly handlers: readonly EdgeHandler[];
  /** Hand to `LambdaRuntime.observe`. */
  readonly observer: RuntimeObserver;

  constructor() {
    const operations = cloudWatchOperations(this.store);
    const jsonTable: OperationTable = Object.fromEntries(
      Object.entries(operations).map(([name, op]) => [name, (input: Record<string, unknown>) => toJsonWire(op(input))]),
    );
    this.handlers = [
      jsonProtocol({
        version: '1.0',
        targetPrefix: 'GraniteServiceVersion20100801',
        namespace: 'com.amazonaws.cloudwatch',
        queryCompatible: true,
        operations: jsonTable,
      }),
      queryProtocol({ xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/', operations }),
    ];
    this.observer = {
      invocation: (observation) => this.recordInvocation(observation),
      logLine: (line) => {
        for (const datum of emfData(line.message)) this.store.put(datum.namespace, datum.metricName, datum.dimensions, datum.point);
      },
    };
  }

  private recordInvocation({ fn, version, record, error, throttled, concurrent }: InvocationObservation): void {
    const timestamp = Date.parse(record.timestamp);
    const sets: Dimension[][] = [[{ Name: 'FunctionName', Value: fn.functionName }]];
    if (version !== '$LATEST') sets.push([...sets[0]!, { Name: 'Resource', Value: `${fn.functionName}:${version}` }]);
    const put = (name: string, unit: string, value: number) => {
      for (const dimensions of sets) this.store.put('AWS/Lambda', name, dimensions, { timestamp, unit, values: [value] });
    };
    if (throttled) {
      put('Throttles', 'Count', 1);
      return;
    }
    put('Invocations', 'Count', 1);
    put('Errors', 'Count', error ? 1 : 0);
    put('Throttles', 'Count', 0);
    put('Duration', 'Milliseconds', record.durationMs);
    put('ConcurrentExecutions', 'Count', concurrent);
  }
}

/** An output as AWS JSON carries it: timestamps in epoch seconds, maps as objects. */
function toJsonWire(value: unknown): any {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof XmlMap) return value.entries;
  if (Array.isArray(value)) return value.map(toJsonWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toJsonWire(v)]),
    );
  }
  return value;
}
