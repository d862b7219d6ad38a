import { type NotificationRequest, onEveryChannel } from '#domain/notifications';
import { formatMoney, type OrderFailed, type OrderNotificationsAttempted } from '#domain/orders';
import type { PaymentCompleted } from '#domain/payments';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { contactOf } from './contacts';
import { Notifier } from './notifier';
import { providersFromEnvironment } from './providers';

const notifier = new Notifier(dynamo, env('NOTIFICATIONS_TABLE'), providersFromEnvironment());
const usersTable = env('USERS_TABLE');

/**
 * On `PaymentCompleted` (order confirmed) and `OrderFailed`: tells the customer
 * by email, SMS and push in parallel through the Notifier — one failing channel
 * never stops the others, and every attempt is recorded (channel, masked
 * recipient, status, error) under `ORDER#<orderId>`. Attempts are keyed by the
 * notice (`order-confirmed#email`...), not by the event id, so a redelivered or
 * republished event never sends a notice twice. Then publishes
 * `OrderNotificationsAttempted` (which confirms a paid order) with each outcome.
 */
export const handler = eventHandler<PaymentCompleted | OrderFailed>(async (data, event) => {
  const failed = event['detail-type'] === 'OrderFailed';
  const template = failed ? 'order-failed' : 'order-confirmed';
  const values: NotificationRequest['values'] = failed
    ? { orderId: data.orderId, reason: (data as OrderFailed).reason }
    : { orderId: data.orderId, total: formatMoney((data as PaymentCompleted).amount, (data as PaymentCompleted).currency) };
  const contact = await contactOf(dynamo, usersTable, data.customerId);
  let attempts: OrderNotificationsAttempted['attempts'] = [];
  if (contact) {
    const results = await notifier.notify(`ORDER#${data.orderId}`, template, onEveryChannel(data.customerId, contact, template, values));
    attempts = results.map(({ channel, status }) => ({ channel, status }));
  } else {
    // An order may name a customer that is not registered: nobody to tell, and the order still completes.
    logger.warn('No contact data for the customer; nothing sent', { orderId: data.orderId });
    metrics.addMetric('OrderNoticeWithoutContact', MetricUnit.Count, 1);
  }
  const attempted: OrderNotificationsAttempted = {
    orderId: data.orderId,
    template,
    ...(failed ? {} : { paymentId: (data as PaymentCompleted).paymentId }),
    attempts,
  };
  await publish([{ detailType: 'OrderNotificationsAttempted', data: attempted }], event.detail.metadata.correlationId);
});
