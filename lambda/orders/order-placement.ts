import { randomUUID } from 'node:crypto';
import { bodyHash } from '#domain/idempotency';
import { buildOrder, type NewOrder, type Order, orderPlaced, priceOrder } from '#domain/orders';
import type { Problem } from '#shared/errors';
import type { DomainEvent } from '#shared/events';
import { logger } from '#shared/powertools';
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
  /** Stored PENDING and `OrderPlaced` published. */
  | { readonly kind: 'created'; readonly order: Order }
  /** The key made this order before; nothing new was stored. */
  | { readonly kind: 'replayed'; readonly order: Order }
  /** Unknown SKUs: nothing stored. */
  | { readonly kind: 'invalid'; readonly problems: readonly Problem[] }
  /** The key was used with another body: nothing stored. */
  | { readonly kind: 'key-reused' }
  /** Stored, but `OrderPlaced` could not be published: resending the same key and body publishes it. */
  | { readonly kind: 'unpublished'; readonly order: Order };

export type Publish = (events: readonly DomainEvent[], correlationId: string) => Promise<void>;

/**
 * Places orders — one for `POST /orders`, a chunk of ten for `POST /orders/batch`:
 * prices every line from the inventory (one BatchGetItem for all SKUs), stores
 * each priced order PENDING under its Idempotency-Key, and publishes `OrderPlaced`
 * for all of them in one PutEvents call.
 *
 * A replay of a key whose order is still PENDING publishes `OrderPlaced` again:
 * that is how a client's retry repairs a publish that failed (or a crash after
 * the write). Every consumer of `OrderPlaced` is idempotent by order id, so a
 * second copy of the event changes nothing.
 */
export class OrderPlacement {
  constructor(
    private readonly store: OrderStore,
    private readonly catalog: PriceCatalog,
    private readonly publish: Publish,
    private readonly newId: () => string = randomUUID,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async place(requests: readonly PlaceRequest[], correlationId: string): Promise<PlaceResult[]> {
    const prices = await this.catalog.prices(requests.flatMap((request) => request.input.lines.map((line) => line.sku)));
    const results: PlaceResult[] = await Promise.all(
      requests.map(async (request): Promise<PlaceResult> => {
        const pricing = priceOrder(request.input, prices);
        if (!pricing.ok) return { kind: 'invalid', problems: pricing.problems };
        const order = buildOrder(this.newId(), request.customerId, pricing.lines, pricing.total, this.clock(), request.input.paymentMethod);
        return this.store.create(order, { key: request.idempotencyKey, bodyHash: bodyHash(request.input) });
      }),
    );
    const toPublish = results.flatMap((result) =>
      (result.kind === 'created' || result.kind === 'replayed') && result.order.status === 'PENDING' ? [result.order] : [],
    );
    if (toPublish.length === 0) return results;
    try {
      await this.publish(
        toPublish.map((order) => ({ detailType: 'OrderPlaced', data: orderPlaced(order) })),
        correlationId,
      );
      return results;
    } catch (error) {
      logger.error('OrderPlaced not published; the orders stay PENDING until their key is resent', error as Error);
      const unpublished = new Set(toPublish);
      return results.map((result) =>
        'order' in result && unpublished.has(result.order) ? { kind: 'unpublished', order: result.order } : result,
      );
    }
  }
}
