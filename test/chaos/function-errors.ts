/**
 * How many invocations of each function of the stack failed, as an operator
 * reads it: the `AWS/Lambda` `Errors` metric (ListFunctions, then
 * GetMetricStatistics per function). A scenario takes a reading before and
 * after; the difference is the failed attempts its faults caused, each one
 * retried by Lambda, its event source or its client, or dead-lettered.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';

const lambda = new LambdaClient({});
const cloudwatch = new CloudWatchClient({});
const HOUR_MS = 3_600_000;

/** Errors so far today (a window of ±12 h around now), per function name. */
export async function functionErrors(): Promise<Record<string, number>> {
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }));
  const errors: Record<string, number> = {};
  for (const { FunctionName } of Functions) {
    const { Datapoints = [] } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: FunctionName! }],
        StartTime: new Date(Date.now() - 12 * HOUR_MS),
        EndTime: new Date(Date.now() + 12 * HOUR_MS),
        Period: 24 * 3600,
        Statistics: ['Sum'],
      }),
    );
    errors[FunctionName!] = Datapoints.reduce((sum, d) => sum + (d.Sum ?? 0), 0);
  }
  return errors;
}

/** The failed invocations between two readings, per function (the stack's prefix cut off), nonzero only. */
export function failedSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const failed: Record<string, number> = {};
  for (const [name, count] of Object.entries(after)) {
    const delta = count - (before[name] ?? 0);
    if (delta > 0) failed[name.replace(/^.*?-(?=[A-Z])/, '')] = delta;
  }
  return failed;
}
