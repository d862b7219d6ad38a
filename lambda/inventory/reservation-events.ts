import type { InventoryReservationFailed, InventoryReserved } from '#contracts/events';
import { shortageReason } from '#domain/orders';
import type { DomainEvent } from '#shared/events';
import type { Reservation } from './inventory-store';

/**
 * The event a reservation stands for: `InventoryReserved` while HELD,
 * `InventoryReservationFailed` when FAILED, nothing once settled (the saga has
 * moved past it, so a late redelivery must not start a payment again).
 */
export function outcomeEvent(reservation: Reservation): DomainEvent<'InventoryReserved' | 'InventoryReservationFailed'> | undefined {
  const { orderId, customerId } = reservation;
  if (reservation.status === 'HELD') {
    const data: InventoryReserved = {
      orderId,
      customerId,
      lines: reservation.lines,
      total: reservation.total,
      currency: reservation.currency,
      ...(reservation.paymentMethod ? { paymentMethod: reservation.paymentMethod } : {}),
    };
    return { detailType: 'InventoryReserved', data };
  }
  if (reservation.status === 'FAILED') {
    const shortages = reservation.shortages ?? [];
    const data: InventoryReservationFailed = { orderId, customerId, reason: shortageReason(shortages), shortages };
    return { detailType: 'InventoryReservationFailed', data };
  }
  return undefined;
}
