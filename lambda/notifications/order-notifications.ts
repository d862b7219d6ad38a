import { ENV } from '#contracts/environment';
import type { OrderNotificationsAttempted } from '#contracts/events';
import { KEY_PREFIX } from '#contracts/keys';
import { type NotificationRequest, onEveryChannel } from '#domain/notifications';
import { formatMoney } from '#domain/orders';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { type DeliveredEvent, eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { contactOf } from './contacts';
import { Notifier } from './notifier';
import { providersFromEnvironment } from './providers';

const notifier = new Notifier(dynamo, env(ENV.NOTIFICATIONS_TABLE), providersFromEnvironment());
const usersTable = env(ENV.USERS_TABLE);

/**
 * On `PaymentCompleted` (order confirmed) and `OrderFailed`: tells the customer
 * by email, SMS and push in parallel through the Notifier — one failing channel
 * never stops the others, and every attempt is recorded (channel, masked
 * recipient, status, error) under `ORDER#<orderId>`. Attempts are keyed by the
 * notice (`order-confirmed#email`...), not by the event id, so a redelivered or
 * republished event never sends a notice twice. Then publishes
 * `OrderNotificationsAttempted` (which confirms a paid order) with each outcome.
 */
export const handler = eventHandler({
  PaymentCompleted: ({ orderId, customerId, amount, currency, paymentId }, event) =>
    notifyCustomer(
      { orderId, customerId, template: 'order-confirmed', values: { orderId, total: formatMoney(amount, currency) }, paymentId },
      event,
    ),
  OrderFailed: ({ orderId, customerId, reason }, event) =>
    notifyCustomer({ orderId, customerId, template: 'order-failed', values: { orderId, reason } }, event),
});

interface OrderNotice {
  readonly orderId: string;
  readonly customerId: string;
  readonly template: OrderNotificationsAttempted['template'];
  readonly values: NotificationRequest['values'];
  /** The payment of a confirmed order, carried on to `OrderNotificationsAttempted`. */
  readonly paymentId?: string;
}

async function notifyCustomer(
  { orderId, customerId, template, values, paymentId }: OrderNotice,
  event: DeliveredEvent<'PaymentCompleted' | 'OrderFailed'>,
): Promise<void> {
  const contact = await contactOf(dynamo, usersTable, customerId);
  let attempts: OrderNotificationsAttempted['attempts'] = [];
  if (contact) {
    const results = await notifier.notify(`${KEY_PREFIX.order}${orderId}`, template, onEveryChannel(customerId, contact, template, values));
    attempts = results.map(({ channel, status }) => ({ channel, status }));
  } else {
    // An order may name a customer that is not registered: nobody to tell, and the order still completes.
    logger.warn('No contact data for the customer; nothing sent', { orderId });
    metrics.addMetric('OrderNoticeWithoutContact', MetricUnit.Count, 1);
  }
  const attempted: OrderNotificationsAttempted = { orderId, template, ...(paymentId === undefined ? {} : { paymentId }), attempts };
  await publish([{ detailType: 'OrderNotificationsAttempted', data: attempted }], event.detail.metadata.correlationId);
}
