import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { claimKey, claimRecord, compareClaim } from '#domain/idempotency';
import type { Order } from '#domain/orders';
import type { OrderStatus, StatusChange } from '#domain/order-status';
import { conditionHeld, transactWrite } from '#shared/dynamo';
import { KEY_PREFIX } from '#contracts/keys';

/** An Idempotency-Key and the hash of the body first sent with it. */
export interface IdempotencyClaim {
  readonly key: string;
  readonly bodyHash: string;
}

export type CreateOutcome =
  | { readonly kind: 'created'; readonly order: Order }
  /** The key was used before with the same body: the order it made. */
  | { readonly kind: 'replayed'; readonly order: Order }
  /** The key was used before with another body. */
  | { readonly kind: 'key-reused' };

/** Where orders live. Handlers depend on this port; DynamoOrderStore is the adapter. */
export interface OrderStore {
  /** Stores a new order under its Idempotency-Key, or finds the order the key already made. */
  create(order: Order, claim: IdempotencyClaim): Promise<CreateOutcome>;
  get(orderId: string): Promise<Order | undefined>;
  /**
   * Appends `changes` to the history and moves the order to the last one's
   * status — only if it is still `expected`. False when it moved meanwhile.
   */
  advance(orderId: string, expected: OrderStatus, changes: readonly StatusChange[], paymentId?: string): Promise<boolean>;
}

const orderKey = (orderId: string) => ({ pk: `${KEY_PREFIX.order}${orderId}` });

/**
 * One table for the orders context: `ORDER#<id>` holds an order with its status
 * history; `IDEMPOTENCY#<key>` (with a TTL) holds the order id and body hash a
 * key was first used with. Both are written in one transaction, each with
 * `attribute_not_exists`: two concurrent requests with one key make one order,
 * with no read-then-write window.
 */
export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(order: Order, claim: IdempotencyClaim): Promise<CreateOutcome> {
    const created = await conditionHeld(
      transactWrite(this.client, {
        TransactItems: [
          {
            Put: claimRecord(
              this.tableName,
              claim.key,
              { type: 'idempotency', orderId: order.orderId, bodyHash: claim.bodyHash },
              new Date(order.createdAt),
            ),
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...orderKey(order.orderId), type: 'order', ...order },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    if (created) return { kind: 'created', order };
    // The key is taken (by a committed transaction): read what it made.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: claimKey(claim.key), ConsistentRead: true }));
    const stored = compareClaim(Item, claim.bodyHash);
    if (stored.kind === 'key-reused') return stored;
    const existing = await this.get(String(stored.claim.orderId));
    if (!existing) throw new Error(`Idempotency key points at a missing order ${stored.claim.orderId}`);
    return { kind: 'replayed', order: existing };
  }

  async get(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: orderKey(orderId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, type: _type, ...order } = Item;
    return order as Order;
  }

  async advance(orderId: string, expected: OrderStatus, changes: readonly StatusChange[], paymentId?: string): Promise<boolean> {
    const last = changes[changes.length - 1];
    if (!last) throw new Error('advance needs at least one status change');
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(orderId),
          UpdateExpression: `SET #status = :to, #history = list_append(#history, :changes), updatedAt = :at${
            paymentId ? ', paymentId = if_not_exists(paymentId, :paymentId)' : ''
          }`,
          ConditionExpression: '#status = :expected',
          ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
          ExpressionAttributeValues: {
            ':to': last.status,
            ':changes': changes,
            ':at': last.at,
            ':expected': expected,
            ...(paymentId ? { ':paymentId': paymentId } : {}),
          },
        }),
      ),
    );
  }
}
