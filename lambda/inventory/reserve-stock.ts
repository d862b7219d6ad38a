import { ENV } from '#contracts/environment';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { DynamoInventoryStore, type Reservation } from './inventory-store';
import { outcomeEvent } from './reservation-events';

const inventory = new DynamoInventoryStore(dynamo, env(ENV.INVENTORY_TABLE));

/**
 * On `OrderPlaced`: reserves every line in one transaction — all or none, stock
 * never below zero — and publishes `InventoryReserved`, or
 * `InventoryReservationFailed` naming each short SKU. A redelivered event
 * reserves nothing again; it publishes the outcome that stands (in case the first
 * delivery stopped before publishing), which every consumer takes idempotently.
 */
export const handler = eventHandler('OrderPlaced', async (order, event) => {
  const { correlationId } = event.detail.metadata;
  const outcome = await inventory.reserve(order, new Date());
  let reservation: Reservation;
  if (outcome.kind === 'reserved') {
    reservation = outcome.reservation;
  } else if (outcome.kind === 'short') {
    reservation = await inventory.recordFailure(order, outcome.shortages, new Date());
  } else {
    logger.info('Duplicate OrderPlaced; republishing the outcome that stands', { status: outcome.reservation.status });
    reservation = outcome.reservation;
  }
  metrics.addMetric(outcome.kind === 'duplicate' ? 'DuplicateEventIgnored' : `Reservation_${outcome.kind}`, MetricUnit.Count, 1);
  const result = outcomeEvent(reservation);
  // COMMITTED or RELEASED: the saga has moved past the reservation; nothing to repeat.
  if (result) await publish([result], correlationId);
});
