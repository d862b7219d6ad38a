import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SANDBOX_DECLINED_METHOD } from '../../lambda/domain/payments';
import { consumerLogged } from './consumer-logs';
import { newCaller, type Caller } from './identity';
import { api, eventually, output, target, type Target } from './target';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const eventBridge = new EventBridgeClient({});

let stack: Target;
let admin: Caller;
let shopper: Caller;
beforeAll(async () => {
  stack = await target();
  [admin, shopper] = await Promise.all([newCaller({ admin: true }), newCaller({ name: 'Order Customer' })]);
}, 60_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const newSku = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
const idempotency = () => ({ 'Idempotency-Key': `e2e-${randomUUID()}` });

async function stock(sku: string, available: number, price: number) {
  const response = await api('PUT', `/inventory/${sku}`, { body: { available, price }, as: admin });
  expect(response.status).toBe(200);
}

/** A new signed-in customer (Cognito sign-up; the profile is made by the post-confirmation trigger). */
const customer = () => newCaller({ name: 'Order Customer' });

const stockOf = async (sku: string) => (await api('GET', `/inventory/${sku}`, { as: shopper })).json;

/** Polls the order until it reaches a final status (CONFIRMED or FAILED). */
const settled = (orderId: string, owner: Caller = shopper) =>
  eventually(
    `order ${orderId} to settle`,
    async () => {
      const { json } = await api('GET', `/orders/${orderId}`, { as: owner });
      return ['CONFIRMED', 'FAILED'].includes(json?.status) ? json : undefined;
    },
    30_000,
  );

/** Every item the payments table holds for the order (one per order by design: `PAYMENT#<orderId>`). */
async function paymentsOf(orderId: string) {
  const { Items } = await dynamo.send(
    new QueryCommand({
      TableName: output(stack.outputs, 'PaymentsTableName'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PAYMENT#${orderId}` },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

const CHARGER = 'On InventoryReserved: charge once';
const STATUS_CONSUMER = 'On the saga events: move the order forward';
const SETTLER = 'On PaymentCompleted: commit';

describe('inventory over HTTP', () => {
  it('sets stock only as an admin and reads it back as a customer', async () => {
    const sku = newSku('MUG');
    expect((await api('PUT', `/inventory/${sku}`, { body: { available: 3, price: 1250 } })).status).toBe(401);
    expect((await api('PUT', `/inventory/${sku}`, { body: { available: 3, price: 1250 }, as: shopper })).status).toBe(403);
    await stock(sku, 3, 1250);
    const read = await api('GET', `/inventory/${sku}`, { as: shopper });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ sku, available: 3, reserved: 0, sold: 0, price: 1250, currency: 'USD' });
    expect((await api('GET', `/inventory/${newSku('NONE')}`, { as: shopper })).status).toBe(404);
  });
});

describe('the order saga over HTTP and the real rules', () => {
  it('confirms a paid order once, with its history, sold stock and notifications on three channels', async () => {
    const sku = newSku('TEE');
    await stock(sku, 5, 1999);
    const buyer = await customer();
    const headers = idempotency();
    const body = { lines: [{ sku, quantity: 2 }] };

    const placed = await api('POST', '/orders', { body, headers, as: buyer });
    expect(placed.status).toBe(201);
    expect(placed.json).toMatchObject({
      status: 'PENDING',
      customerId: buyer.userId,
      total: 3998,
      lines: [{ sku, quantity: 2, unitPrice: 1999 }],
    });
    const again = await api('POST', '/orders', { body, headers, as: buyer });
    expect(again.status).toBe(200);
    expect(again.json.orderId).toBe(placed.json.orderId);
    expect((await api('POST', '/orders', { body: { ...body, lines: [{ sku, quantity: 1 }] }, headers, as: buyer })).status).toBe(422);

    const order = await settled(placed.json.orderId, buyer);
    expect(order.status).toBe('CONFIRMED');
    expect(order.paymentId).toEqual(expect.any(String));
    expect(order.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']);
    // The sale is committed in parallel with the notices that confirm the order.
    const sold = await eventually('the sale to be committed', async () => {
      const item = await stockOf(sku);
      return item.reserved === 0 ? item : undefined;
    });
    expect(sold).toMatchObject({ available: 3, reserved: 0, sold: 2 });

    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: output(stack.outputs, 'NotificationsTableName'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${order.orderId}` },
      }),
    );
    expect((Items ?? []).map((item) => item.channel).sort()).toEqual(['email', 'push', 'sms']);
    for (const item of Items ?? [])
      expect(item).toMatchObject({ template: 'order-confirmed', status: 'RECORDED', provider: 'record-only' }); // the dev stage delivers nothing
  });

  it('fails a declined payment with its reason and releases the stock', async () => {
    const sku = newSku('CAP');
    await stock(sku, 4, 800);
    const placed = await api('POST', '/orders', {
      body: { paymentMethod: SANDBOX_DECLINED_METHOD, lines: [{ sku, quantity: 3 }] },
      headers: idempotency(),
      as: shopper,
    });
    expect(placed.status).toBe(201);
    const order = await settled(placed.json.orderId);
    expect(order.status).toBe('FAILED');
    expect(order.history.at(-1)).toMatchObject({ status: 'FAILED', reason: 'payment failed (CARD_DECLINED): the card was declined' });
    const released = await eventually('the reservation to be released', async () => {
      const json = await stockOf(sku);
      return json.reserved === 0 ? json : undefined;
    });
    expect(released).toMatchObject({ available: 4, reserved: 0, sold: 0 });
  });

  it('fails an order for which stock is short, naming the SKU, and reserves none of its lines', async () => {
    const plenty = newSku('BAG');
    const short = newSku('BELT');
    await stock(plenty, 5, 500);
    await stock(short, 1, 900);
    const placed = await api('POST', '/orders', {
      body: {
        lines: [
          { sku: plenty, quantity: 2 },
          { sku: short, quantity: 2 },
        ],
      },
      headers: idempotency(),
      as: shopper,
    });
    expect(placed.status).toBe(201);
    const order = await settled(placed.json.orderId);
    expect(order.status).toBe('FAILED');
    expect(order.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'FAILED']);
    expect(order.history.at(-1)).toMatchObject({ status: 'FAILED', reason: `insufficient stock for ${short} (requested 2)` });
    // All or none: the line that had stock was not held either, and nothing was charged.
    expect(await stockOf(plenty)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(await stockOf(short)).toMatchObject({ available: 1, reserved: 0, sold: 0 });
    expect(await paymentsOf(order.orderId)).toEqual([]);
  });

  it('charges once when InventoryReserved is delivered again after the order is confirmed', async () => {
    const sku = newSku('LAMP');
    await stock(sku, 3, 2500);
    const correlationId = randomUUID();
    const placed = await api('POST', '/orders', {
      body: { lines: [{ sku, quantity: 1 }] },
      headers: { ...idempotency(), 'x-correlation-id': correlationId },
      as: shopper,
    });
    expect(placed.status).toBe(201);
    const order = await settled(placed.json.orderId);
    expect(order.status).toBe('CONFIRMED');
    const [payment, ...others] = await paymentsOf(order.orderId);
    expect(others).toEqual([]);
    expect(payment).toMatchObject({ orderId: order.orderId, paymentId: order.paymentId, amount: 2500, status: 'COMPLETED' });
    // The sale is committed in parallel with the notices that confirm the order.
    const stockBefore = await eventually('the sale to be committed', async () => {
      const item = await stockOf(sku);
      return item.sold === 1 ? item : undefined;
    });
    expect(stockBefore).toMatchObject({ available: 2, reserved: 0, sold: 1 });

    // The event as the inventory service published it (lambda/inventory/reservation-events.ts): a redelivery
    // carries the same envelope id, which the history records (unless PaymentCompleted arrived first and implied RESERVED).
    const reserved = order.history.find((h: { status: string }) => h.status === 'RESERVED');
    const detail = {
      metadata: {
        eventId: reserved.event === 'InventoryReserved' ? reserved.eventId : randomUUID(),
        correlationId,
        occurredAt: reserved.at,
        version: 1,
      },
      data: {
        orderId: order.orderId,
        customerId: order.customerId,
        lines: order.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity })),
        total: order.total,
        currency: order.currency,
      },
    };
    const since = Date.now();
    const put = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: output(stack.outputs, 'EventBusName'),
            Source: 'commerce.inventory',
            DetailType: 'InventoryReserved',
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);

    // Proof that the duplicate went through: the charger found the payment done and republished
    // PaymentCompleted, which the settler and the order's status consumer then processed.
    await consumerLogged(
      CHARGER,
      correlationId,
      since,
      (l) => l.message === 'Duplicate InventoryReserved; republishing the payment outcome',
    );
    await consumerLogged(STATUS_CONSUMER, correlationId, since, (l) => l.detailType === 'InventoryReserved');
    await consumerLogged(SETTLER, correlationId, since, (l) => l.message === 'Nothing to settle: the reservation is not held');
    await consumerLogged(STATUS_CONSUMER, correlationId, since, (l) => l.detailType === 'PaymentCompleted');
    // Then the payment (claim time, completion, id), the order and the stock are exactly as they were.
    expect({
      payments: await paymentsOf(order.orderId),
      order: (await api('GET', `/orders/${order.orderId}`, { as: shopper })).json,
      stock: await stockOf(sku),
    }).toEqual({ payments: [payment], order, stock: stockBefore });
    // Read after the duplicate was processed, not before it was injected.
    const after = (await api('GET', `/orders/${order.orderId}`, { as: shopper })).json;
    expect(after.history.filter((h: { status: string }) => h.status === 'PAID')).toHaveLength(1);
  });

  it('answers 400 with every problem for a bad order', async () => {
    const response = await api('POST', '/orders', {
      body: { customerId: 'x', lines: [{ sku: 'MUG', quantity: 0 }] },
      as: shopper,
    });
    expect(response.status).toBe(400);
    expect(response.json.problems).toEqual([
      { path: 'Idempotency-Key', message: 'header is required' },
      { path: 'customerId', message: 'must be a UUID' },
      { path: 'lines.0.quantity', message: 'must be at least 1' },
    ]);
  });
});

describe('a bad order over HTTP', () => {
  const sku = newSku('INK');
  const unknown = newSku('NOPE');
  let buyer: Caller;
  beforeAll(async () => {
    await stock(sku, 100, 300);
    buyer = await customer();
  });

  it.each([
    [
      'an unknown SKU',
      () => ({
        body: {
          lines: [
            { sku, quantity: 1 },
            { sku: unknown, quantity: 2 },
          ],
        },
      }),
      () => [{ path: 'lines.1.sku', message: `is not a known SKU (${unknown})` }],
    ],
    [
      'a quantity of 0',
      () => ({ body: { lines: [{ sku, quantity: 0 }] } }),
      () => [{ path: 'lines.0.quantity', message: 'must be at least 1' }],
    ],
    [
      '51 lines',
      () => ({ body: { lines: Array.from({ length: 51 }, (_, i) => ({ sku: `${sku}-${i}`, quantity: 1 })) } }),
      () => [{ path: 'lines', message: 'must have at most 50 items' }],
    ],
    ['a non-JSON body', () => ({ rawBody: '{"lines": ' }), () => [{ path: '(body)', message: 'must be valid JSON' }]],
  ])('answers 400 for %s, listing the problems, and writes nothing', async (_, request, problems) => {
    const headers = idempotency();
    const response = await api('POST', '/orders', { ...request(), headers, as: buyer });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'ValidationError', message: 'The request is not valid', problems: problems() });

    // The key was not consumed: a valid body with it makes a new order (a stored key with
    // another body would answer 422, the same body 200 replayed).
    const valid = await api('POST', '/orders', { body: { lines: [{ sku, quantity: 1 }] }, headers, as: buyer });
    expect(valid.status).toBe(201);
    expect(valid.headers.get('idempotent-replayed')).toBeNull();
    expect(valid.json).toMatchObject({ status: 'PENDING', customerId: buyer.userId, total: 300 });
  });
});

// Last: its 198 orders run through the saga in the background while the suite goes on.
describe('a batch of orders over HTTP', () => {
  it('places a batch of 200 in twenty chunks and reports each order', async () => {
    const sku = newSku('PEN');
    await stock(sku, 200, 150);
    const unknown = newSku('GONE');
    const orders: unknown[] = Array.from({ length: 200 }, () => ({ lines: [{ sku, quantity: 1 }] }));
    orders[5] = { lines: [{ sku: unknown, quantity: 1 }] };
    orders[137] = { lines: [{ sku, quantity: 0 }] };
    const response = await api('POST', '/orders/batch', { body: { orders }, headers: idempotency(), as: shopper });
    expect(response.status).toBe(200);
    const { summary, results } = response.json;
    expect(summary).toEqual({ total: 200, created: 198, replayed: 0, rejected: 2 });
    expect(results).toHaveLength(200);
    expect(results.map((r: { index: number }) => r.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(results[5]).toMatchObject({
      status: 'rejected',
      error: 'ValidationError',
      problems: [{ path: 'lines.0.sku', message: `is not a known SKU (${unknown})` }],
    });
    expect(results[137]).toMatchObject({
      status: 'rejected',
      error: 'ValidationError',
      problems: [{ path: 'lines.0.quantity', message: 'must be at least 1' }],
    });
    const accepted = results.filter((r: { index: number }) => r.index !== 5 && r.index !== 137);
    for (const result of accepted) {
      expect(result).toEqual({ index: result.index, status: 'created', orderId: expect.stringMatching(UUID), total: 150 });
    }
    expect(new Set(accepted.map((r: { orderId: string }) => r.orderId)).size).toBe(198);
  });

  it('holds the batch to the rules of POST /orders: all invalid is a 400, another body under a used key a 422', async () => {
    const sku = newSku('CUP');
    await stock(sku, 10, 200);
    const allInvalid = await api('POST', '/orders/batch', { body: { orders: [{ lines: [] }, 7] }, headers: idempotency(), as: shopper });
    expect(allInvalid.status).toBe(400);
    expect(allInvalid.json.problems).toEqual([
      { path: 'orders.0.lines', message: 'must have at least 1 item' },
      { path: 'orders.1', message: 'must be an object' },
    ]);

    const headers = idempotency();
    const orders = [{ lines: [{ sku, quantity: 1 }] }, { lines: [{ sku, quantity: 2 }] }];
    const first = await api('POST', '/orders/batch', { body: { orders }, headers, as: shopper });
    expect(first.json.summary).toEqual({ total: 2, created: 2, replayed: 0, rejected: 0 });
    const again = await api('POST', '/orders/batch', { body: { orders }, headers, as: shopper });
    expect(again.json.summary).toEqual({ total: 2, created: 0, replayed: 2, rejected: 0 });
    expect(again.json.results.map((r: { orderId: string }) => r.orderId)).toEqual(
      first.json.results.map((r: { orderId: string }) => r.orderId),
    );
    const subset = await api('POST', '/orders/batch', { body: { orders: orders.slice(0, 1) }, headers, as: shopper });
    expect(subset.status).toBe(422);
    expect(subset.json).toEqual({ error: 'Unprocessable', message: 'This Idempotency-Key was used with a different request body' });

    // Ids in either case: the order read by its upper-case id.
    const read = await api('GET', `/orders/${String(first.json.results[0].orderId).toUpperCase()}`, { as: shopper });
    expect(read.status).toBe(200);
    expect(read.json.orderId).toBe(first.json.results[0].orderId);
  });
});
