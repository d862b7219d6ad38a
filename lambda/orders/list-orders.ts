import { decodePageToken, encodePageToken, parsePageSize } from '#domain/order-pages';
import { env } from '#shared/aws';
import { authorizeUser } from '#shared/caller';
import { dynamo } from '#shared/dynamo';
import { type Problem, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { listOrdersOf } from './order-list';

const table = env('ORDERS_TABLE');
const index = env('ORDERS_BY_CUSTOMER_INDEX');

/**
 * GET /orders?limit=&nextToken= — the caller's orders (the token's `sub`),
 * newest first, `limit` 1-100 (20 by default); `nextToken` (opaque) continues
 * where the last page stopped and is absent on the last page. A token from
 * another list (another caller's) is a 400, like a malformed one.
 */
export const handler = httpHandler(async (request) => {
  const caller = authorizeUser(request.event);
  const query = request.event.queryStringParameters ?? {};
  const problems: Problem[] = [];
  const limit = parsePageSize(query.limit);
  if (limit === undefined) problems.push({ path: 'limit', message: 'must be a whole number from 1 to 100' });
  const start = query.nextToken ? decodePageToken(query.nextToken, caller.userId) : undefined;
  if (query.nextToken && !start) problems.push({ path: 'nextToken', message: 'is not a token of this list' });
  if (problems.length > 0) throw new ValidationError(problems);
  const page = await listOrdersOf(dynamo, table, index, caller.userId, limit!, start);
  metrics.addMetric('OrdersListed', MetricUnit.Count, 1);
  return ok({ orders: page.orders, ...(page.next ? { nextToken: encodePageToken(page.next) } : {}) });
});
