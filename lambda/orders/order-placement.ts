import { randomUUID } from 'node:crypto';
import { bodyHash } from '#domain/idempotency';
import { buildOrder, type NewOrder, type Order, priceOrder } from '#domain/orders';
import type { Problem } from '#shared/errors';
import type { OrderStore } from './order-store';
import type { PriceCatalog } from './price-catalog';

export interface PlaceRequest {
  readonly input: NewOrder;
  /** Whose order it is: the caller (the token's `sub`), never the body's say-so. */
  readonly customerId: string;
  /** The stored Idempotency-Key (the client's, or a batch's key with the order's index). */
  readonly idempotencyKey: string;
}

export type PlaceResult =
  /** Stored PENDING; `OrderPlaced` goes out from the orders table's stream (the outbox). */
  | { readonly kind: 'created'; readonly order: Order }
  /** The key made this order before; nothing new was stored. */
  | { readonly kind: 'replayed'; readonly order: Order }
  /** Unknown SKUs: nothing stored. */
  | { readonly kind: 'invalid'; readonly problems: readonly Problem[] }
  /** The key was used with another body: nothing stored. */
  | { readonly kind: 'key-reused' };

/**
 * Places orders — one for `POST /orders`, a chunk of ten for `POST /orders/batch`:
 * prices every line from the inventory (one BatchGetItem for all SKUs) and stores
 * each priced order PENDING under its Idempotency-Key, with the request's
 * correlation id. It only writes: `OrderPlaced` is published from the orders
 * table's stream by `publish-order-events` (#shared/outbox), with an event id
 * derived from the order id, so an order once stored is always placed — a failed
 * publish or a crash after the write is retried by the stream, not by the client.
 */
export class OrderPlacement {
  constructor(
    private readonly store: OrderStore,
    private readonly catalog: PriceCatalog,
    private readonly newId: () => string = randomUUID,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async place(requests: readonly PlaceRequest[], correlationId: string): Promise<PlaceResult[]> {
    const prices = await this.catalog.prices(requests.flatMap((request) => request.input.lines.map((line) => line.sku)));
    return Promise.all(
      requests.map(async (request): Promise<PlaceResult> => {
        const pricing = priceOrder(request.input, prices);
        if (!pricing.ok) return { kind: 'invalid', problems: pricing.problems };
        const order = buildOrder(this.newId(), request.customerId, pricing.lines, pricing.total, this.clock(), request.input.paymentMethod);
        return this.store.create(order, { key: request.idempotencyKey, bodyHash: bodyHash(request.input) }, correlationId);
      }),
    );
  }
}
