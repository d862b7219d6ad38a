import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { buildReport, type CostReport, evaluate, reportKey } from '#cost-domain/report';
import type { StrategyName, StrategyOptions } from '#cost-domain/recommendation';
import type { PriceTable } from '#cost-domain/pricing';
import type { UsageSource } from './usage-source';

/** The strategies the daily report runs. */
export const DAILY_STRATEGIES: readonly StrategyName[] = ['threshold', 'balanced'];

export interface DailyReportJob {
  readonly source: UsageSource;
  readonly s3: S3Client;
  readonly bucket: string;
  /** The day the report is for (the schedule's time, so a retry rewrites the same key). */
  readonly now: Date;
  readonly prices: PriceTable;
  readonly stackName?: string;
  readonly options?: StrategyOptions;
}

/**
 * Collects usage, runs the threshold and balanced strategies and writes the
 * report as JSON to `reports/cost/YYYY-MM-DD.json`. It recommends only; it
 * never changes a function. Rerunning for the same day overwrites that day's
 * report with fresh figures.
 */
export async function writeDailyReport(job: DailyReportJob): Promise<{ key: string; report: CostReport }> {
  const profiles = await job.source.collect();
  const report = buildReport({
    now: job.now,
    source: job.source.name,
    stackName: job.stackName,
    windowHours: job.source.windowHours,
    prices: job.prices,
    results: evaluate(profiles, DAILY_STRATEGIES, { ...job.options, prices: job.prices }),
  });
  const key = reportKey(job.now);
  await job.s3.send(
    new PutObjectCommand({
      Bucket: job.bucket,
      Key: key,
      Body: JSON.stringify(report, null, 2),
      ContentType: 'application/json',
    }),
  );
  return { key, report };
}
