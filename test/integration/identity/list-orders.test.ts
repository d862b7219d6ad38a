/**
 * GET /orders: the caller's orders from the byCustomer index, newest first,
 * page by page, through the real SDK against dynalite (with the index the
 * template declares).
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { apiEvent, lambdaContext } from '../../support/api-event';
import { handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';

let cloud: LocalAws;
let listOrders: typeof import('../../../lambda/orders/list-orders').handler;
const ORDERS = `orders-${randomUUID()}`;
const ADA = randomUUID();
const BOB = randomUUID();

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(ORDERS, { ordersByCustomer: true });
  handlerEnvironment(cloud.endpoint, 'orders', { ORDERS_TABLE: ORDERS, ORDERS_BY_CUSTOMER_INDEX: 'byCustomer', ROUTE_ACCESS: 'customer' });
  ({ handler: listOrders } = await import('../../../lambda/orders/list-orders'));

  const order = (customerId: string, minute: number) => {
    const orderId = randomUUID();
    const at = new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();
    return {
      pk: `ORDER#${orderId}`,
      type: 'order',
      orderId,
      customerId,
      status: 'PENDING',
      total: 100 * minute,
      currency: 'USD',
      lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 * minute, lineTotal: 100 * minute }],
      history: [],
      createdAt: at,
      updatedAt: at,
    };
  };
  const items = [
    ...[1, 2, 3, 4, 5].map((m) => order(ADA, m)),
    order(BOB, 6),
    // An Idempotency-Key record: no customerId, so never in the index.
    { pk: 'IDEMPOTENCY#key-1', type: 'idempotency', orderId: 'x', bodyHash: 'h', expiresAt: 1 },
  ];
  await cloud.dynamo.send(new BatchWriteCommand({ RequestItems: { [ORDERS]: items.map((Item) => ({ PutRequest: { Item } })) } }));
});
afterAll(() => cloud.stop());

const as = (claims: Record<string, string> | undefined, query: Record<string, string> | null = null): APIGatewayProxyEvent =>
  apiEvent({
    httpMethod: 'GET',
    path: '/orders',
    resource: '/orders',
    queryStringParameters: query,
    requestContext: { requestId: 'r', stage: 'test', ...(claims ? { authorizer: { claims } } : {}) } as never,
  });
const user = (sub: string) => ({ sub, 'cognito:username': sub, token_use: 'id', email: 'someone@example.com' });
const call = async (event: APIGatewayProxyEvent) => {
  const response = await listOrders(event, lambdaContext);
  return { status: response.statusCode, body: JSON.parse(response.body) };
};

it("lists the caller's orders, newest first, as summaries, page by page", async () => {
  const first = await call(as(user(ADA), { limit: '2' }));
  expect(first.status).toBe(200);
  expect(first.body.orders.map((o: any) => o.total)).toEqual([500, 400]);
  expect(Object.keys(first.body.orders[0]).sort()).toEqual(['createdAt', 'currency', 'orderId', 'status', 'total', 'updatedAt']);
  expect(first.body.nextToken).toEqual(expect.any(String));

  const second = await call(as(user(ADA), { limit: '2', nextToken: first.body.nextToken }));
  expect(second.body.orders.map((o: any) => o.total)).toEqual([300, 200]);
  const third = await call(as(user(ADA), { limit: '2', nextToken: second.body.nextToken }));
  expect(third.body.orders.map((o: any) => o.total)).toEqual([100]);
  // A last page that happens to end exactly at the limit may still name a next, empty page; this one is short.
  expect(third.body.nextToken).toBeUndefined();

  const all = await call(as(user(ADA)));
  expect(all.body.orders).toHaveLength(5);
  expect((await call(as(user(BOB)))).body.orders.map((o: any) => o.total)).toEqual([600]);
});

it("refuses another caller's token, a bad limit, anonymous and machine callers", async () => {
  const { body } = await call(as(user(ADA), { limit: '1' }));
  const stolen = await call(as(user(BOB), { nextToken: body.nextToken }));
  expect(stolen.status).toBe(400);
  expect(stolen.body.problems).toEqual([{ path: 'nextToken', message: 'is not a token of this list' }]);
  expect((await call(as(user(ADA), { limit: '500' }))).status).toBe(400);
  expect((await call(as(undefined))).status).toBe(401);
  expect((await call(as({ sub: 'client', client_id: 'client', token_use: 'access', scope: 'commerce/activity.write' }))).status).toBe(403);
});
