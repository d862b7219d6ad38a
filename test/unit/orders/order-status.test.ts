import {
  alreadyApplied,
  historyEntries,
  ORDER_STATUSES,
  type OrderStatus,
  paymentIdOf,
  targetOf,
  transition,
  type Transition,
} from '../../../lambda/domain/order-status';

const advance = (from: OrderStatus, ...path: OrderStatus[]): Transition => ({ kind: 'advance', from, path });
const ignore = (because: 'duplicate' | 'stale' | 'terminal' | 'illegal'): Transition => ({ kind: 'ignore', because });

/** Every (current, target) pair: 25 cases, each legal move and each refusal with its reason. */
const TABLE: [OrderStatus, OrderStatus, Transition][] = [
  ['PENDING', 'PENDING', ignore('duplicate')],
  ['PENDING', 'RESERVED', advance('PENDING', 'RESERVED')],
  ['PENDING', 'PAID', advance('PENDING', 'RESERVED', 'PAID')],
  ['PENDING', 'CONFIRMED', advance('PENDING', 'RESERVED', 'PAID', 'CONFIRMED')],
  ['PENDING', 'FAILED', advance('PENDING', 'FAILED')],

  ['RESERVED', 'PENDING', ignore('illegal')],
  ['RESERVED', 'RESERVED', ignore('duplicate')],
  ['RESERVED', 'PAID', advance('RESERVED', 'PAID')],
  ['RESERVED', 'CONFIRMED', advance('RESERVED', 'PAID', 'CONFIRMED')],
  ['RESERVED', 'FAILED', advance('RESERVED', 'FAILED')],

  ['PAID', 'PENDING', ignore('illegal')],
  ['PAID', 'RESERVED', ignore('stale')],
  ['PAID', 'PAID', ignore('duplicate')],
  ['PAID', 'CONFIRMED', advance('PAID', 'CONFIRMED')],
  ['PAID', 'FAILED', ignore('illegal')],

  ['CONFIRMED', 'PENDING', ignore('terminal')],
  ['CONFIRMED', 'RESERVED', ignore('terminal')],
  ['CONFIRMED', 'PAID', ignore('terminal')],
  ['CONFIRMED', 'CONFIRMED', ignore('duplicate')],
  ['CONFIRMED', 'FAILED', ignore('terminal')],

  ['FAILED', 'PENDING', ignore('terminal')],
  ['FAILED', 'RESERVED', ignore('terminal')],
  ['FAILED', 'PAID', ignore('terminal')],
  ['FAILED', 'CONFIRMED', ignore('terminal')],
  ['FAILED', 'FAILED', ignore('duplicate')],
];

describe('order status transitions', () => {
  it('covers every pair of statuses', () => {
    expect(TABLE).toHaveLength(ORDER_STATUSES.length ** 2);
  });

  it.each(TABLE)('%s -> %s', (current, target, expected) => {
    expect(transition(current, target)).toEqual(expected);
  });

  it('never moves an order backwards along the path, whatever the sequence of events', () => {
    const rank = (s: OrderStatus) => (s === 'FAILED' ? 99 : ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'].indexOf(s));
    // Every sequence of three targets from every start: each applied move goes strictly forward.
    for (const start of ORDER_STATUSES) {
      for (const a of ORDER_STATUSES)
        for (const b of ORDER_STATUSES)
          for (const c of ORDER_STATUSES) {
            let status = start;
            for (const target of [a, b, c]) {
              const t = transition(status, target);
              if (t.kind === 'advance') {
                const next = t.path[t.path.length - 1]!;
                expect(rank(next)).toBeGreaterThan(rank(status));
                status = next;
              }
            }
          }
    }
  });
});

describe('events as signals', () => {
  it('maps each saga event to the status it asks for, with the reason to record', () => {
    expect(targetOf({ type: 'InventoryReserved' })).toEqual({ status: 'RESERVED' });
    expect(targetOf({ type: 'InventoryReservationFailed', reason: 'short' })).toEqual({ status: 'FAILED', reason: 'short' });
    expect(targetOf({ type: 'PaymentCompleted', paymentId: 'p' })).toEqual({ status: 'PAID' });
    expect(targetOf({ type: 'PaymentFailed', paymentId: 'p', reason: 'declined' })).toEqual({ status: 'FAILED', reason: 'declined' });
    expect(targetOf({ type: 'OrderNotificationsAttempted', template: 'order-confirmed' })).toEqual({ status: 'CONFIRMED' });
    expect(targetOf({ type: 'OrderNotificationsAttempted', template: 'order-failed' })).toBeUndefined();
  });

  it('records the payment id from payment events', () => {
    expect(paymentIdOf({ type: 'PaymentFailed', paymentId: 'pay-1', reason: 'x' })).toBe('pay-1');
    expect(paymentIdOf({ type: 'InventoryReserved' })).toBeUndefined();
  });
});

describe('history', () => {
  it('records skipped statuses as implied by the event, and the reason on the last entry', () => {
    const entries = historyEntries(['RESERVED', 'PAID'], { event: 'PaymentCompleted', eventId: 'e-1' }, '2026-11-27T00:00:00.000Z');
    expect(entries).toEqual([
      {
        status: 'RESERVED',
        at: '2026-11-27T00:00:00.000Z',
        event: 'PaymentCompleted',
        eventId: 'e-1',
        reason: 'implied by PaymentCompleted',
      },
      { status: 'PAID', at: '2026-11-27T00:00:00.000Z', event: 'PaymentCompleted', eventId: 'e-1' },
    ]);
    const failed = historyEntries(['FAILED'], { event: 'PaymentFailed', eventId: 'e-2', reason: 'declined' }, 'now');
    expect(failed).toEqual([{ status: 'FAILED', at: 'now', event: 'PaymentFailed', eventId: 'e-2', reason: 'declined' }]);
  });

  it('recognises a redelivery by its event id', () => {
    const history = historyEntries(['FAILED'], { event: 'PaymentFailed', eventId: 'e-2', reason: 'x' }, 'now');
    expect(alreadyApplied(history, 'e-2')).toBe(true);
    expect(alreadyApplied(history, 'e-3')).toBe(false);
  });
});
