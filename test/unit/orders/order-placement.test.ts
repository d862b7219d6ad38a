import type { Order } from '../../../lambda/domain/orders';
import type { OrderStatus } from '../../../lambda/domain/order-status';
import { OrderPlacement } from '../../../lambda/orders/order-placement';
import type { CreateOutcome, IdempotencyClaim, OrderStore } from '../../../lambda/orders/order-store';
import type { PriceCatalog } from '../../../lambda/orders/price-catalog';

/**
 * The placement logic against in-memory adapters of its own ports (the DynamoDB
 * adapters are exercised against the emulator in test/integration/orders). It
 * only writes: `OrderPlaced` is the outbox's (publish-order-events).
 */
class MemoryOrderStore implements OrderStore {
  readonly orders = new Map<string, Order & { correlationId: string }>();
  readonly keys = new Map<string, { orderId: string; bodyHash: string }>();
  async create(order: Order, claim: IdempotencyClaim, correlationId: string): Promise<CreateOutcome> {
    const existing = this.keys.get(claim.key);
    if (existing) {
      return existing.bodyHash === claim.bodyHash
        ? { kind: 'replayed', order: this.orders.get(existing.orderId)! }
        : { kind: 'key-reused' };
    }
    this.keys.set(claim.key, { orderId: order.orderId, bodyHash: claim.bodyHash });
    this.orders.set(order.orderId, { ...order, correlationId });
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

function setup() {
  const store = new MemoryOrderStore();
  let ids = 0;
  const placement = new OrderPlacement(
    store,
    catalog,
    () => `order-${++ids}`,
    () => new Date('2026-11-27T10:00:00Z'),
  );
  return { store, placement };
}

describe('OrderPlacement', () => {
  it("prices and stores every new order PENDING with the request's correlation id", async () => {
    const { store, placement } = setup();
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
      correlationId: 'corr-1',
    });
    expect(store.orders.get('order-2')).toMatchObject({ status: 'PENDING', total: 500, correlationId: 'corr-1' });
  });

  it('stores nothing for an order with an unknown SKU and says which', async () => {
    const { store, placement } = setup();
    const [result] = await placement.place([{ input: order(1, 'NOPE'), customerId: CUSTOMER, idempotencyKey: 'k1' }], 'c');
    expect(result).toEqual({ kind: 'invalid', problems: [{ path: 'lines.0.sku', message: 'is not a known SKU (NOPE)' }] });
    expect(store.orders.size).toBe(0);
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
});
