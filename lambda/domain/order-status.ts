import type { OrderStatus } from '#contracts/events';

export { ORDER_STATUSES, type OrderStatus } from '#contracts/events';

/**
 * The order status state machine, pure: the orders consumer reads an order,
 * asks `transition` what an event does to it, and writes the answer with a
 * condition on the status it read — so a duplicate or late event never moves an
 * order backwards or twice, whatever order the saga's events arrive in.
 *
 *   PENDING -> RESERVED -> PAID -> CONFIRMED      (forward only)
 *   PENDING | RESERVED -> FAILED (with a reason)  (terminal, like CONFIRMED)
 *
 * Events of a choreographed saga race: `PaymentCompleted` can reach the orders
 * consumer before `InventoryReserved` does (both follow the reservation). A
 * forward move may therefore skip statuses; the skipped ones are recorded as
 * implied by the later event, and the late event is then `stale`.
 */

/** One step of an order's life, kept in order: what it became, when, why. */
export interface StatusChange {
  readonly status: OrderStatus;
  readonly at: string;
  /** The event that caused the change (`OrderPlaced` for the first). */
  readonly event: string;
  /** The envelope id of that event: a redelivery is recognised by it. */
  readonly eventId?: string;
  readonly reason?: string;
}

/** The happy path, in order. FAILED is off the path. */
const PATH: readonly OrderStatus[] = ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'];
const TERMINAL: ReadonlySet<OrderStatus> = new Set(['CONFIRMED', 'FAILED']);
/** Statuses an order may fail from: once paid, failing would need a refund, which no event here asks for. */
const MAY_FAIL: ReadonlySet<OrderStatus> = new Set(['PENDING', 'RESERVED']);

export type IgnoredBecause =
  /** The order already has this status (a redelivery, or a second event to the same effect). */
  | 'duplicate'
  /** The order is already further along the path (a late event). */
  | 'stale'
  /** The order is CONFIRMED or FAILED; nothing moves it any more. */
  | 'terminal'
  /** No event may do this (back to PENDING, or FAILED once PAID). */
  | 'illegal';

export type Transition =
  /** Move to the last status of `path`; earlier entries are statuses skipped on the way (implied). */
  | { readonly kind: 'advance'; readonly from: OrderStatus; readonly path: readonly OrderStatus[] }
  | { readonly kind: 'ignore'; readonly because: IgnoredBecause };

/** What an event asks of an order in status `current`: advance (and through which statuses), or ignore and why. */
export function transition(current: OrderStatus, target: OrderStatus): Transition {
  if (current === target) return { kind: 'ignore', because: 'duplicate' };
  if (TERMINAL.has(current)) return { kind: 'ignore', because: 'terminal' };
  if (target === 'FAILED') {
    return MAY_FAIL.has(current) ? { kind: 'advance', from: current, path: ['FAILED'] } : { kind: 'ignore', because: 'illegal' };
  }
  const from = PATH.indexOf(current);
  const to = PATH.indexOf(target);
  if (to === 0) return { kind: 'ignore', because: 'illegal' };
  if (to < from) return { kind: 'ignore', because: 'stale' };
  return { kind: 'advance', from: current, path: PATH.slice(from + 1, to + 1) };
}

/** The events that move an order, as the orders consumer receives them. */
export type OrderSignal =
  | { readonly type: 'InventoryReserved' }
  | { readonly type: 'InventoryReservationFailed'; readonly reason: string }
  | { readonly type: 'PaymentCompleted'; readonly paymentId: string }
  | { readonly type: 'PaymentFailed'; readonly paymentId: string; readonly reason: string }
  | { readonly type: 'OrderNotificationsAttempted'; readonly template: string; readonly paymentId?: string };

/**
 * The status an event asks for, with the reason to record, or undefined when the
 * event does not concern the order's status (e.g. the failure notice was sent).
 */
export function targetOf(signal: OrderSignal): { readonly status: OrderStatus; readonly reason?: string } | undefined {
  switch (signal.type) {
    case 'InventoryReserved':
      return { status: 'RESERVED' };
    case 'InventoryReservationFailed':
      return { status: 'FAILED', reason: signal.reason };
    case 'PaymentCompleted':
      return { status: 'PAID' };
    case 'PaymentFailed':
      return { status: 'FAILED', reason: signal.reason };
    case 'OrderNotificationsAttempted':
      // CONFIRMED once the customer has been told (every channel attempted, whatever each outcome).
      return signal.template === 'order-confirmed' ? { status: 'CONFIRMED' } : undefined;
  }
}

/** What caused a status change: the event's name, its envelope id, and the reason to record. */
export interface Cause {
  readonly event: string;
  readonly eventId: string;
  readonly reason?: string;
}

/**
 * The history entries of an advance: one per status on its path; statuses the
 * order skipped are recorded as implied by the event, so the history reads
 * PENDING, RESERVED, PAID... in order whatever order the events arrived in.
 */
export function historyEntries(path: readonly OrderStatus[], cause: Cause, at: string): StatusChange[] {
  return path.map((status, index) => {
    const last = index === path.length - 1;
    const reason = last ? cause.reason : `implied by ${cause.event}`;
    return { status, at, event: cause.event, eventId: cause.eventId, ...(reason ? { reason } : {}) };
  });
}

/** True when the event with this id already moved the order (a redelivery, not just a second event to the same effect). */
export function alreadyApplied(history: readonly StatusChange[], eventId: string): boolean {
  return history.some((change) => change.eventId === eventId);
}

/** The payment id an event carries, to record on the order. */
export function paymentIdOf(signal: OrderSignal): string | undefined {
  return 'paymentId' in signal ? signal.paymentId : undefined;
}
