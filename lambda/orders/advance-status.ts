import type { OrderFailed } from '#contracts/events';
import { ENV } from '#contracts/environment';
import { shortageReason } from '#domain/orders';
import {
  alreadyApplied,
  historyEntries,
  type OrderSignal,
  paymentIdOf,
  type StatusChange,
  targetOf,
  transition,
} from '#domain/order-status';
import { paymentFailureReason } from '#domain/payments';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { type DeliveredEvent, eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { DynamoOrderStore } from './order-store';

const orders = new DynamoOrderStore(dynamo, env(ENV.ORDERS_TABLE));

/** A concurrent event may move the order between our read and our conditional write; then we read again. */
const MAX_ATTEMPTS = 5;

/**
 * On InventoryReserved, InventoryReservationFailed, PaymentCompleted, PaymentFailed
 * and OrderNotificationsAttempted: moves the order along its state machine with a
 * conditional update (read, decide in #domain/order-status, write on the status
 * read). A duplicate or late event changes nothing. Reaching FAILED publishes
 * `OrderFailed` (which releases any reservation and tells the customer); a
 * redelivery of the event that failed the order publishes it again, in case the
 * first delivery stopped between the write and the publish.
 */
export const handler = eventHandler({
  InventoryReserved: (data, event) => advance(data.orderId, { type: 'InventoryReserved' }, event),
  InventoryReservationFailed: (data, event) =>
    advance(data.orderId, { type: 'InventoryReservationFailed', reason: shortageReason(data.shortages) }, event),
  PaymentCompleted: (data, event) => advance(data.orderId, { type: 'PaymentCompleted', paymentId: data.paymentId }, event),
  PaymentFailed: (data, event) =>
    advance(data.orderId, { type: 'PaymentFailed', paymentId: data.paymentId, reason: paymentFailureReason(data) }, event),
  OrderNotificationsAttempted: ({ orderId, template, paymentId }, event) =>
    advance(orderId, { type: 'OrderNotificationsAttempted', template, ...(paymentId ? { paymentId } : {}) }, event),
});

/** Moves order `orderId` as `signal` (the delivered event as the state machine sees it) asks. */
async function advance(orderId: string, signal: OrderSignal, event: DeliveredEvent<OrderSignal['type']>): Promise<void> {
  const detailType = event['detail-type'];
  const target = targetOf(signal);
  if (!target) {
    logger.debug('Event does not change the order status');
    return;
  }
  const { eventId } = event.detail.metadata;
  const correlationId = event.detail.metadata.correlationId;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const order = await orders.get(orderId);
    // Orders are written before OrderPlaced is published: an unknown order is a bug worth a DLQ entry.
    if (!order) throw new Error(`${detailType} for an unknown order ${orderId}`);
    const decision = transition(order.status, target.status);
    if (decision.kind === 'ignore') {
      logger.info('Order status unchanged', {
        orderId: order.orderId,
        status: order.status,
        asked: target.status,
        because: decision.because,
      });
      metrics.addMetric(`OrderEventIgnored_${decision.because}`, MetricUnit.Count, 1);
      if (order.status === 'FAILED' && decision.because === 'duplicate' && alreadyApplied(order.history, eventId)) {
        await publishFailed(order.customerId, order.orderId, order.history, correlationId);
      }
      return;
    }
    const changes = historyEntries(decision.path, { event: detailType, eventId, reason: target.reason }, new Date().toISOString());
    if (await orders.advance(order.orderId, order.status, changes, paymentIdOf(signal))) {
      logger.info('Order status advanced', { orderId: order.orderId, from: order.status, to: target.status });
      metrics.addMetric(`Order${target.status}`, MetricUnit.Count, 1);
      if (target.status === 'FAILED') {
        await publishFailed(order.customerId, order.orderId, [...order.history, ...changes], correlationId);
      }
      return;
    }
  }
  throw new Error(`Order ${orderId} kept changing; retrying later`);
}

async function publishFailed(customerId: string, orderId: string, history: readonly StatusChange[], correlationId: string): Promise<void> {
  const failedAt = history.findIndex((change) => change.status === 'FAILED');
  const failed: OrderFailed = {
    orderId,
    customerId,
    reason: history[failedAt]?.reason ?? 'unknown',
    failedFrom: history[failedAt - 1]?.status ?? 'PENDING',
  };
  await publish([{ detailType: 'OrderFailed', data: failed }], correlationId);
}
