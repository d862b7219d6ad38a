import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { sinceTime, UsageError } from '../../../cli/optimize/args';
import { parseRecords, profilesFromRecords, selectRecords } from '../../../cli/optimize/local-records-source';
import { main } from '../../../cli/optimize/main';
import type { CliDeps } from '../../../cli/optimize/terminal';

const RECORDS = path.join(__dirname, 'fixtures', 'invocations.ndjson');
const lambdaMock = mockClient(LambdaClient);

function harness(overrides: Partial<CliDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const deps: CliDeps = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    lambda: () => new LambdaClient({ region: 'us-east-1' }),
    cloudwatch: () => new CloudWatchClient({ region: 'us-east-1' }),
    tagging: () => new ResourceGroupsTaggingAPIClient({ region: 'us-east-1' }),
    interactive: false,
    confirm: async (q) => {
      asked.push(q);
      return false;
    },
    env: { AWS_ENDPOINT_URL: 'http://localhost:4566' },
    ...overrides,
  };
  return { deps, stdout: () => out.join(''), stderr: () => err.join(''), asked };
}

const local = ['--source', 'local', '--records', RECORDS];

beforeEach(() => {
  lambdaMock.reset();
  lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});
});

describe('local records', () => {
  it('groups records by function and memory; the latest size is the current one; bad lines are skipped', async () => {
    const { readFileSync } = await import('node:fs');
    const { records, skippedLines } = parseRecords(readFileSync(RECORDS, 'utf8'));
    expect(skippedLines).toEqual([8]);
    const profiles = profilesFromRecords(records, 'arm64');
    expect(profiles.map((p) => [p.functionName, p.memoryMb, p.invocations, p.errors])).toEqual([
      ['commerce-dev-Broken', 512, 1, 1],
      ['commerce-dev-CreateUser', 512, 10, 0],
      ['commerce-dev-GetUser', 256, 5, 0],
      ['commerce-dev-Report', 512, 5, 0],
    ]);
    const getUser = profiles[2]!;
    expect(getUser.measurements.map((m) => [m.memoryMb, m.billedDurationsMs.length, m.initDurationsMs])).toEqual([
      [256, 5, [240]],
      [512, 5, [180.5]],
    ]);
    expect(getUser.duration).toEqual({ averageMs: expect.closeTo(50.68, 6), p50Ms: 41, p90Ms: 90.2, maxMs: 90.2 });
    expect(getUser.maxMemoryUsedMb).toBe(90);
  });
});

describe('selecting local records', () => {
  const record = (functionName: string, timestamp: string) =>
    ({ functionName, timestamp, memorySizeMb: 128, durationMs: 1, billedDurationMs: 1, maxMemoryUsedMb: 64, status: 'success' }) as const;
  const records = [
    record('Shop-prod-Orders', '2026-12-01T08:00:00.000Z'),
    record('Shop-prod-Users', '2026-12-01T10:00:00.000Z'),
    record('Shop-production-Orders', '2026-12-01T10:00:00.000Z'), // another stack whose name starts alike
    record('Other-Fn', '2026-12-01T11:00:00.000Z'),
  ];

  it('keeps the records of one stack (its functions are named <stack>-...) and since a time', () => {
    expect(selectRecords(records, { stackName: 'Shop-prod' }).map((r) => r.functionName)).toEqual(['Shop-prod-Orders', 'Shop-prod-Users']);
    expect(selectRecords(records, { since: new Date('2026-12-01T10:00:00Z') })).toHaveLength(3);
    expect(selectRecords(records, { stackName: 'Shop-prod', since: new Date('2026-12-01T09:00:00Z') })).toEqual([records[1]]);
    expect(selectRecords(records, {})).toEqual(records);
  });

  it('reads --since as an ISO time or a span back from now, and refuses anything else', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(sinceTime('30m', now).toISOString()).toBe('2026-12-01T11:30:00.000Z');
    expect(sinceTime('6h', now).toISOString()).toBe('2026-12-01T06:00:00.000Z');
    expect(sinceTime('7d', now).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(sinceTime('2026-11-30T09:00:00Z', now).toISOString()).toBe('2026-11-30T09:00:00.000Z');
    for (const bad of ['yesterday', '6 hours', '12', '-1h']) expect(() => sinceTime(bad, now)).toThrow(UsageError);
  });

  it('filters by --stack and --since on the command line, and says how many records it kept', async () => {
    const h = harness();
    expect(await main([...local, '--stack', 'commerce-dev', '--since', '2026-11-26T10:00:20Z'], h.deps)).toBe(0);
    expect(h.stderr()).toMatch(/Read 26 invocation records from .*; \d+ of stack commerce-dev since 2026-11-26T10:00:20.000Z/);
    const none = harness();
    expect(await main([...local, '--stack', 'NoSuchStack'], none.deps)).toBe(0);
    expect(none.stderr()).toContain('; 0 of stack NoSuchStack');
    expect(await main(['--source', 'cloudwatch', '--since', '1h'], harness().deps)).toBe(2);
  });
});

describe('optimize CLI', () => {
  it('prints the recommendation table (dry run) with progress on stderr only', async () => {
    const h = harness();
    expect(await main(local, h.deps)).toBe(0);
    const lines = h.stdout().split('\n');
    expect(lines[0]).toMatch(/^Function\s+Memory MB\s+p50 ms\s+p90 ms\s+Cost per 1M\s+Saving\/month$/);
    // Priced on the mean billed duration at 512 MB, the cold start's init included: 685 ms / 10 = 68.5 ms;
    // 0.5 GB x 0.0685 s x $13.3334/1M GB-s + $0.20 = $0.6567 per 1M now, at 0.25 GB $0.4283.
    expect(lines.find((l) => l.startsWith('commerce-dev-CreateUser'))).toMatch(/512 → 256\s+38\s+44\s+\$0\.6567 → \$0\.4283\s+\$0\.1000$/);
    expect(lines.find((l) => l.startsWith('commerce-dev-Report'))).toMatch(/512 → 1024\s+805\s+1211/);
    expect(lines.find((l) => l.startsWith('commerce-dev-Broken'))).toMatch(/512 \(keep\)/);
    expect(h.stdout()).toContain('Dry run: nothing changed. Add --apply to make 3 change(s).');
    expect(h.stdout()).toMatch(/commerce-dev-Broken: .*1 invocation\(s\) failed/);
    expect(h.stderr()).toContain('Read 26 invocation records');
    expect(h.stderr()).toContain('Skipped 1 lines');
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  it('--json prints the report as JSON and nothing else on stdout', async () => {
    const h = harness();
    expect(await main([...local, '--strategy', 'cost', '--json'], h.deps)).toBe(0);
    const report = JSON.parse(h.stdout());
    expect(report).toMatchObject({ source: `local:${RECORDS}`, pricing: { region: 'us-east-1' }, functions: 4 });
    const [cost] = report.strategies;
    expect(cost.strategy).toBe('cost');
    const getUser = cost.recommendations.find((r: { functionName: string }) => r.functionName === 'commerce-dev-GetUser');
    expect(getUser).toMatchObject({ currentMemoryMb: 256, proposedMemoryMb: 256, change: 'keep' });
    expect(getUser.candidates.map((c: { memoryMb: number }) => c.memoryMb)).toEqual([256, 512]);
  });

  it('balanced with weight 0 (speed only) moves GetUser to the faster 512 MB', async () => {
    const h = harness();
    await main([...local, '--strategy', 'balanced', '--weight', '0', '--json'], h.deps);
    const recs = JSON.parse(h.stdout()).strategies[0].recommendations;
    expect(recs.find((r: { functionName: string }) => r.functionName === 'commerce-dev-GetUser')).toMatchObject({
      proposedMemoryMb: 512,
      change: 'increase',
    });
  });

  it('--apply without a terminal and without --yes changes nothing', async () => {
    const h = harness({ interactive: false });
    expect(await main([...local, '--apply'], h.deps)).toBe(1);
    expect(h.stderr()).toMatch(/^optimize: --apply would change 3 function\(s\) and needs confirmation: .*Nothing changed\.\n$/m);
    expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(0);
  });

  it('--apply on a terminal asks, and a "no" changes nothing', async () => {
    const h = harness({ interactive: true });
    expect(await main([...local, '--apply'], h.deps)).toBe(0);
    expect(h.asked[0]).toMatch(/^Apply 3 change\(s\): commerce-dev-CreateUser 512 -> 256 MB, .*\? \[y\/N\] $/);
    expect(h.stderr()).toContain('Cancelled: nothing changed.');
    expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(0);
  });

  it('--apply --yes updates MemorySize of exactly the functions it recommends changing, and says so', async () => {
    const h = harness();
    expect(await main([...local, '--apply', '--yes'], h.deps)).toBe(0);
    expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'commerce-dev-CreateUser', MemorySize: 256 },
      { FunctionName: 'commerce-dev-GetUser', MemorySize: 128 },
      { FunctionName: 'commerce-dev-Report', MemorySize: 1024 },
    ]);
    expect(h.stdout()).toContain('Updated commerce-dev-CreateUser: 512 MB -> 256 MB');
  });

  it('reports a failed update and exits non-zero', async () => {
    lambdaMock.on(UpdateFunctionConfigurationCommand).rejects(new Error('ResourceConflictException'));
    const h = harness();
    expect(await main([...local, '--apply', '--yes', '--json'], h.deps)).toBe(1);
    expect(JSON.parse(h.stdout()).applied[0]).toMatchObject({ ok: false, error: 'ResourceConflictException' });
  });

  it('reports every error as one clean line', async () => {
    const missing = harness();
    expect(await main(['--source', 'local', '--records', '/nonexistent/records.ndjson'], missing.deps)).toBe(1);
    expect(missing.stderr()).toBe(
      'optimize: No invocation records at /nonexistent/records.ndjson: start the local cloud (npm start) and invoke some functions, or pass --records <file>\n',
    );
    const unknown = harness();
    expect(await main(['--bogus'], unknown.deps)).toBe(2);
    expect(unknown.stderr().trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr()).toMatch(/^optimize: .*--bogus.*\(see --help\)\n$/);
    const badStrategy = harness();
    expect(await main([...local, '--strategy', 'cheapest'], badStrategy.deps)).toBe(2);
    expect(badStrategy.stderr()).toBe(
      'optimize: --strategy must be one of threshold, cost, speed, balanced (got "cheapest") (see --help)\n',
    );
    const tune = harness();
    expect(await main(['--tune'], tune.deps)).toBe(2);
    expect(tune.stderr()).toMatch(/--tune needs --function/);
  });

  it('refuses --apply on local records unless AWS_ENDPOINT_URL points at the local cloud', async () => {
    const h = harness({ env: {} });
    expect(await main([...local, '--apply', '--yes'], h.deps)).toBe(2);
    expect(lambdaMock.calls()).toHaveLength(0);
  });
});
