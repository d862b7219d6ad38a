import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand, ListTagsCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchUsageSource, MAX_QUERIES_PER_REQUEST, STACK_NAME_TAG } from '../../../lambda/cost-optimizer/cloudwatch-source';

const lambdaMock = mockClient(LambdaClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const NOW = new Date('2026-11-27T06:17:42Z');
const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

beforeEach(() => {
  lambdaMock.reset();
  cloudwatchMock.reset();
  taggingMock.reset();
});

/** Answers GetMetricData with values derived from each query, like CloudWatch would. */
function answerMetrics(valueOf: (q: MetricDataQuery) => number[]) {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Values: valueOf(q), StatusCode: 'Complete' })),
  }));
}

function source(tagging = true, windowHours = 24) {
  return new CloudWatchUsageSource({
    lambda: new LambdaClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    ...(tagging ? { tagging: new ResourceGroupsTaggingAPIClient({ region: 'us-east-1' }) } : {}),
    stackName: 'ServerlessCommerce-dev',
    windowHours,
    now: () => NOW,
  });
}

describe('CloudWatchUsageSource', () => {
  it("finds the stack's functions by tag (every page) and reads their configuration", async () => {
    taggingMock
      .on(GetResourcesCommand)
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: arn('b') }], PaginationToken: 'p2' })
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: arn('a') }], PaginationToken: '' });
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake(({ FunctionName }: { FunctionName: string }) => ({
      FunctionName: FunctionName.split(':').pop(),
      FunctionArn: FunctionName,
      MemorySize: 512,
      Architectures: FunctionName.endsWith('a') ? ['arm64'] : ['x86_64'],
    }));
    const found = await source().discover();
    expect(found.map((f) => [f.functionName, f.architecture])).toEqual([
      ['a', 'arm64'],
      ['b', 'x86_64'],
    ]);
    const calls = taggingMock.commandCalls(GetResourcesCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      ResourceTypeFilters: ['lambda:function'],
      TagFilters: [{ Key: STACK_NAME_TAG, Values: ['ServerlessCommerce-dev'] }],
      PaginationToken: undefined,
    });
    expect(calls[1]?.PaginationToken).toBe('p2');
  });

  it('without the tagging API, lists every function (every page) and keeps those tagged with the stack', async () => {
    lambdaMock
      .on(ListFunctionsCommand)
      .resolvesOnce({
        Functions: [{ FunctionName: 'mine', FunctionArn: arn('mine'), MemorySize: 256, Architectures: ['arm64'] }],
        NextMarker: 'm2',
      })
      .resolvesOnce({ Functions: [{ FunctionName: 'other', FunctionArn: arn('other'), MemorySize: 128 }] });
    lambdaMock.on(ListTagsCommand).callsFake(({ Resource }: { Resource: string }) => ({
      Tags: { [STACK_NAME_TAG]: Resource.endsWith('mine') ? 'ServerlessCommerce-dev' : 'SomethingElse' },
    }));
    const found = await source(false).discover();
    expect(found).toEqual([{ functionName: 'mine', functionArn: arn('mine'), memoryMb: 256, architecture: 'arm64' }]);
    expect(lambdaMock.commandCalls(ListFunctionsCommand)[1]?.args[0].input).toEqual({ Marker: 'm2' });
  });

  it('asks GetMetricData for invocations, errors, throttles and duration statistics over one aligned window', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [{ ResourceARN: arn('fn') }] });
    lambdaMock
      .on(GetFunctionConfigurationCommand)
      .resolves({ FunctionName: 'fn', FunctionArn: arn('fn'), MemorySize: 1024, Architectures: ['arm64'] });
    const byStat: Record<string, number[]> = { Sum: [5], Average: [123.4], p50: [100], p90: [250], Maximum: [900] };
    answerMetrics((q) =>
      q.MetricStat?.Metric?.MetricName === 'Errors'
        ? [2]
        : q.MetricStat?.Metric?.MetricName === 'Throttles'
          ? [1]
          : byStat[q.MetricStat!.Stat!]!,
    );

    const [profile] = await source().collect();
    expect(profile).toEqual({
      functionName: 'fn',
      architecture: 'arm64',
      memoryMb: 1024,
      windowHours: 24,
      invocations: 5,
      errors: 2,
      throttles: 1,
      duration: { averageMs: 123.4, p50Ms: 100, p90Ms: 250, maxMs: 900 },
      measurements: [],
    });
    const input = cloudwatchMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date('2026-11-26T06:00:00Z'));
    expect(input.EndTime).toEqual(new Date('2026-11-27T06:00:00Z'));
    const queries = input.MetricDataQueries!.map((q) => [q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat, q.MetricStat!.Period]);
    expect(queries).toEqual([
      ['Invocations', 'Sum', 86400],
      ['Errors', 'Sum', 86400],
      ['Throttles', 'Sum', 86400],
      ['Duration', 'Average', 86400],
      ['Duration', 'p50', 86400],
      ['Duration', 'p90', 86400],
      ['Duration', 'Maximum', 86400],
    ]);
    expect(input.MetricDataQueries![0]!.MetricStat!.Metric).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: 'fn' }],
    });
  });

  it('follows NextToken and splits more than 500 queries over several requests', async () => {
    const names = Array.from({ length: 80 }, (_, i) => `fn${String(i).padStart(2, '0')}`);
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: names.map((n) => ({ ResourceARN: arn(n) })) });
    lambdaMock.on(GetFunctionConfigurationCommand).callsFake(({ FunctionName }: { FunctionName: string }) => ({
      FunctionName: FunctionName.split(':').pop(),
      FunctionArn: FunctionName,
      MemorySize: 128,
    }));
    // First page of each request carries no values; the second carries them.
    cloudwatchMock
      .on(GetMetricDataCommand)
      .callsFake((input: { MetricDataQueries: MetricDataQuery[]; NextToken?: string }) =>
        input.NextToken
          ? { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Values: [q.MetricStat!.Stat === 'Sum' ? 3 : 10] })) }
          : { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Values: [] })), NextToken: 'next' },
      );
    const progress: string[] = [];
    const profiles = await source().collect((m) => progress.push(m));
    const calls = cloudwatchMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(4); // 560 queries: 2 requests x 2 pages
    expect(calls.every((c) => c.MetricDataQueries!.length <= MAX_QUERIES_PER_REQUEST)).toBe(true);
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, 'next', undefined, 'next']);
    expect(profiles).toHaveLength(80);
    expect(profiles.every((p) => p.invocations === 3 && p.duration.averageMs === 10)).toBe(true);
    expect(progress.at(-1)).toBe('Read metrics of 80/80 functions');
  });

  it('reports a function without datapoints as idle, with no duration', async () => {
    taggingMock.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [{ ResourceARN: arn('idle') }] });
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ FunctionName: 'idle', FunctionArn: arn('idle'), MemorySize: 512 });
    answerMetrics(() => []);
    const [profile] = await source().collect();
    expect(profile).toMatchObject({ invocations: 0, errors: 0, throttles: 0, duration: {}, architecture: 'x86_64' });
  });

  it('refuses a window that is not whole hours', () => {
    expect(() => source(true, 1.5)).toThrow(/whole number of hours/);
  });
});
