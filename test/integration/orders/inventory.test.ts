/**
 * Inventory handlers against the emulator (DynamoDB with the local cloud's
 * transactions) through the real SDK: reservation is all or nothing, stock
 * never goes below zero under concurrency, and compensation happens once.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderPlaced } from '../../../contracts/events';
import { apiEvent, authorizedContext, lambdaContext, userClaims } from '../../support/api-event';
import { busEvent, handlerEnvironment, type LocalAws, startLocalAws } from '../../support/aws';
import { validData } from '../../support/events';

const INVENTORY_TABLE = `inventory-${randomUUID()}`;
const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';

let cloud: LocalAws;
let putStock: typeof import('../../../lambda/inventory/put-stock').handler;
let getStock: typeof import('../../../lambda/inventory/get-stock').handler;
let reserve: typeof import('../../../lambda/inventory/reserve-stock').handler;
let settle: typeof import('../../../lambda/inventory/settle-reservation').handler;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(INVENTORY_TABLE);
  // PUT /inventory/{sku} is an admin route (GET is any signed-in user's, with nothing to check in the handler).
  handlerEnvironment(cloud.endpoint, 'inventory', { INVENTORY_TABLE, ROUTE_ACCESS: 'admin' });
  putStock = (await import('../../../lambda/inventory/put-stock')).handler;
  getStock = (await import('../../../lambda/inventory/get-stock')).handler;
  reserve = (await import('../../../lambda/inventory/reserve-stock')).handler;
  settle = (await import('../../../lambda/inventory/settle-reservation')).handler;
});

afterAll(async () => {
  await cloud?.stop();
});

const sku = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

const ADMIN = '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
async function setStock(name: string, available: number, price = 1000) {
  const result = await putStock(
    apiEvent({
      httpMethod: 'PUT',
      pathParameters: { sku: name },
      body: JSON.stringify({ available, price }),
      requestContext: authorizedContext(userClaims(ADMIN, ['admins'])),
    }),
    lambdaContext,
  );
  expect(result.statusCode).toBe(200);
  return JSON.parse(result.body);
}

async function stockOf(name: string) {
  const { Item } = await cloud.dynamo.send(
    new GetCommand({ TableName: INVENTORY_TABLE, Key: { pk: `SKU#${name}` }, ConsistentRead: true }),
  );
  return { available: Item!.available as number, reserved: Item!.reserved as number, sold: Item!.sold as number };
}

function placed(lines: { sku: string; quantity: number }[], orderId = randomUUID()): OrderPlaced {
  return {
    orderId,
    customerId: CUSTOMER,
    lines: lines.map((line) => ({ ...line, unitPrice: 1000 })),
    total: lines.reduce((sum, line) => sum + line.quantity * 1000, 0),
    currency: 'USD',
  };
}

const orderPlaced = (order: OrderPlaced, eventId?: string) => busEvent('OrderPlaced', 'commerce.orders', order, eventId);

describe('stock administration', () => {
  it('sets stock and price, reads them back, and answers 404 for an unknown SKU', async () => {
    const name = sku('MUG');
    expect(await setStock(name, 7, 1250)).toMatchObject({ sku: name, available: 7, reserved: 0, sold: 0, price: 1250, currency: 'USD' });
    const read = await getStock(apiEvent({ httpMethod: 'GET', pathParameters: { sku: name } }), lambdaContext);
    expect(JSON.parse(read.body)).toMatchObject({ sku: name, available: 7, price: 1250 });
    const missing = await getStock(apiEvent({ httpMethod: 'GET', pathParameters: { sku: sku('NONE') } }), lambdaContext);
    expect(missing.statusCode).toBe(404);
  });
});

describe('reservation', () => {
  it('reserves every line in one transaction and publishes InventoryReserved', async () => {
    const [a, b] = [sku('A'), sku('B')];
    await setStock(a, 5);
    await setStock(b, 5);
    const order = placed([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 5 },
    ]);
    await reserve(orderPlaced(order), lambdaContext);
    expect(await stockOf(a)).toEqual({ available: 3, reserved: 2, sold: 0 });
    expect(await stockOf(b)).toEqual({ available: 0, reserved: 5, sold: 0 });
    const [event] = cloud.events('InventoryReserved', { orderId: order.orderId });
    expect(event?.detail.data).toEqual({
      orderId: order.orderId,
      customerId: CUSTOMER,
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 5 },
      ],
      total: 7000,
      currency: 'USD',
    });
  });

  it('reserves nothing when any line is short, and names each short SKU (from CancellationReasons)', async () => {
    const [ok, short, missing] = [sku('OK'), sku('SHORT'), sku('MISSING')];
    await setStock(ok, 10);
    await setStock(short, 1);
    const order = placed([
      { sku: ok, quantity: 3 },
      { sku: short, quantity: 2 },
      { sku: missing, quantity: 1 },
    ]);
    await reserve(orderPlaced(order), lambdaContext);
    expect(await stockOf(ok)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await stockOf(short)).toEqual({ available: 1, reserved: 0, sold: 0 });
    const [event] = cloud.events('InventoryReservationFailed', { orderId: order.orderId });
    expect(event?.detail.data).toEqual({
      orderId: order.orderId,
      customerId: CUSTOMER,
      shortages: [
        { sku: short, requested: 2 },
        { sku: missing, requested: 1 },
      ],
      reason: `insufficient stock for ${short} (requested 2), ${missing} (requested 1)`,
    });
    expect(cloud.events('InventoryReserved', { orderId: order.orderId })).toEqual([]);
  });

  it('50 concurrent orders for a SKU with stock 10 end with exactly 10 reserved and stock never below 0', async () => {
    const name = sku('HOT');
    await setStock(name, 10);
    const orders = Array.from({ length: 50 }, () => placed([{ sku: name, quantity: 1 }]));
    await Promise.all(orders.map((order) => reserve(orderPlaced(order), lambdaContext)));

    const reserved = orders.filter((o) => cloud.events('InventoryReserved', { orderId: o.orderId }).length === 1);
    const failed = orders.filter((o) => cloud.events('InventoryReservationFailed', { orderId: o.orderId }).length === 1);
    expect(reserved).toHaveLength(10);
    expect(failed).toHaveLength(40);
    expect(await stockOf(name)).toEqual({ available: 0, reserved: 10, sold: 0 });
  });

  it('does not reserve twice for a redelivered OrderPlaced; it republishes the outcome that stands', async () => {
    const name = sku('DUP');
    await setStock(name, 5);
    const order = placed([{ sku: name, quantity: 2 }]);
    const event = orderPlaced(order);
    await reserve(event, lambdaContext);
    await reserve(event, lambdaContext);
    await Promise.all([reserve(event, lambdaContext), reserve(orderPlaced(order), lambdaContext)]);
    expect(await stockOf(name)).toEqual({ available: 3, reserved: 2, sold: 0 });
    expect(cloud.events('InventoryReserved', { orderId: order.orderId }).length).toBeGreaterThanOrEqual(1);
    expect(cloud.events('InventoryReservationFailed', { orderId: order.orderId })).toEqual([]);
  });

  it('keeps a failed order failed even if stock arrives before the redelivery', async () => {
    const name = sku('LATE');
    await setStock(name, 0);
    const order = placed([{ sku: name, quantity: 1 }]);
    await reserve(orderPlaced(order), lambdaContext);
    await setStock(name, 5);
    await reserve(orderPlaced(order), lambdaContext);
    expect(await stockOf(name)).toEqual({ available: 5, reserved: 0, sold: 0 });
    expect(cloud.events('InventoryReservationFailed', { orderId: order.orderId })).toHaveLength(2);
    expect(cloud.events('InventoryReserved', { orderId: order.orderId })).toEqual([]);
  });
});

describe('settlement', () => {
  async function reservedOrder(quantity: number) {
    const name = sku('SET');
    await setStock(name, 10);
    const order = placed([{ sku: name, quantity }]);
    await reserve(orderPlaced(order), lambdaContext);
    return { name, order };
  }
  const paymentFailed = (orderId: string) =>
    busEvent('PaymentFailed', 'commerce.payments', validData('PaymentFailed', { orderId, customerId: CUSTOMER }));
  const orderFailed = (orderId: string) =>
    busEvent('OrderFailed', 'commerce.orders', validData('OrderFailed', { orderId, customerId: CUSTOMER }));
  const paymentCompleted = (orderId: string) =>
    busEvent('PaymentCompleted', 'commerce.payments', validData('PaymentCompleted', { orderId, customerId: CUSTOMER }));

  it('releases a reservation exactly once, however many failure events arrive (and concurrently)', async () => {
    const { name, order } = await reservedOrder(4);
    expect(await stockOf(name)).toEqual({ available: 6, reserved: 4, sold: 0 });
    await Promise.all([
      settle(paymentFailed(order.orderId), lambdaContext),
      settle(orderFailed(order.orderId), lambdaContext),
      settle(paymentFailed(order.orderId), lambdaContext),
    ]);
    await settle(paymentFailed(order.orderId), lambdaContext);
    expect(await stockOf(name)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('commits a paid reservation once; a late failure event then releases nothing', async () => {
    const { name, order } = await reservedOrder(3);
    await settle(paymentCompleted(order.orderId), lambdaContext);
    await settle(paymentCompleted(order.orderId), lambdaContext);
    await settle(orderFailed(order.orderId), lambdaContext);
    expect(await stockOf(name)).toEqual({ available: 7, reserved: 0, sold: 3 });
  });

  it('has nothing to release for an order that never held stock', async () => {
    const name = sku('NONE');
    await setStock(name, 0);
    const order = placed([{ sku: name, quantity: 1 }]);
    await reserve(orderPlaced(order), lambdaContext);
    await settle(orderFailed(order.orderId), lambdaContext);
    expect(await stockOf(name)).toEqual({ available: 0, reserved: 0, sold: 0 });
  });
});

it('lets only admins set stock: a signed-in customer gets a 403, an anonymous call a 401', async () => {
  const put = (requestContext?: ReturnType<typeof authorizedContext>) =>
    putStock(
      apiEvent({
        httpMethod: 'PUT',
        pathParameters: { sku: sku('GUARD') },
        body: JSON.stringify({ available: 1, price: 100 }),
        ...(requestContext ? { requestContext } : {}),
      }),
      lambdaContext,
    );
  const customer = await put(authorizedContext(userClaims(randomUUID())));
  expect(customer.statusCode).toBe(403);
  expect(JSON.parse(customer.body)).toMatchObject({ error: 'Forbidden', message: 'Only admins may call this route' });
  expect((await put()).statusCode).toBe(401);
});
