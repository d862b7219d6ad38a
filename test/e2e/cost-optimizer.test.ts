/**
 * The cost optimiser on the local cloud's real data: invocations made through the
 * running platform leave REPORT records and `optimize --source local` turns them into
 * recommendations with the records' own figures; `--apply` changes the memory size
 * through the local Lambda API; the daily report's schedule fired the way a developer
 * fires it (`npm run local -- fire`) writes its report to the bucket, read from the
 * local CloudWatch. Local cloud only (the records file and `/_local` exist there):
 * against another target each test says so and is skipped by name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { main } from '../../cli/optimize/main';
import type { CliDeps } from '../../cli/optimize/terminal';
import { newCaller } from './identity';
import { api, eventually } from './target';

const records = process.env.E2E_RECORDS_FILE;
const local = records ? it : it.skip;
const onLocalCloud = records ? '' : ' (skipped: needs the local cloud, E2E_RECORDS_FILE is not set)';

const lambda = new LambdaClient({});
const cloudwatch = new CloudWatchClient({});
const s3 = new S3Client({ forcePathStyle: true });

afterAll(() => {
  for (const client of [lambda, cloudwatch, s3]) client.destroy();
});

interface RecordLine {
  functionName: string;
  logicalId: string;
  status: string;
  maxMemoryUsedMb: number;
}

function readRecords(): RecordLine[] {
  return readFileSync(records!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordLine);
}

function deps(out: { text: string }): CliDeps {
  return {
    stdout: (text) => (out.text += text),
    stderr: () => undefined,
    lambda: () => lambda,
    cloudwatch: () => cloudwatch,
    tagging: () => {
      throw new Error('not used by the local source');
    },
    interactive: false,
    confirm: async () => false,
    env: process.env,
  };
}

async function readProfileFiveTimes(): Promise<void> {
  const caller = await newCaller({ name: 'Cost' });
  for (let i = 0; i < 5; i++) {
    const read = await eventually('the profile', async () => {
      const answer = await api('GET', '/users/me', { as: caller });
      return answer.status === 200 ? answer : undefined;
    });
    expect(read.status).toBe(200);
  }
}

/**
 * The recommendation the threshold rule (500 / 100 ms, 20 % memory headroom) gives for an average
 * at 512 MB: down to 256 MB only if the highest memory used leaves the headroom there.
 */
const thresholdAt512 = (averageMs: number, maxUsedMb: number) =>
  averageMs > 500 ? 1024 : averageMs < 100 && maxUsedMb * 1.2 <= 256 ? 256 : 512;

local(`recommends memory sizes from the local cloud invocation records${onLocalCloud}`, async () => {
  await readProfileFiveTimes();
  await eventually('the records of the reads', async () =>
    readRecords().filter((r) => r.logicalId.startsWith('UsersGetUser')).length >= 5 ? true : undefined,
  );
  const out = { text: '' };
  const countOf = (name: string) => readRecords().filter((r) => r.functionName === name);
  const getUserName = readRecords().find((r) => r.logicalId.startsWith('UsersGetUser'))!.functionName;
  const before = countOf(getUserName).length;
  const code = await main(['--source', 'local', '--records', records!, '--strategy', 'threshold', '--json'], deps(out));
  const ran = countOf(getUserName);
  expect(code).toBe(0);
  const report = JSON.parse(out.text);
  const getUser = report.strategies[0].recommendations.find((r: { functionName: string }) => r.functionName.includes('UsersGetUser'));
  // Other tests may call the same function meanwhile: the count lies between the file's before and after.
  expect(getUser).toMatchObject({
    functionName: getUserName,
    currentMemoryMb: 512,
    errors: ran.filter((r) => r.status !== 'success').length,
    proposedMemoryMb: thresholdAt512(getUser.currentDurationMs, Math.max(...ran.map((r) => r.maxMemoryUsedMb))),
  });
  expect(getUser.invocations).toBeGreaterThanOrEqual(Math.max(5, before));
  expect(getUser.invocations).toBeLessThanOrEqual(ran.length);
});

local(`applies a recommendation to the local cloud through its Lambda API (--apply)${onLocalCloud}`, async () => {
  await readProfileFiveTimes();
  const getUserRecords = readFileSync(records!, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"logicalId":"UsersGetUser'));
  const name = (JSON.parse(getUserRecords[0]!) as RecordLine).functionName;
  const only = path.join(tmpdir(), `get-user-records-${process.pid}.ndjson`);
  writeFileSync(only, `${getUserRecords.join('\n')}\n`);
  const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const out = { text: '' };
  try {
    const code = await main(['--source', 'local', '--records', only, '--strategy', 'threshold', '--apply', '--yes', '--json'], deps(out));
    expect(code).toBe(0);
    const report = JSON.parse(out.text);
    const proposed = report.strategies[0].recommendations[0].proposedMemoryMb as number;
    if (proposed === before.MemorySize) {
      expect(report.applied).toBeUndefined();
    } else {
      expect(report.applied).toEqual([{ functionName: name, fromMb: before.MemorySize, toMb: proposed, ok: true }]);
    }
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).MemorySize).toBe(proposed);
  } finally {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: before.MemorySize }));
  }
});

local(`fires the daily report schedule as \`npm run local -- fire\` does: the report is in the bucket${onLocalCloud}`, async () => {
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL}/_local/schedules/CostOptimizerSchedule/fire`, { method: 'POST' });
  expect(response.status).toBe(200);
  const fired = (await response.json()) as { schedule: unknown; targets: unknown; event: { time: string } };
  expect(fired.schedule).toMatchObject({ scheduleExpression: 'cron(0 6 * * ? *)', description: 'Daily Lambda cost report' });
  expect(fired.targets).toEqual([expect.objectContaining({ outcome: 'delivered', resource: 'CostOptimizerDailyReport' })]);

  const { Functions } = await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }));
  const reporter = Functions!.find((f) => f.FunctionName?.includes('CostOptimizerDailyReport'))!;
  const bucket = reporter.Environment!.Variables!.REPORTS_BUCKET!;
  const stackName = reporter.Environment!.Variables!.STACK_NAME!;
  const key = `reports/cost/${fired.event.time.slice(0, 10)}.json`;
  const body = await eventually(
    `the report s3://${bucket}/${key}`,
    async () => {
      try {
        return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      } catch {
        return undefined;
      }
    },
    60_000,
  );
  const report = JSON.parse(body);
  expect(report).toMatchObject({ stackName, source: `cloudwatch:${stackName}`, windowHours: 24, functions: Functions!.length });
  expect(report.strategies.map((s: { strategy: string }) => s.strategy)).toEqual(['threshold', 'balanced']);
  const memory = Object.fromEntries(Functions!.map((f) => [f.FunctionName, f.MemorySize]));
  for (const r of report.strategies[0].recommendations as { functionName: string; currentMemoryMb: number }[]) {
    expect(r.currentMemoryMb).toBe(memory[r.functionName]);
  }
  // Its Powertools metric (EMF in its log) reached the local CloudWatch.
  const { Metrics } = await cloudwatch.send(new ListMetricsCommand({ MetricName: 'PotentialMonthlySavingUsd' }));
  expect(Metrics).toHaveLength(1);
});
