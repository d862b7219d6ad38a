import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationRequest } from '#domain/notifications';
import { formatMoney, type OrderFailed, type OrderNotificationsAttempted } from '#domain/orders';
import type { PaymentCompleted } from '#domain/payments';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { Notifier } from './notifier';
import { providersFromEnvironment } from './providers';

const notifier = new Notifier(dynamo, env('NOTIFICATIONS_TABLE'), providersFromEnvironment());
const usersTable = env('USERS_TABLE');

/** How to reach a customer, read when notifying (never carried in events, which are archived and dead-lettered). */
interface Contact {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
}

/** The customer's current contact data from the users table (`USER#<id>`, only the three fields needed). */
async function contactOf(customerId: string): Promise<Contact | undefined> {
  const { Item } = await dynamo.send(
    new GetCommand({
      TableName: usersTable,
      Key: { pk: `USER#${customerId}` },
      ProjectionExpression: '#name, email, phone',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
  );
  return Item as Contact | undefined;
}

/** Email, SMS and push for one order notice; push addresses the customer's devices by customer id. */
export function orderNotices(
  customerId: string,
  contact: Contact,
  template: OrderNotificationsAttempted['template'],
  values: NotificationRequest['values'],
): NotificationRequest[] {
  return [
    { channel: 'email', recipient: contact.email, template, values },
    { channel: 'sms', recipient: contact.phone, template, values },
    { channel: 'push', recipient: customerId, template, values },
  ];
}

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
  const contact = await contactOf(data.customerId);
  let attempts: OrderNotificationsAttempted['attempts'] = [];
  if (contact) {
    const results = await notifier.notify(`ORDER#${data.orderId}`, template, orderNotices(data.customerId, contact, template, values));
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
