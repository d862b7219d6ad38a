import type {
  InventoryReservationFailed,
  InventoryReserved,
  OrderFailed,
  OrderNotificationsAttempted,
} from '#domain/orders';
import { shortageReason } from '#domain/orders';
import {
  alreadyApplied,
  historyEntries,
  type OrderSignal,
  paymentIdOf,
  targetOf,
  transition,
} from '#domain/order-status';
import { type PaymentCompleted, type PaymentFailed, paymentFailureReason } from '#domain/payments';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { DynamoOrderStore } from './order-store';

const orders = new DynamoOrderStore(dynamo, env('ORDERS_TABLE'));

/** A concurrent event may move the order between our read and our conditional write; then we read again. */
const MAX_ATTEMPTS = 5;

type SagaEvent =
  | InventoryReserved
  | InventoryReservationFailed
  | PaymentCompleted
  | PaymentFailed
  | OrderNotificationsAttempted;

/** The saga event as the state machine sees it. */
export function signalOf(detailType: string, data: SagaEvent): OrderSignal {
  switch (detailType) {
    case 'InventoryReserved':
      return { type: 'InventoryReserved' };
    case 'InventoryReservationFailed':
      return { type: 'InventoryReservationFailed', reason: shortageReason((data as InventoryReservationFailed).shortages) };
    case 'PaymentCompleted':
      return { type: 'PaymentCompleted', paymentId: (data as PaymentCompleted).paymentId };
    case 'PaymentFailed': {
      const failed = data as PaymentFailed;
      return { type: 'PaymentFailed', paymentId: failed.paymentId, reason: paymentFailureReason(failed) };
    }
    case 'OrderNotificationsAttempted': {
      const { template, paymentId } = data as OrderNotificationsAttempted;
      return { type: 'OrderNotificationsAttempted', template, ...(paymentId ? { paymentId } : {}) };
    }
    default:
      throw new Error(`The orders consumer does not handle ${detailType}`);
  }
}

/**
 * On InventoryReserved, InventoryReservationFailed, PaymentCompleted, PaymentFailed
 * and OrderNotificationsAttempted: moves the order along its state machine with a
 * conditional update (read, decide in #domain/order-status, write on the status
 * read). A duplicate or late event changes nothing. Reaching FAILED publishes
 * `OrderFailed` (which releases any reservation and tells the customer); a
 * redelivery of the event that failed the order publishes it again, in case the
 * first delivery stopped between the write and the publish.
 */
export const handler = eventHandler<SagaEvent>(async (data, event) => {
  const detailType = event['detail-type'];
  const signal = signalOf(detailType, data);
  const target = targetOf(signal);
  if (!target) {
    logger.debug('Event does not change the order status');
    return;
  }
  const { eventId } = event.detail.metadata;
  const correlationId = event.detail.metadata.correlationId;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const order = await orders.get(data.orderId);
    // Orders are written before OrderPlaced is published: an unknown order is a bug worth a DLQ entry.
    if (!order) throw new Error(`${detailType} for an unknown order ${data.orderId}`);
    const decision = transition(order.status, target.status);
    if (decision.kind === 'ignore') {
      logger.info('Order status unchanged', { orderId: order.orderId, status: order.status, asked: target.status, because: decision.because });
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
  throw new Error(`Order ${data.orderId} kept changing; retrying later`);
});

async function publishFailed(
  customerId: string,
  orderId: string,
  history: readonly { status: string; reason?: string }[],
  correlationId: string,
): Promise<void> {
  const failedAt = history.findIndex((change) => change.status === 'FAILED');
  const failed: OrderFailed = {
    orderId,
    customerId,
    reason: history[failedAt]?.reason ?? 'unknown',
    failedFrom: (history[failedAt - 1]?.status ?? 'PENDING') as OrderFailed['failedFrom'],
  };
  await publish([{ detailType: 'OrderFailed', data: failed }], correlationId);
}
