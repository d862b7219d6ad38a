import { ENV } from '#contracts/environment';
import { newOrderSchema } from '#domain/orders';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { UnprocessableError, ValidationError } from '#shared/errors';
import { created, httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { OrderPlacement } from './order-placement';
import { DynamoOrderStore } from './order-store';
import { DynamoPriceCatalog } from './price-catalog';
import { customerOf, parseOrderRequest } from './request';

const placement = new OrderPlacement(
  new DynamoOrderStore(dynamo, env(ENV.ORDERS_TABLE)),
  new DynamoPriceCatalog(dynamo, env(ENV.INVENTORY_TABLE)),
);

/**
 * POST /orders (`Idempotency-Key` header) — the caller's order (a body
 * `customerId` other than the caller's is a 403) — prices the lines from the inventory,
 * stores the order PENDING (`OrderPlaced` goes out from the table's stream): 201. The same key and
 * body again returns the same order (200, `idempotent-replayed: true`) and never
 * makes a second one; the same key with another body is a 422.
 */
export const handler = httpHandler(async (request) => {
  const { caller, key, body } = parseOrderRequest(request, newOrderSchema);
  const customerId = customerOf(caller, body);
  const [result] = await placement.place([{ input: body, customerId, idempotencyKey: key }], request.correlationId);
  switch (result!.kind) {
    case 'created':
      metrics.addMetric('OrderPlaced', MetricUnit.Count, 1);
      return created(result!.order);
    case 'replayed':
      metrics.addMetric('OrderReplayed', MetricUnit.Count, 1);
      return { ...ok(result!.order), headers: { 'idempotent-replayed': 'true' } };
    case 'invalid':
      throw new ValidationError(result!.problems);
    case 'key-reused':
      throw new UnprocessableError('This Idempotency-Key was used with a different request body');
  }
});
