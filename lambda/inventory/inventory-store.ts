import { GetCommand, UpdateCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderPlaced, PaymentMethod, Shortage } from '#contracts/events';
import { CURRENCY, type InventoryItem, type StockUpdate } from '#domain/orders';
import { conditionHeld, failedConditions, transactWrite } from '#shared/dynamo';
import { KEY_PREFIX } from '#contracts/keys';

/**
 * What happened to an order's stock. HELD: reserved, waiting for payment;
 * COMMITTED: paid, the units are sold; RELEASED: given back; FAILED: never held.
 */
export type ReservationStatus = 'HELD' | 'COMMITTED' | 'RELEASED' | 'FAILED';

export interface Reservation {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: ReservationStatus;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
  readonly total: number;
  readonly currency: string;
  /** The order's, for the charge (absent on reservations made before it existed: `pm_card_ok`). */
  readonly paymentMethod?: PaymentMethod;
  readonly shortages?: readonly Shortage[];
  readonly createdAt: string;
}

export type ReserveOutcome =
  | { readonly kind: 'reserved'; readonly reservation: Reservation }
  | { readonly kind: 'short'; readonly shortages: readonly Shortage[] }
  /** The order was handled before (a redelivered OrderPlaced): its reservation as it stands. */
  | { readonly kind: 'duplicate'; readonly reservation: Reservation };

/** Where stock lives. Handlers depend on this port; DynamoInventoryStore is the adapter. */
export interface InventoryStore {
  setStock(sku: string, update: StockUpdate, now: Date): Promise<InventoryItem>;
  get(sku: string): Promise<InventoryItem | undefined>;
  /** Reserves every line of the order, or none: one transaction with a stock condition per line. */
  reserve(order: OrderPlaced, now: Date): Promise<ReserveOutcome>;
  /** Records that the order could not be reserved; returns the reservation that stands if one already does. */
  recordFailure(order: OrderPlaced, shortages: readonly Shortage[], now: Date): Promise<Reservation>;
  /**
   * Commits (paid: the units are sold) or releases (the units are available
   * again) a HELD reservation, exactly once. False when it was not HELD.
   */
  settle(orderId: string, how: 'commit' | 'release', now: Date): Promise<boolean>;
}

const skuKey = (sku: string) => ({ pk: `${KEY_PREFIX.sku}${sku}` });
const reservationKey = (orderId: string) => ({ pk: `RESERVATION#${orderId}` });

/**
 * One table for the inventory context: `SKU#<sku>` holds stock (`available`,
 * `reserved`, `sold`) and the unit price; `RESERVATION#<orderId>` records what
 * an order holds. The reservation item is written in the same transaction as the
 * stock it takes, with `attribute_not_exists`, so a redelivered `OrderPlaced`
 * cancels instead of reserving twice; settling it is conditional on `HELD`, so
 * stock is released (or committed) exactly once.
 */
export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async setStock(sku: string, update: StockUpdate, now: Date): Promise<InventoryItem> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: skuKey(sku),
        // `reserved` and `sold` are the saga's: setting stock never touches them (ADD 0 creates them).
        UpdateExpression:
          'SET #type = :type, sku = :sku, available = :available, price = :price, currency = :currency, updatedAt = :now ADD reserved :zero, sold :zero',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'sku',
          ':sku': sku,
          ':available': update.available,
          ':price': update.price,
          ':currency': CURRENCY,
          ':now': now.toISOString(),
          ':zero': 0,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toItem(Attributes!);
  }

  async get(sku: string): Promise<InventoryItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: skuKey(sku) }));
    return Item ? toItem(Item) : undefined;
  }

  async reserve(order: OrderPlaced, now: Date): Promise<ReserveOutcome> {
    const reservation: Reservation = {
      orderId: order.orderId,
      customerId: order.customerId,
      status: 'HELD',
      lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      total: order.total,
      currency: order.currency,
      ...(order.paymentMethod ? { paymentMethod: order.paymentMethod } : {}),
      createdAt: now.toISOString(),
    };
    try {
      await transactWrite(this.client, {
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...reservationKey(order.orderId), type: 'reservation', ...reservation },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...reservation.lines.map((line) => ({
            Update: {
              TableName: this.tableName,
              Key: skuKey(line.sku),
              UpdateExpression: 'SET available = available - :quantity ADD reserved :quantity',
              ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
              ExpressionAttributeValues: { ':quantity': line.quantity },
            },
          })),
        ],
      });
      return { kind: 'reserved', reservation };
    } catch (error) {
      const failed = failedConditions(error);
      if (failed.length === 0) throw error;
      if (failed.includes(0)) return { kind: 'duplicate', reservation: (await this.reservation(order.orderId))! };
      // CancellationReasons are per item, in order: item i + 1 is line i.
      const shortages = failed.map((index) => reservation.lines[index - 1]!).map((line) => ({ sku: line.sku, requested: line.quantity }));
      return { kind: 'short', shortages };
    }
  }

  async recordFailure(order: OrderPlaced, shortages: readonly Shortage[], now: Date): Promise<Reservation> {
    const failed: Reservation = {
      orderId: order.orderId,
      customerId: order.customerId,
      status: 'FAILED',
      lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      total: order.total,
      currency: order.currency,
      shortages,
      createdAt: now.toISOString(),
    };
    const recorded = await conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...reservationKey(order.orderId), type: 'reservation', ...failed },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (recorded) return failed;
    // A concurrent delivery of the same order got there first: its outcome stands.
    return (await this.reservation(order.orderId))!;
  }

  async settle(orderId: string, how: 'commit' | 'release', now: Date): Promise<boolean> {
    const reservation = await this.reservation(orderId);
    if (reservation?.status !== 'HELD') return false;
    // False when settled by a concurrent delivery between our read and our write.
    return conditionHeld(
      transactWrite(this.client, {
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: reservationKey(orderId),
              UpdateExpression: 'SET #status = :settled, settledAt = :now',
              ConditionExpression: '#status = :held',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':settled': how === 'commit' ? 'COMMITTED' : 'RELEASED',
                ':held': 'HELD',
                ':now': now.toISOString(),
              },
            },
          },
          ...reservation.lines.map((line) => ({
            Update: {
              TableName: this.tableName,
              Key: skuKey(line.sku),
              UpdateExpression:
                how === 'commit' ? 'ADD reserved :minus, sold :quantity' : 'SET available = available + :quantity ADD reserved :minus',
              ExpressionAttributeValues: { ':quantity': line.quantity, ':minus': -line.quantity },
            },
          })),
        ],
      }),
    );
  }

  async reservation(orderId: string): Promise<Reservation | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: reservationKey(orderId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, type: _type, settledAt: _settledAt, ...reservation } = Item;
    return reservation as Reservation;
  }
}

function toItem(item: Record<string, unknown>): InventoryItem {
  return {
    sku: item.sku as string,
    available: item.available as number,
    reserved: (item.reserved as number | undefined) ?? 0,
    sold: (item.sold as number | undefined) ?? 0,
    price: item.price as number,
    currency: (item.currency as string | undefined) ?? CURRENCY,
    updatedAt: item.updatedAt as string,
  };
}
