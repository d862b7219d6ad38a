import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { claimKey, claimRecord, compareClaim } from '#domain/idempotency';
import type { Order } from '#domain/orders';
import type { OrderStatus, StatusChange } from '#domain/order-status';
import { conditionHeld, transactWrite } from '#shared/dynamo';
import { KEY_PREFIX, ORDER_ITEM_TYPE } from '#contracts/keys';

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
  /**
   * Stores a new order under its Idempotency-Key with the correlation id of the
   * request (the outbox publishes `OrderPlaced` from the stored item, with that
   * id), or finds the order the key already made.
   */
  create(order: Order, claim: IdempotencyClaim, correlationId: string): Promise<CreateOutcome>;
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
 * with no read-then-write window. The table's stream is the outbox of
 * `OrderPlaced`: see `placedOrderOf`.
 */
export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(order: Order, claim: IdempotencyClaim, correlationId: string): Promise<CreateOutcome> {
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
              Item: { ...orderKey(order.orderId), type: ORDER_ITEM_TYPE, ...order, correlationId },
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
    return orderOfItem(Item);
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

/** An order item without its key, type and correlation id: the order. */
function orderOfItem(item: Record<string, unknown>): Order {
  const { pk: _pk, type: _type, correlationId: _correlationId, ...order } = item;
  return order as unknown as Order;
}

/** An order item as the stream carries it, and the correlation id of the request that stored it. */
export interface PlacedOrder {
  readonly order: Order;
  readonly correlationId?: string;
}

/**
 * The order a stream record inserted, or undefined when the record is anything
 * else: a modification (a status change) or removal, or an insert of another
 * item (an Idempotency-Key's claim). Reads the `NEW_IMAGE` the table's stream
 * carries; throws for an order item missing a field `OrderPlaced` needs, so the
 * record fails and ends in the publisher's on-failure destination.
 */
export function placedOrderOf(record: DynamoDBRecord): PlacedOrder | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (image?.type?.S !== ORDER_ITEM_TYPE || !image.pk?.S?.startsWith(KEY_PREFIX.order)) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  for (const field of ['orderId', 'customerId', 'lines', 'total', 'currency', 'createdAt']) {
    if (item[field] === undefined) throw new Error(`Order item ${image.pk.S} has no ${field}`);
  }
  return { order: orderOfItem(item), correlationId: typeof item.correlationId === 'string' ? item.correlationId : undefined };
}
