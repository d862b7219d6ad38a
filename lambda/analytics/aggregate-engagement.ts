import { ENV } from '#contracts/environment';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { type PreparedEvent, publishPrepared } from '#shared/events';
import { logger, metrics } from '#shared/powertools';
import { consumeActivity, decodeRecord, serialisedPerKey } from './engagement-consumer';
import { DynamoEngagementStore } from './engagement-store';

const threshold = Number(env(ENV.HIGH_ENGAGEMENT_THRESHOLD));
if (!(threshold > 0)) throw new Error('HIGH_ENGAGEMENT_THRESHOLD must be a positive number');

const deps = {
  store: new DynamoEngagementStore(dynamo, env(ENV.ENGAGEMENT_TABLE)),
  publish: async (events: readonly PreparedEvent[]) => {
    const undelivered = await publishPrepared(events);
    if (undelivered.size > 0) throw new Error(`PutEvents did not accept ${undelivered.size} HighEngagementDetected after retries`);
  },
  threshold,
  now: () => new Date(),
};
const processor = new BatchProcessor(EventType.KinesisDataStreams);

/**
 * Kinesis consumer of the activity stream: aggregates per-user engagement and
 * publishes `HighEngagementDetected` once per user. Records are processed in
 * parallel across users and in order within a user; a failed record is reported
 * in `batchItemFailures` (the mapping's ReportBatchItemFailures), so Lambda
 * retries from it. Every record is idempotent (see consumeActivity), so what
 * Lambda delivers again is never counted twice.
 */
export const handler = async (event: KinesisStreamEvent, context: Context) => {
  logger.resetKeys();
  logger.addContext(context);
  metrics.captureColdStartMetric();
  const inOrder = serialisedPerKey();
  try {
    return await processPartialResponse(
      event,
      (record: KinesisStreamRecord) => inOrder(record.kinesis.partitionKey, () => consumeActivity(decodeRecord(record.kinesis.data), deps)),
      processor,
      { context },
    );
  } finally {
    metrics.publishStoredMetrics();
  }
};
