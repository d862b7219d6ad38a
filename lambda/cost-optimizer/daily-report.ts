import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { priceTable } from '#cost-domain/pricing';
import { clientConfig, env } from '#shared/aws';
import { logger, MetricUnit, metrics } from '#shared/powertools';
import { CloudWatchUsageSource } from './cloudwatch-source';
import { writeDailyReport } from './report-job';

const lambda = new LambdaClient(clientConfig);
const cloudwatch = new CloudWatchClient(clientConfig);
const s3 = new S3Client({ ...clientConfig, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });

/**
 * Daily cost report (EventBridge schedule): the stack's functions over the last
 * WINDOW_HOURS from CloudWatch, threshold and balanced strategies, the report
 * written to REPORTS_BUCKET and the total potential monthly saving published
 * as the `PotentialMonthlySavingUsd` metric. Read-only towards Lambda.
 */
export const handler = async (event: ScheduledEvent, context: Context): Promise<{ key: string; totalPotentialMonthlySaving: number }> => {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  try {
    const stackName = env('STACK_NAME');
    const { key, report } = await writeDailyReport({
      source: new CloudWatchUsageSource({ lambda, cloudwatch, stackName, windowHours: Number(env('WINDOW_HOURS')) }),
      s3,
      bucket: env('REPORTS_BUCKET'),
      now: event?.time ? new Date(event.time) : new Date(),
      prices: priceTable(env('PRICING_REGION')),
      stackName,
    });
    metrics.addMetric('PotentialMonthlySavingUsd', MetricUnit.NoUnit, report.totalPotentialMonthlySaving);
    logger.info('Cost report written', { key, functions: report.functions, saving: report.totalPotentialMonthlySaving });
    return { key, totalPotentialMonthlySaving: report.totalPotentialMonthlySaving };
  } finally {
    metrics.publishStoredMetrics();
  }
};
