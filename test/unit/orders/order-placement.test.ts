import type { Order } from '../../../lambda/domain/orders';
import type { OrderStatus } from '../../../lambda/domain/order-status';
import type { DomainEvent } from '../../../lambda/shared/events';
import { OrderPlacement } from '../../../lambda/orders/order-placement';
import type { CreateOutcome, IdempotencyClaim, OrderStore } from '../../../lambda/orders/order-store';
import type { PriceCatalog } from '../../../lambda/orders/price-catalog';

/**
 * The placement logic against in-memory adapters of its own ports (the DynamoDB
 * adapters are exercised against the emulator in test/integration/orders).
 */
class MemoryOrderStore implements OrderStore {
  readonly orders = new Map<string, Order>();
  readonly keys = new Map<string, { orderId: string; bodyHash: string }>();
  async create(order: Order, claim: IdempotencyClaim): Promise<CreateOutcome> {
    const existing = this.keys.get(claim.key);
    if (existing) {
      return existing.bodyHash === claim.bodyHash
        ? { kind: 'replayed', order: this.orders.get(existing.orderId)! }
        : { kind: 'key-reused' };
    }
    this.keys.set(claim.key, { orderId: order.orderId, bodyHash: claim.bodyHash });
    this.orders.set(order.orderId, order);
    return { kind: 'created', order };
  }
  async get(orderId: string) {
    return this.orders.get(orderId);
  }
  async advance(orderId: string, expected: OrderStatus) {
    const order = this.orders.get(orderId)!;
    return order.status === expected;
  }
}

const catalog: PriceCatalog = { prices: async (skus) => new Map(skus.filter((s) => s !== 'NOPE').map((s) => [s, 500])) };
const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';
const order = (quantity = 1, sku = 'MUG') => ({ customerId: CUSTOMER, lines: [{ sku, quantity }] });

function setup(failPublishing = false) {
  const store = new MemoryOrderStore();
  const published: DomainEvent[][] = [];
  let ids = 0;
  const placement = new OrderPlacement(
    store,
    catalog,
    async (events) => {
      if (failPublishing) throw new Error('PutEvents failed');
      published.push([...events]);
    },
    () => `order-${++ids}`,
    () => new Date('2026-11-27T10:00:00Z'),
  );
  return { store, published, placement };
}

describe('OrderPlacement', () => {
  it('prices, stores PENDING and publishes OrderPlaced for every new order in one call', async () => {
    const { store, published, placement } = setup();
    const results = await placement.place(
      [
        { input: order(2), customerId: CUSTOMER, idempotencyKey: 'k1' },
        { input: order(1, 'TEE'), customerId: CUSTOMER, idempotencyKey: 'k2' },
      ],
      'corr-1',
    );
    expect(results.map((r) => r.kind)).toEqual(['created', 'created']);
    expect(store.orders.get('order-1')).toMatchObject({
      status: 'PENDING',
      total: 1000,
      lines: [{ sku: 'MUG', quantity: 2, unitPrice: 500 }],
    });
    expect(published).toHaveLength(1);
    expect(published[0]!.map((e) => [e.detailType, (e.data as { orderId: string }).orderId])).toEqual([
      ['OrderPlaced', 'order-1'],
      ['OrderPlaced', 'order-2'],
    ]);
  });

  it('stores nothing for an order with an unknown SKU and says which', async () => {
    const { store, published, placement } = setup();
    const [result] = await placement.place([{ input: order(1, 'NOPE'), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    expect(result).toEqual({ kind: 'invalid', problems: [{ path: 'lines.0.sku', message: 'is not a known SKU (NOPE)' }] });
    expect(store.orders.size).toBe(0);
    expect(published).toHaveLength(0);
  });

  it('returns the same order for the same key and body, and refuses the key with another body', async () => {
    const { store, placement } = setup();
    const [first] = await placement.place([{ input: order(1), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    const [again] = await placement.place([{ input: order(1), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    const [other] = await placement.place([{ input: order(3), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    expect(first).toMatchObject({ kind: 'created', order: { orderId: 'order-1' } });
    expect(again).toMatchObject({ kind: 'replayed', order: { orderId: 'order-1' } });
    expect(other).toEqual({ kind: 'key-reused' });
    expect(store.orders.size).toBe(1);
  });

  it('reports a stored order whose event could not be published, and publishes it when the key is resent', async () => {
    const failing = setup(true);
    const [result] = await failing.placement.place([{ input: order(1), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    expect(result).toMatchObject({ kind: 'unpublished', order: { orderId: 'order-1', status: 'PENDING' } });

    // The client's retry (same key, same body) reaches a healthy bus: OrderPlaced goes out for the same order.
    const healthy = new OrderPlacement(failing.store, catalog, async (events) => void healthyEvents.push(...events));
    const healthyEvents: DomainEvent[] = [];
    const [retry] = await healthy.place([{ input: order(1), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    expect(retry).toMatchObject({ kind: 'replayed', order: { orderId: 'order-1' } });
    expect(healthyEvents.map((e) => (e.data as { orderId: string }).orderId)).toEqual(['order-1']);
  });

  it('does not publish again for a replayed order that has moved on', async () => {
    const { store, published, placement } = setup();
    await placement.place([{ input: order(1), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    store.orders.set('order-1', { ...store.orders.get('order-1')!, status: 'RESERVED' });
    await placement.place([{ input: order(1), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    expect(published).toHaveLength(1);
  });
});
