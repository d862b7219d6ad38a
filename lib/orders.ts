import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Api } from './api';
import type { StageConfig } from './config';
import type { EventBus } from './event-bus';
import type { Notifications } from './notifications';
import { outbox } from './outbox';
import { ServiceFunction } from './service-function';
import { grantItems, table } from './tables';
import { ENV } from '#contracts/environment';
import { subscriptionTo } from '#contracts/events';
import { ORDER_ITEM_TYPE } from '#contracts/keys';
import { API_BATCH_FUNCTION_TIMEOUT_S, API_FUNCTION_TIMEOUT_S } from '#contracts/time-budgets';

interface ContextProps {
  readonly config: StageConfig;
  readonly api: Api;
  readonly events: EventBus;
}

/**
 * The inventory context: SKUs (stock and price) and reservations. Admins set
 * stock with `PUT /inventory/{sku}` (group `admins`); `OrderPlaced` reserves every line
 * in one transaction; payment events commit or release the reservation once.
 */
export class Inventory extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, { config, api, events }: ContextProps) {
    super(scope, id);
    this.table = table(this, 'Table', config);
    const fn = (fid: string, entry: string, description: string, fanOut = false) =>
      new ServiceFunction(this, fid, {
        entry: `inventory/${entry}`,
        service: 'inventory',
        config,
        environment: { [ENV.INVENTORY_TABLE]: this.table.tableName },
        description,
        // A bus consumer: its bursts wait in Lambda's asynchronous queue instead of starving the API.
        ...(fanOut ? { reservedConcurrentExecutions: config.fanOutConcurrency } : {}),
      });

    const putStock = fn('PutStock', 'put-stock.ts', 'PUT /inventory/{sku}: set stock and price (admin)');
    this.table.grant(putStock, 'dynamodb:UpdateItem');
    api.route('PUT', '/inventory/{sku}', putStock);

    const getStock = fn('GetStock', 'get-stock.ts', 'GET /inventory/{sku}');
    this.table.grant(getStock, 'dynamodb:GetItem');
    api.route('GET', '/inventory/{sku}', getStock);

    const reserve = fn('ReserveStock', 'reserve-stock.ts', 'On OrderPlaced: reserve every line or none', true);
    // TransactWriteItems: a conditional Put (the reservation) and an Update per line; GetItem on a redelivery.
    this.table.grant(reserve, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    events.allowPublishing(reserve);
    events.subscribe('InventoryReservation', subscriptionTo('OrderPlaced'), reserve);

    const settle = fn(
      'SettleReservation',
      'settle-reservation.ts',
      'On PaymentCompleted: commit; on PaymentFailed/OrderFailed: release',
      true,
    );
    this.table.grant(settle, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    events.subscribe('InventorySettlement', subscriptionTo('PaymentCompleted', 'PaymentFailed', 'OrderFailed'), settle);

    new CfnOutput(this, 'TableName', { key: 'InventoryTableName', value: this.table.tableName });
  }
}

export interface PaymentsProps {
  readonly config: StageConfig;
  readonly events: EventBus;
  /** Largest amount (cents) the sandbox provider approves. */
  readonly sandboxLimit: number;
  /** How long the provider may take before a charge counts as failed. */
  readonly providerTimeout: Duration;
}

/** The payments context: on `InventoryReserved`, charge the sandbox provider once per order. */
export class Payments extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, { config, events, sandboxLimit, providerTimeout }: PaymentsProps) {
    super(scope, id);
    this.table = table(this, 'Table', config);
    const charge = new ServiceFunction(this, 'ChargePayment', {
      entry: 'payments/charge-payment.ts',
      service: 'payments',
      config,
      environment: {
        [ENV.PAYMENTS_TABLE]: this.table.tableName,
        [ENV.PAYMENT_SANDBOX_LIMIT]: String(sandboxLimit),
        [ENV.PAYMENT_TIMEOUT_MS]: String(providerTimeout.toMilliseconds()),
      },
      description: 'On InventoryReserved: charge once, publish PaymentCompleted or PaymentFailed',
      reservedConcurrentExecutions: config.fanOutConcurrency,
    });
    // The claim and the outcome are conditional UpdateItems; GetItem on a redelivery.
    this.table.grant(charge, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    events.allowPublishing(charge);
    events.subscribe('PaymentCharge', subscriptionTo('InventoryReserved'), charge);
    new CfnOutput(this, 'TableName', { key: 'PaymentsTableName', value: this.table.tableName });
  }
}

export interface OrdersProps extends ContextProps {
  /** The inventory table: the only source of prices (BatchGetItem). */
  readonly inventoryTable: dynamodb.ITable;
}

/** The orders table's index of each customer's orders, newest first (`GET /orders`). */
export const ORDERS_BY_CUSTOMER_INDEX = 'byCustomer';

/**
 * The orders context: `POST /orders` and `POST /orders/batch` (Idempotency-Key),
 * `GET /orders/{orderId}`, `GET /orders` (the caller's, from index `byCustomer`:
 * `customerId` + `createdAt`, only order items carry them, a summary projected),
 * the outbox that publishes `OrderPlaced` from the table's stream (the placing
 * functions only write), and the consumer that moves each order along its state machine as the saga's
 * events arrive.
 */
export class Orders extends Construct {
  readonly table: dynamodb.Table;
  /** For Observability: the outbox publisher's on-failure destination. */
  /** For Observability's `extraAlarms`: the outbox falling behind (OrderPlaced published late). */
  readonly alarms: { readonly id: string; readonly metric: cloudwatch.IMetric; readonly threshold: number }[];

  constructor(scope: Construct, id: string, { config, api, events, inventoryTable }: OrdersProps) {
    super(scope, id);
    this.table = table(this, 'Table', config, { timeToLiveAttribute: 'expiresAt', stream: dynamodb.StreamViewType.NEW_IMAGE });
    this.table.addGlobalSecondaryIndex({
      indexName: ORDERS_BY_CUSTOMER_INDEX,
      partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['orderId', 'status', 'total', 'currency', 'updatedAt'],
    });
    const environment = { [ENV.ORDERS_TABLE]: this.table.tableName, [ENV.INVENTORY_TABLE]: inventoryTable.tableName };

    const placers = [
      { fid: 'PlaceOrder', entry: 'orders/place-order.ts', path: '/orders', timeout: Duration.seconds(API_FUNCTION_TIMEOUT_S) },
      // 200 orders: 20 chunks, 5 in flight; inside API Gateway's 29 s with a margin.
      {
        fid: 'PlaceOrderBatch',
        entry: 'orders/place-order-batch.ts',
        path: '/orders/batch',
        timeout: Duration.seconds(API_BATCH_FUNCTION_TIMEOUT_S),
      },
    ];
    for (const { fid, entry, path, timeout } of placers) {
      const place = new ServiceFunction(this, fid, {
        entry,
        service: 'orders',
        config,
        environment,
        timeout,
        description: `POST ${path}: price from inventory, store PENDING once per Idempotency-Key (OrderPlaced from the stream)`,
      });
      // TransactWriteItems of two conditional puts (key and order); GetItem for a replayed key.
      grantItems(this.table, place, 'dynamodb:PutItem', 'dynamodb:GetItem');
      inventoryTable.grant(place, 'dynamodb:BatchGetItem');
      api.route('POST', path, place);
    }

    const orderEvents = outbox(this, {
      config,
      events,
      table: this.table,
      entry: 'orders/publish-order-events.ts',
      service: 'orders',
      itemType: ORDER_ITEM_TYPE,
      detailType: 'OrderPlaced',
      publisherId: 'PublishOrderEvents',
      dlqOutputKey: 'OrderEventsPublisherDlqUrl',
    });
    this.alarms = [orderEvents.alarm];

    const getOrder = new ServiceFunction(this, 'GetOrder', {
      entry: 'orders/get-order.ts',
      service: 'orders',
      config,
      environment: { [ENV.ORDERS_TABLE]: this.table.tableName },
      description: 'GET /orders/{orderId}',
    });
    grantItems(this.table, getOrder, 'dynamodb:GetItem');
    api.route('GET', '/orders/{orderId}', getOrder);

    const listOrders = new ServiceFunction(this, 'ListOrders', {
      entry: 'orders/list-orders.ts',
      service: 'orders',
      config,
      environment: { [ENV.ORDERS_TABLE]: this.table.tableName, [ENV.ORDERS_BY_CUSTOMER_INDEX]: ORDERS_BY_CUSTOMER_INDEX },
      description: "GET /orders: the caller's orders, newest first, paginated",
    });
    // Query on the byCustomer index only, not on the table.
    listOrders.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/${ORDERS_BY_CUSTOMER_INDEX}`] }),
    );
    api.route('GET', '/orders', listOrders);

    const advance = new ServiceFunction(this, 'AdvanceStatus', {
      entry: 'orders/advance-status.ts',
      service: 'orders',
      config,
      environment: { [ENV.ORDERS_TABLE]: this.table.tableName },
      description: 'On the saga events: move the order forward (conditional update); publish OrderFailed',
      reservedConcurrentExecutions: config.fanOutConcurrency,
    });
    grantItems(this.table, advance, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    events.allowPublishing(advance);
    events.subscribe(
      'OrderStatus',
      subscriptionTo('InventoryReserved', 'InventoryReservationFailed', 'PaymentCompleted', 'PaymentFailed', 'OrderNotificationsAttempted'),
      advance,
    );

    new CfnOutput(this, 'TableName', { key: 'OrdersTableName', value: this.table.tableName });
  }
}

export interface OrderSagaProps extends ContextProps {
  /** Provides the consumer that tells customers (it reads their contact data from the users table). */
  readonly notifications: Notifications;
  /** Largest amount (cents) the sandbox provider approves; 10 000.00 by default. */
  readonly sandboxLimit?: number;
}

/**
 * The order saga, choreographed over the bus (docs/architecture.md, Flows): inventory, orders
 * and payments, plus the notifications consumer that tells the customer.
 *
 *   OrderPlaced -> reserve -> InventoryReserved -> charge -> PaymentCompleted -> notify -> CONFIRMED
 *                          \-> InventoryReservationFailed     \-> PaymentFailed -> release
 */
export class OrderSaga extends Construct {
  readonly inventory: Inventory;
  readonly orders: Orders;
  readonly payments: Payments;

  constructor(scope: Construct, id: string, props: OrderSagaProps) {
    super(scope, id);
    const { config, api, events, notifications } = props;
    this.inventory = new Inventory(this, 'Inventory', { config, api, events });
    this.orders = new Orders(this, 'Orders', { config, api, events, inventoryTable: this.inventory.table });
    this.payments = new Payments(this, 'Payments', {
      config,
      events,
      sandboxLimit: props.sandboxLimit ?? 1_000_000,
      providerTimeout: Duration.seconds(3),
    });

    const notify = notifications.consumer(
      'OrderNotifications',
      'notifications/order-notifications.ts',
      'On PaymentCompleted / OrderFailed: email, SMS and push; publish OrderNotificationsAttempted',
      // Contact data is read from the users table when sending, never carried in (archived) events.
      { readsContacts: true },
    );
    events.allowPublishing(notify);
    events.subscribe('OrderNotifications', subscriptionTo('PaymentCompleted', 'OrderFailed'), notify);
  }
}
