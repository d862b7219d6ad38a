import { ENV } from '#contracts/environment';
import { mayReadOrder } from '#domain/access';
import { canonicalUuid } from '#domain/users';
import { env } from '#shared/aws';
import { authorizeUser } from '#shared/caller';
import { dynamo } from '#shared/dynamo';
import { NotFoundError, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoOrderStore } from './order-store';

const orders = new DynamoOrderStore(dynamo, env(ENV.ORDERS_TABLE));

/**
 * GET /orders/{orderId} — status, lines, total, payment id and the status
 * history with reasons (the id in either case), for the order's customer only: anyone else gets the
 * same 404 as for a missing order.
 */
export const handler = httpHandler(async (request) => {
  const caller = authorizeUser(request.event);
  const orderId = canonicalUuid(request.pathParameter('orderId') ?? '');
  if (orderId === undefined) throw new ValidationError([{ path: 'orderId', message: 'must be a UUID' }]);
  const order = await orders.get(orderId);
  if (!order || !mayReadOrder(caller, order)) throw new NotFoundError('Order');
  metrics.addMetric('OrderRead', MetricUnit.Count, 1);
  return ok(order);
});
