/**
 * The whole saga in one process against the emulator: each published event is
 * delivered to the consumers the stack's rules route it to (lib/orders.ts), one
 * at a time, until no event is left. Checks the outcomes the issue asks for:
 * a paid order ends CONFIRMED with its stock sold and the customer notified on
 * three channels (one failing without stopping the others); a declined order
 * ends FAILED with its stock released once.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { PaymentMethod } from '../../../contracts/events';
import { SANDBOX_DECLINED_METHOD } from '../../../lambda/domain/payments';
import { apiEvent, authorizedContext, lambdaContext, userClaims } from '../../support/api-event';
import { busEvent, handlerEnvironment, type PublishedEntry, type LocalAws, outboxRelay, startLocalAws } from '../../support/aws';

const tables = {
  ORDERS_TABLE: `orders-${randomUUID()}`,
  INVENTORY_TABLE: `inventory-${randomUUID()}`,
  PAYMENTS_TABLE: `payments-${randomUUID()}`,
  USERS_TABLE: `users-${randomUUID()}`,
  NOTIFICATIONS_TABLE: `notifications-${randomUUID()}`,
};
const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';

type Consumer = (event: any, context: Context) => Promise<void>;
interface Route {
  readonly service: string;
  readonly sources: string[];
  readonly detailTypes: string[];
  readonly consumer: Consumer;
}

let cloud: LocalAws;
let routes: Route[];
let placeOrder: typeof import('../../../lambda/orders/place-order').handler;
let getOrder: typeof import('../../../lambda/orders/get-order').handler;
let outbox: ReturnType<typeof outboxRelay>;

beforeAll(async () => {
  cloud = await startLocalAws();
  for (const name of Object.values(tables)) {
    await cloud.createTable(name, {
      sortKey: name === tables.NOTIFICATIONS_TABLE,
      ...(name === tables.ORDERS_TABLE ? { stream: 'NEW_IMAGE' as const } : {}),
    });
  }
  await cloud.dynamo.send(
    new PutCommand({
      TableName: tables.USERS_TABLE,
      Item: { pk: `USER#${CUSTOMER}`, userId: CUSTOMER, name: 'Ada', email: 'ada@example.com', phone: '+14155550100' },
    }),
  );
  // SMS and push go through SNS, which this endpoint does not serve: those channels fail, email does not.
  handlerEnvironment(cloud.endpoint, 'orders', { ...tables, SNS_DELIVERY: 'true', PAYMENT_TIMEOUT_MS: '50', ROUTE_ACCESS: 'customer' });
  placeOrder = (await import('../../../lambda/orders/place-order')).handler;
  getOrder = (await import('../../../lambda/orders/get-order')).handler;
  // OrderPlaced goes out from the orders table's stream (the outbox), as the stack's event source mapping does it.
  outbox = outboxRelay(cloud, tables.ORDERS_TABLE, (await import('../../../lambda/orders/publish-order-events')).handler, lambdaContext);
  const consumer = async (module: Promise<{ handler: Consumer }>) => (await module).handler;
  // The rules of lib/orders.ts, consumer by consumer.
  routes = [
    {
      service: 'inventory',
      sources: ['commerce.orders'],
      detailTypes: ['OrderPlaced'],
      consumer: await consumer(import('../../../lambda/inventory/reserve-stock')),
    },
    {
      service: 'inventory',
      sources: ['commerce.payments', 'commerce.orders'],
      detailTypes: ['PaymentCompleted', 'PaymentFailed', 'OrderFailed'],
      consumer: await consumer(import('../../../lambda/inventory/settle-reservation')),
    },
    {
      service: 'payments',
      sources: ['commerce.inventory'],
      detailTypes: ['InventoryReserved'],
      consumer: await consumer(import('../../../lambda/payments/charge-payment')),
    },
    {
      service: 'orders',
      sources: ['commerce.inventory', 'commerce.payments', 'commerce.notifications'],
      detailTypes: ['InventoryReserved', 'InventoryReservationFailed', 'PaymentCompleted', 'PaymentFailed', 'OrderNotificationsAttempted'],
      consumer: await consumer(import('../../../lambda/orders/advance-status')),
    },
    {
      service: 'notifications',
      sources: ['commerce.payments', 'commerce.orders'],
      detailTypes: ['PaymentCompleted', 'OrderFailed'],
      consumer: await consumer(import('../../../lambda/notifications/order-notifications')),
    },
  ];
});

afterAll(async () => {
  await cloud?.stop();
});

let delivered = 0;
/** Relays the orders outbox and delivers every event not yet delivered to its consumers, in publication order, until none is left. */
async function runSaga(): Promise<void> {
  process.env.POWERTOOLS_SERVICE_NAME = 'orders';
  expect(await outbox.relay()).toEqual([]);
  while (delivered < cloud.published.length) {
    const entry: PublishedEntry = cloud.published[delivered++]!;
    for (const route of routes) {
      if (!route.sources.includes(entry.source) || !route.detailTypes.includes(entry.detailType)) continue;
      process.env.POWERTOOLS_SERVICE_NAME = route.service; // the source of what the consumer publishes
      const event = busEvent(entry.detailType, entry.source, entry.detail.data, entry.detail.metadata.eventId);
      await route.consumer(event, lambdaContext);
    }
  }
}

async function setStock(sku: string, available: number, price: number) {
  await cloud.dynamo.send(
    new PutCommand({ TableName: tables.INVENTORY_TABLE, Item: { pk: `SKU#${sku}`, sku, price, available, reserved: 0, sold: 0 } }),
  );
}
async function stockOf(sku: string) {
  const { Item } = await cloud.dynamo.send(new GetCommand({ TableName: tables.INVENTORY_TABLE, Key: { pk: `SKU#${sku}` } }));
  return { available: Item!.available, reserved: Item!.reserved, sold: Item!.sold };
}
/** Whose each placed order is: the order's customer is the one who may read it. */
const customerOfOrder = new Map<string, string>();
/** Places an order signed in as `customerId` (the customer is the token's `sub`). */
async function place(customerId: string, lines: { sku: string; quantity: number }[], paymentMethod?: PaymentMethod) {
  process.env.POWERTOOLS_SERVICE_NAME = 'orders';
  const result = await placeOrder(
    apiEvent({
      body: JSON.stringify({ lines, ...(paymentMethod ? { paymentMethod } : {}) }),
      headers: { 'Idempotency-Key': `key-${randomUUID()}` },
      requestContext: authorizedContext(userClaims(customerId)),
    }),
    lambdaContext,
  );
  expect(result.statusCode).toBe(201);
  const orderId = JSON.parse(result.body).orderId as string;
  customerOfOrder.set(orderId, customerId);
  return orderId;
}
async function orderView(orderId: string) {
  const requestContext = authorizedContext(userClaims(customerOfOrder.get(orderId)!));
  return JSON.parse((await getOrder(apiEvent({ httpMethod: 'GET', pathParameters: { orderId }, requestContext }), lambdaContext)).body);
}

const DECLINED_CUSTOMER = '00000000-0000-4000-8000-000000000402';

describe('the order saga', () => {
  it('confirms a paid order: stock sold, payment recorded, customer notified on every channel', async () => {
    const sku = `MUG-${randomUUID().slice(0, 8)}`;
    await setStock(sku, 5, 1250);
    const orderId = await place(CUSTOMER, [{ sku, quantity: 2 }]);
    await runSaga();

    const order = await orderView(orderId);
    expect(order).toMatchObject({ status: 'CONFIRMED', total: 2500, paymentId: expect.any(String) });
    expect(order.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']);
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 0, sold: 2 });

    const { Items: attempts } = await cloud.dynamo.send(
      new QueryCommand({
        TableName: tables.NOTIFICATIONS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      }),
    );
    const byChannel = Object.fromEntries((attempts ?? []).map((a) => [a.channel, a]));
    expect(Object.keys(byChannel).sort()).toEqual(['email', 'push', 'sms']);
    expect(byChannel.email).toMatchObject({ status: 'RECORDED', template: 'order-confirmed', recipient: 'ad*@example.com' });
    expect(byChannel.sms).toMatchObject({ status: 'FAILED', recipient: '+*******0100', error: expect.any(String) });
    expect(byChannel.push).toMatchObject({ status: 'FAILED', provider: 'sns-push' });
    expect(cloud.events('OrderNotificationsAttempted', { orderId })[0]!.detail.data.attempts).toEqual(
      expect.arrayContaining([
        { channel: 'email', status: 'RECORDED' },
        { channel: 'sms', status: 'FAILED' },
        { channel: 'push', status: 'FAILED' },
      ]),
    );
  });

  it('fails a declined order with the reason, releases its stock once and tells the customer', async () => {
    const sku = `TEE-${randomUUID().slice(0, 8)}`;
    await setStock(sku, 5, 1999);
    await cloud.dynamo.send(
      new PutCommand({
        TableName: tables.USERS_TABLE,
        Item: { pk: `USER#${DECLINED_CUSTOMER}`, name: 'Declined', email: 'no@example.com', phone: '+14155550199' },
      }),
    );
    // The sandbox declines by the order's payment method (Stripe-style test methods).
    const orderId = await place(DECLINED_CUSTOMER, [{ sku, quantity: 3 }], SANDBOX_DECLINED_METHOD);
    await runSaga();

    const order = await orderView(orderId);
    expect(order.status).toBe('FAILED');
    expect(order.history.at(-1)).toMatchObject({ status: 'FAILED', reason: 'payment failed (CARD_DECLINED): the card was declined' });
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
    const { Items } = await cloud.dynamo.send(
      new QueryCommand({
        TableName: tables.NOTIFICATIONS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      }),
    );
    expect(Items?.find((a) => a.channel === 'email')).toMatchObject({ template: 'order-failed', status: 'RECORDED' });
  });

  it('fails an order whose stock is short, holding nothing', async () => {
    const sku = `CAP-${randomUUID().slice(0, 8)}`;
    await setStock(sku, 1, 800);
    const orderId = await place(CUSTOMER, [{ sku, quantity: 2 }]);
    await runSaga();
    expect((await orderView(orderId)).history.at(-1)).toMatchObject({
      status: 'FAILED',
      reason: `insufficient stock for ${sku} (requested 2)`,
    });
    expect(await stockOf(sku)).toEqual({ available: 1, reserved: 0, sold: 0 });
  });
});
