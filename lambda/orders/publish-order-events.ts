import type { DynamoDBRecord } from 'aws-lambda';
import { orderPlaced } from '#domain/orders';
import { eventIdFor, type PreparedEvent } from '#shared/events';
import { outboxHandler } from '#shared/outbox';
import { placedOrderOf } from './order-store';

/**
 * The `OrderPlaced` event of a record, if it inserted an order: the envelope is
 * fixed by the stored item — the event id is derived from the order id, the
 * time is the order's `createdAt`, the correlation id is the placing
 * request's — so a record delivered again publishes the very same event.
 */
export function orderPlacedOf(record: DynamoDBRecord): PreparedEvent<'OrderPlaced'> | undefined {
  const placed = placedOrderOf(record);
  if (!placed) return undefined;
  const { order, correlationId } = placed;
  const eventId = eventIdFor('OrderPlaced', order.orderId);
  return {
    detailType: 'OrderPlaced',
    data: orderPlaced(order),
    metadata: { eventId, correlationId: correlationId ?? eventId, occurredAt: order.createdAt, version: 1 },
  };
}

/**
 * The orders table's outbox publisher (#shared/outbox): `OrderPlaced` for every
 * inserted order item, nothing for key claims or status changes. `POST /orders`
 * and `POST /orders/batch` only write.
 */
export const handler = outboxHandler('OrderPlaced', orderPlacedOf);
