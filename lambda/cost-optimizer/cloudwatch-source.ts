import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-lambda';
import { GetResourcesCommand, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { FunctionProfile } from '#cost-domain/recommendation';
import type { Architecture } from '#cost-domain/pricing';
import { mapLimit } from '#shared/chunks';
import type { Progress, UsageSource } from './usage-source';

/** The tag CloudFormation puts on every resource of a stack. */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** GetMetricData accepts at most 500 queries a request. */
export const MAX_QUERIES_PER_REQUEST = 500;

const STATS = [
  { key: 'invocations', metric: 'Invocations', stat: 'Sum' },
  { key: 'errors', metric: 'Errors', stat: 'Sum' },
  { key: 'throttles', metric: 'Throttles', stat: 'Sum' },
  { key: 'avg', metric: 'Duration', stat: 'Average' },
  { key: 'p50', metric: 'Duration', stat: 'p50' },
  { key: 'p90', metric: 'Duration', stat: 'p90' },
  { key: 'max', metric: 'Duration', stat: 'Maximum' },
] as const;
type StatKey = (typeof STATS)[number]['key'];

export interface CloudWatchSourceOptions {
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  /** Finds the stack's functions with one paginated call; without it, ListFunctions + ListTags. */
  readonly tagging?: ResourceGroupsTaggingAPIClient;
  readonly stackName: string;
  /** Observation window (whole hours, ending at the last full hour). */
  readonly windowHours: number;
  readonly now?: () => Date;
}

/** A function found in the stack, with the configuration that prices it. */
export interface DeployedFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly architecture: Architecture;
}

/**
 * Usage of a deployed stack's functions from CloudWatch: the functions are the
 * ones tagged with the stack's name, and each gets Invocations, Errors,
 * Throttles (sums) and Duration (average, p50, p90, maximum) over the window
 * as one period. Every list and metric call is paginated to the end.
 */
export class CloudWatchUsageSource implements UsageSource {
  readonly name: string;
  readonly windowHours: number;

  constructor(private readonly options: CloudWatchSourceOptions) {
    if (!Number.isInteger(options.windowHours) || options.windowHours < 1) {
      throw new RangeError(`The window must be a whole number of hours, at least 1 (got ${options.windowHours})`);
    }
    this.name = `cloudwatch:${options.stackName}`;
    this.windowHours = options.windowHours;
  }

  async collect(progress: Progress = () => {}): Promise<FunctionProfile[]> {
    progress(`Finding the functions of stack ${this.options.stackName}...`);
    const functions = await this.discover();
    progress(`Found ${functions.length} functions; reading ${this.windowHours} h of CloudWatch metrics...`);
    const stats = await this.readMetrics(functions, progress);
    return functions.map((fn, i) => {
      const s = stats[i] as Record<StatKey, number | undefined>;
      const invocations = s.invocations ?? 0;
      return {
        functionName: fn.functionName,
        architecture: fn.architecture,
        memoryMb: fn.memoryMb,
        windowHours: this.windowHours,
        invocations,
        errors: s.errors ?? 0,
        throttles: s.throttles ?? 0,
        duration: invocations > 0 ? { averageMs: s.avg, p50Ms: s.p50, p90Ms: s.p90, maxMs: s.max } : {},
        measurements: [],
      };
    });
  }

  /** The stack's functions, sorted by name. */
  async discover(): Promise<DeployedFunction[]> {
    const found = this.options.tagging ? await this.discoverByTags() : await this.discoverByListing();
    return found.sort((a, b) => a.functionName.localeCompare(b.functionName));
  }

  private async discoverByTags(): Promise<DeployedFunction[]> {
    const tagging = this.options.tagging as ResourceGroupsTaggingAPIClient;
    const arns: string[] = [];
    let token: string | undefined;
    do {
      const page = await tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: ['lambda:function'],
          TagFilters: [{ Key: STACK_NAME_TAG, Values: [this.options.stackName] }],
          PaginationToken: token,
        }),
      );
      for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) arns.push(r.ResourceARN);
      token = page.PaginationToken || undefined;
    } while (token);
    return mapLimit(arns, 5, async (arn) =>
      toDeployed(await this.options.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: arn }))),
    );
  }

  private async discoverByListing(): Promise<DeployedFunction[]> {
    const all: FunctionConfiguration[] = [];
    let marker: string | undefined;
    do {
      const page = await this.options.lambda.send(new ListFunctionsCommand({ Marker: marker }));
      all.push(...(page.Functions ?? []));
      marker = page.NextMarker || undefined;
    } while (marker);
    const tagged = await mapLimit(all, 5, async (fn) => {
      const { Tags } = await this.options.lambda.send(new ListTagsCommand({ Resource: fn.FunctionArn }));
      return Tags?.[STACK_NAME_TAG] === this.options.stackName;
    });
    return all.filter((_, i) => tagged[i]).map(toDeployed);
  }

  /** The window: whole hours ending at the last full hour, so it is one aligned period. */
  window(): { start: Date; end: Date; periodSeconds: number } {
    const now = (this.options.now ?? (() => new Date()))();
    const end = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    const start = new Date(end.getTime() - this.windowHours * 3_600_000);
    return { start, end, periodSeconds: this.windowHours * 3600 };
  }

  private async readMetrics(functions: readonly DeployedFunction[], progress: Progress): Promise<Record<StatKey, number | undefined>[]> {
    const { start, end, periodSeconds } = this.window();
    const queries: MetricDataQuery[] = functions.flatMap((fn, i) =>
      STATS.map(({ key, metric, stat }) => ({
        Id: queryId(i, key),
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: fn.functionName }] },
          Period: periodSeconds,
          Stat: stat,
        },
        ReturnData: true,
      })),
    );
    const values = new Map<string, number[]>();
    for (let offset = 0; offset < queries.length; offset += MAX_QUERIES_PER_REQUEST) {
      const batch = queries.slice(offset, offset + MAX_QUERIES_PER_REQUEST);
      let token: string | undefined;
      do {
        const page = await this.options.cloudwatch.send(
          new GetMetricDataCommand({ MetricDataQueries: batch, StartTime: start, EndTime: end, NextToken: token }),
        );
        for (const result of page.MetricDataResults ?? []) {
          if (!result.Id) continue;
          values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
        }
        token = page.NextToken || undefined;
      } while (token);
      progress(`Read metrics of ${Math.floor((offset + batch.length) / STATS.length)}/${functions.length} functions`);
    }
    return functions.map((_, i) => {
      const stats = {} as Record<StatKey, number | undefined>;
      for (const { key } of STATS) stats[key] = combine(key, values.get(queryId(i, key)) ?? []);
      return stats;
    });
  }
}

function queryId(index: number, key: StatKey): string {
  return `f${index}_${key}`;
}

/** Datapoints of one query: sums add up, maxima take the max, others take the latest (the window is one period). */
function combine(key: StatKey, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  if (key === 'invocations' || key === 'errors' || key === 'throttles') return values.reduce((a, b) => a + b, 0);
  if (key === 'max') return Math.max(...values);
  return values[0];
}

function toDeployed(fn: FunctionConfiguration): DeployedFunction {
  if (!fn.FunctionName || !fn.FunctionArn || fn.MemorySize === undefined) {
    throw new Error(`Lambda returned an incomplete configuration for ${fn.FunctionArn ?? fn.FunctionName ?? 'a function'}`);
  }
  return {
    functionName: fn.FunctionName,
    functionArn: fn.FunctionArn,
    memoryMb: fn.MemorySize,
    architecture: fn.Architectures?.[0] === 'arm64' ? 'arm64' : 'x86_64',
  };
}
