import { ENV } from '#contracts/environment';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { DynamoInventoryStore } from './inventory-store';

const inventory = new DynamoInventoryStore(dynamo, env(ENV.INVENTORY_TABLE));

/**
 * On `PaymentCompleted`: commits the order's reservation (the units are sold).
 * On `PaymentFailed` or `OrderFailed`: releases it (the units are available
 * again) — the saga's compensation. Either happens exactly once per order,
 * whichever of the events arrives first and however often each is delivered;
 * an order that never held stock has nothing to settle.
 */
export const handler = eventHandler({
  PaymentCompleted: ({ orderId }) => settle(orderId, 'commit'),
  PaymentFailed: ({ orderId }) => settle(orderId, 'release'),
  OrderFailed: ({ orderId }) => settle(orderId, 'release'),
});

async function settle(orderId: string, how: 'commit' | 'release'): Promise<void> {
  const settled = await inventory.settle(orderId, how, new Date());
  if (!settled) logger.info('Nothing to settle: the reservation is not held', { orderId, how });
  metrics.addMetric(settled ? (how === 'commit' ? 'ReservationCommitted' : 'ReservationReleased') : 'SettleIgnored', MetricUnit.Count, 1);
}
