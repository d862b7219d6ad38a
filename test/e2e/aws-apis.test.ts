/**
 * The AWS APIs a developer reaches for, driven as the AWS CLI drives them (the same
 * operations and shapes, through the SDK) against the running platform: invoke a
 * function and read its log tail (`aws lambda invoke --log-type Tail`), tail its log
 * group (`aws logs tail`: FilterLogEvents from a start time), read an `AWS/Lambda`
 * metric after a known number of invocations (`aws cloudwatch get-metric-statistics`),
 * who am I (`aws sts get-caller-identity`), and the power-tuning runner end to end.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../cli/optimize/main';
import { eventually } from './target';

const lambda = new LambdaClient({});
const logs = new CloudWatchLogsClient({});
const cloudwatch = new CloudWatchClient({});
const decoder = new TextDecoder();

afterAll(() => {
  for (const client of [lambda, logs, cloudwatch]) client.destroy();
});

/** A function of the stack whose name contains `part` (names are the stack's physical names). */
async function functionNamed(part: string): Promise<string> {
  const { Functions } = await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }));
  const found = Functions?.find((f) => f.FunctionName?.includes(part));
  if (!found?.FunctionName) throw new Error(`no function named like ${part}`);
  return found.FunctionName;
}

/** An API Gateway proxy event for GET /health-like probes: the get-user handler answers it (401/404) without side effects. */
const PROBE = JSON.stringify({ httpMethod: 'GET', path: '/users/me', resource: '/users/me', headers: {}, requestContext: {} });

it('invokes a function and reads its log tail, as `aws lambda invoke --log-type Tail` does', async () => {
  const name = await functionNamed('UsersGetUser');
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(PROBE), LogType: 'Tail' }));
  expect(out.StatusCode).toBe(200);
  expect(out.ExecutedVersion).toBe('$LATEST');
  expect(JSON.parse(decoder.decode(out.Payload))).toHaveProperty('statusCode');
  const tail = Buffer.from(out.LogResult!, 'base64').toString('utf8');
  expect(tail).toMatch(/^START RequestId: \S+ Version: \$LATEST$/m);
  expect(tail).toMatch(/^REPORT RequestId: .*\tMemory Size: \d+ MB/m);
});

it('tails the log group from a start time, as `aws logs tail --since` does', async () => {
  const name = await functionNamed('UsersGetUser');
  // The platform's functions log to the group their LoggingConfig names (`/aws/lambda/<name>` by default).
  const { LoggingConfig } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const group = LoggingConfig!.LogGroup!;
  const since = Date.now();
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(PROBE) }));
  const requestId = out.$metadata.requestId;
  const events = await eventually('the invocation in its log group', async () => {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupIdentifier: group,
        startTime: since,
        filterPattern: `"${requestId}"`,
        interleaved: true,
      }),
    );
    return page.events?.some((e) => e.message?.startsWith('REPORT')) ? page.events : undefined;
  });
  expect(events[0]!.message).toBe(`START RequestId: ${requestId} Version: $LATEST`);
  expect(events[0]!.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
});

it('counts a known number of invocations in AWS/Lambda, as `aws cloudwatch get-metric-statistics` reads it', async () => {
  const name = await functionNamed('UsersGetUser');
  const start = new Date(Date.now() - 60_000);
  const invocations = async () => {
    const { Datapoints } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: name }],
        StartTime: new Date(start.getTime() - 3_600_000),
        EndTime: new Date(Date.now() + 3_600_000),
        Period: 3 * 3600,
        Statistics: ['Sum'],
      }),
    );
    return (Datapoints ?? []).reduce((sum, d) => sum + (d.Sum ?? 0), 0);
  };
  const before = await invocations();
  for (let i = 0; i < 3; i++) await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(PROBE) }));
  // Other tests may invoke it too (they share the platform): at least our three, counted at once.
  expect((await invocations()) - before).toBeGreaterThanOrEqual(3);
});

it('answers `aws sts get-caller-identity` with the local account', async () => {
  const sts = new STSClient({});
  expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '000000000000' });
  sts.destroy();
});

it('runs the power-tuning runner on one function (`npm run optimize -- --tune`), restoring its memory size', async () => {
  // Not GetUser: the cost optimiser's e2e applies a memory size to that one.
  const name = await functionNamed('GetEngagement');
  const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const { Tags } = await lambda.send(new ListTagsCommand({ Resource: before.FunctionArn }));
  const stackName = Tags!['aws:cloudformation:stack-name']!;
  let out = '';
  let err = '';
  const code = await main(
    [
      '--source',
      'cloudwatch',
      '--stack',
      stackName,
      '--tune',
      '--function',
      name,
      '--tune-memory',
      '128,256',
      '--tune-invocations',
      '2',
      '--strategy',
      'cost',
      '--json',
    ],
    {
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
      lambda: () => lambda,
      cloudwatch: () => cloudwatch,
      tagging: () => {
        throw new Error('a local cloud has no tagging API: the source must list functions instead');
      },
      interactive: false,
      confirm: async () => false,
      env: process.env,
    },
  );
  expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
  const report = JSON.parse(out);
  const tuned = report.strategies[0].recommendations.find((r: { functionName: string }) => r.functionName === name);
  expect(tuned).toMatchObject({ functionName: name, currentMemoryMb: before.MemorySize });
  expect([128, 256]).toContain(tuned.proposedMemoryMb);
  expect(err).toContain(`${name} @ 256 MB: 2/2`);
  const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  expect(after.MemorySize).toBe(before.MemorySize);
  const { Versions } = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  expect(Versions?.map((v) => v.Version)).toEqual(['$LATEST']);
});
