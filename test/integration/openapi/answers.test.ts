/**
 * The documented answers are the answers: the orders and inventory handlers,
 * run against the local cloud's DynamoDB, answer bodies that the response
 * schemas of docs/openapi.json (scripts/openapi/responses.ts) accept *and*
 * describe completely (parsing keeps every field: none is undocumented).
 * This checks at run time what the compile-time ties cannot: the envelopes
 * the handlers build inline (`GET /orders`, `POST /orders/batch`) and the
 * error shape.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { handlerError, inventoryItem, order, orderBatchAnswer, orderPage } from '../../../scripts/openapi/responses';
import { handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';
import { callAs, expectDocumented, type Handler } from './documented';

const ORDERS = `orders-${randomUUID()}`;
const INVENTORY = `inventory-${randomUUID()}`;
const CUSTOMER = randomUUID();
const ADMIN = randomUUID();

let cloud: LocalAws;
const handlers: Record<'placeOrder' | 'placeBatch' | 'getOrder' | 'listOrders' | 'putStock' | 'getStock', Handler> = {} as never;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(ORDERS, { ordersByCustomer: true });
  await cloud.createTable(INVENTORY);
  handlerEnvironment(cloud.endpoint, 'openapi-answers', {
    ORDERS_TABLE: ORDERS,
    ORDERS_BY_CUSTOMER_INDEX: 'byCustomer',
    INVENTORY_TABLE: INVENTORY,
  });
  handlers.placeOrder = (await import('../../../lambda/orders/place-order')).handler;
  handlers.placeBatch = (await import('../../../lambda/orders/place-order-batch')).handler;
  handlers.getOrder = (await import('../../../lambda/orders/get-order')).handler;
  handlers.listOrders = (await import('../../../lambda/orders/list-orders')).handler;
  handlers.putStock = (await import('../../../lambda/inventory/put-stock')).handler;
  handlers.getStock = (await import('../../../lambda/inventory/get-stock')).handler;
});

afterAll(async () => {
  await cloud?.stop();
});

const call = (name: keyof typeof handlers, access: 'customer' | 'admin', event: Partial<APIGatewayProxyEvent>) =>
  callAs(handlers[name], access === 'admin' ? ADMIN : CUSTOMER, access, event);

const order1 = { lines: [{ sku: 'MUG', quantity: 2 }] };

it('PUT and GET /inventory/{sku} answer an InventoryItem; a bad body answers the Error shape with problems', async () => {
  const put = await call('putStock', 'admin', {
    httpMethod: 'PUT',
    pathParameters: { sku: 'MUG' },
    body: JSON.stringify({ available: 50, price: 1250 }),
  });
  expect(put.status).toBe(200);
  expectDocumented(inventoryItem, put.body);
  const get = await call('getStock', 'customer', { httpMethod: 'GET', pathParameters: { sku: 'MUG' } });
  expect(get.status).toBe(200);
  expectDocumented(inventoryItem, get.body);

  const bad = await call('putStock', 'admin', {
    httpMethod: 'PUT',
    pathParameters: { sku: 'MUG' },
    body: JSON.stringify({ available: -1 }),
  });
  expect(bad.status).toBe(400);
  expectDocumented(handlerError, bad.body);
  expect((bad.body as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
});

it('POST /orders (201, 200 replay), GET /orders/{orderId} and GET /orders answer Order and OrderPage', async () => {
  const key = `key-${randomUUID()}`;
  const post = { httpMethod: 'POST', resource: '/orders', headers: { 'Idempotency-Key': key }, body: JSON.stringify(order1) };
  const placed = await call('placeOrder', 'customer', post);
  expect(placed.status).toBe(201);
  expectDocumented(order, placed.body);
  const replayed = await call('placeOrder', 'customer', post);
  expect(replayed.status).toBe(200);
  expectDocumented(order, replayed.body);

  const { orderId } = placed.body as { orderId: string };
  const read = await call('getOrder', 'customer', { httpMethod: 'GET', pathParameters: { orderId } });
  expect(read.status).toBe(200);
  expectDocumented(order, read.body);

  await call('placeOrder', 'customer', { ...post, headers: { 'Idempotency-Key': `key-${randomUUID()}` } });
  const page = await call('listOrders', 'customer', { httpMethod: 'GET', queryStringParameters: { limit: '1' } });
  expect(page.status).toBe(200);
  expectDocumented(orderPage, page.body);
  expect(page.body).toMatchObject({ orders: [expect.anything()], nextToken: expect.any(String) });

  const missing = await call('getOrder', 'customer', { httpMethod: 'GET', pathParameters: { orderId: randomUUID() } });
  expect(missing.status).toBe(404);
  expectDocumented(handlerError, missing.body);
});

it('POST /orders/batch answers an OrderBatchAnswer with created and rejected orders', async () => {
  const batch = await call('placeBatch', 'customer', {
    httpMethod: 'POST',
    resource: '/orders/batch',
    headers: { 'Idempotency-Key': `key-${randomUUID()}` },
    body: JSON.stringify({ orders: [order1, { lines: [] }, { lines: [{ sku: 'UNKNOWN', quantity: 1 }] }] }),
  });
  expect(batch.status).toBe(200);
  expectDocumented(orderBatchAnswer, batch.body);
  expect((batch.body as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['created', 'rejected', 'rejected']);
  expect(batch.body).toMatchObject({ summary: { total: 3, created: 1, replayed: 0, rejected: 2 } });
});
