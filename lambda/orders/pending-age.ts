import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '#contracts/environment';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { logger, metrics, MetricUnit } from '#shared/powertools';

const table = env(ENV.ORDERS_TABLE);
const index = env(ENV.ORDERS_BY_STATUS_INDEX);

/** The metric the PENDING-age alarm watches (lib/pending-orders.ts names it too: lib/ never imports lambda/). */
export const OLDEST_PENDING_METRIC = 'OldestPendingOrderAge';

/** Seconds since `createdAt` (ISO 8601), never negative; 0 when there is no PENDING order. */
export function ageSeconds(createdAt: string | undefined, now: Date): number {
  if (!createdAt) return 0;
  const created = Date.parse(createdAt);
  if (Number.isNaN(created)) throw new Error(`An order's createdAt is not a date: ${createdAt}`);
  return Math.max(0, Math.floor((now.getTime() - created) / 1000));
}

/**
 * Scheduled (every 5 minutes): the age of the oldest order still `PENDING`, read
 * from the orders table's `byStatus` index (status + createdAt, keys only: one
 * item read), emitted as the EMF metric `OldestPendingOrderAge` (seconds, 0 when
 * none) for the alarm. An order stays PENDING only when its `OrderPlaced` was
 * never handled: the alarm is how an operator learns of it.
 */
export const handler = async (): Promise<{ oldestPendingAgeSeconds: number }> => {
  try {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: table,
        IndexName: index,
        KeyConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'PENDING' },
        ScanIndexForward: true,
        Limit: 1,
      }),
    );
    const oldest = Items?.[0] as { createdAt?: string } | undefined;
    const age = ageSeconds(oldest?.createdAt, new Date());
    metrics.addMetric(OLDEST_PENDING_METRIC, MetricUnit.Seconds, age);
    if (age > 0) logger.info('Oldest PENDING order', { ageSeconds: age });
    return { oldestPendingAgeSeconds: age };
  } finally {
    metrics.publishStoredMetrics();
  }
};
