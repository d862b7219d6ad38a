import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { FunctionProfile } from '#cost-domain/recommendation';
import { US_EAST_1_PRICES } from '#cost-domain/pricing';
import { writeDailyReport } from '../../../lambda/cost-optimizer/report-job';
import type { UsageSource } from '../../../lambda/cost-optimizer/usage-source';

const s3Mock = mockClient(S3Client);

const fast: FunctionProfile = {
  functionName: 'fast',
  architecture: 'arm64',
  memoryMb: 1024,
  windowHours: 24,
  invocations: 100_000,
  errors: 0,
  throttles: 0,
  duration: { averageMs: 20, p50Ms: 18, p90Ms: 30, maxMs: 90 },
  measurements: [],
};

it('writes the threshold and balanced report for the schedule day to reports/cost/YYYY-MM-DD.json', async () => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  const source: UsageSource = { name: 'cloudwatch:S', windowHours: 24, collect: async () => [fast] };
  const { key, report } = await writeDailyReport({
    source,
    s3: new S3Client({ region: 'us-east-1' }),
    bucket: 'reports-bucket',
    now: new Date('2026-11-27T06:00:00Z'),
    prices: US_EAST_1_PRICES,
    stackName: 'S',
  });
  expect(key).toBe('reports/cost/2026-11-27.json');
  expect(report.strategies.map((s) => s.strategy)).toEqual(['threshold', 'balanced']);
  expect(report.totalPotentialMonthlySaving).toBeGreaterThan(0);
  const put = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
  expect(put).toMatchObject({ Bucket: 'reports-bucket', Key: key, ContentType: 'application/json' });
  expect(JSON.parse(put.Body as string)).toEqual(JSON.parse(JSON.stringify(report)));
});
