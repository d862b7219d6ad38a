import type { DetailType, EventData } from '../../contracts/events';

const CUSTOMER = '00000000-0000-4000-8000-000000000001';
const ORDER = '00000000-0000-4000-8000-0000000000aa';

/** A valid example of every event's data (#contracts/events), to complete what a test cares about. */
const EXAMPLES: { readonly [K in DetailType]: EventData<K> } = {
  UserCreated: { userId: CUSTOMER, createdAt: '2026-11-27T10:00:00.000Z' },
  OrderPlaced: {
    orderId: ORDER,
    customerId: CUSTOMER,
    lines: [{ sku: 'MUG', quantity: 1, unitPrice: 1250 }],
    total: 1250,
    currency: 'USD',
  },
  InventoryReserved: { orderId: ORDER, customerId: CUSTOMER, lines: [{ sku: 'MUG', quantity: 1 }], total: 1250, currency: 'USD' },
  InventoryReservationFailed: {
    orderId: ORDER,
    customerId: CUSTOMER,
    reason: 'insufficient stock for MUG (requested 1)',
    shortages: [{ sku: 'MUG', requested: 1 }],
  },
  PaymentCompleted: { orderId: ORDER, customerId: CUSTOMER, paymentId: 'pay-example', amount: 1250, currency: 'USD' },
  PaymentFailed: {
    orderId: ORDER,
    customerId: CUSTOMER,
    paymentId: 'pay-example',
    amount: 1250,
    currency: 'USD',
    code: 'CARD_DECLINED',
    reason: 'the card was declined',
  },
  OrderFailed: { orderId: ORDER, customerId: CUSTOMER, reason: 'the card was declined', failedFrom: 'RESERVED' },
  OrderNotificationsAttempted: { orderId: ORDER, template: 'order-confirmed', attempts: [] },
  HighEngagementDetected: { userId: CUSTOMER, totalScore: 110, threshold: 100, eventCount: 11, detectedAt: '2026-11-27T10:00:00.000Z' },
};

/**
 * A complete, valid `data` of `detailType` with the fields a test sets: consumers
 * only take events that match their contract, so a test that means to send a
 * valid event sends all of it (a test of a malformed event builds its own).
 */
export function validData<K extends string>(detailType: K, fields: object): K extends DetailType ? EventData<K> : object {
  return { ...EXAMPLES[detailType as DetailType], ...fields } as K extends DetailType ? EventData<K> : object;
}
