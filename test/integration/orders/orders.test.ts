/**
 * The orders handlers against the emulator: placing with an Idempotency-Key
 * (one order per key, 422 for another body), prices from the inventory, the
 * batch endpoint, the `OrderPlaced` outbox (the orders table's stream; the
 * handlers only write), and the status consumer's conditional moves.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { apiEvent, authorizedContext, lambdaContext, machineClaims, userClaims } from '../../support/api-event';
import { busEvent, dynamoDbStreamEvent, handlerEnvironment, type LocalAws, outboxRelay, startLocalAws } from '../../support/aws';
import { eventIdFor } from '../../../lambda/shared/events';
import { validData } from '../../support/events';

const ORDERS_TABLE = `orders-${randomUUID()}`;
const INVENTORY_TABLE = `inventory-${randomUUID()}`;
const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';

let cloud: LocalAws;
let placeOrder: typeof import('../../../lambda/orders/place-order').handler;
let placeBatch: typeof import('../../../lambda/orders/place-order-batch').handler;
let getOrder: typeof import('../../../lambda/orders/get-order').handler;
let advance: typeof import('../../../lambda/orders/advance-status').handler;
let publisher: typeof import('../../../lambda/orders/publish-order-events').handler;
let outbox: ReturnType<typeof outboxRelay>;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(ORDERS_TABLE, { stream: 'NEW_IMAGE' });
  await cloud.createTable(INVENTORY_TABLE);
  for (const [sku, price] of [
    ['MUG', 1250],
    ['TEE', 1999],
    ['CAP', 800],
  ] as const) {
    await cloud.dynamo.send(
      new PutCommand({ TableName: INVENTORY_TABLE, Item: { pk: `SKU#${sku}`, sku, price, available: 100, reserved: 0 } }),
    );
  }
  handlerEnvironment(cloud.endpoint, 'orders', { ORDERS_TABLE, INVENTORY_TABLE, ROUTE_ACCESS: 'customer' });
  placeOrder = (await import('../../../lambda/orders/place-order')).handler;
  placeBatch = (await import('../../../lambda/orders/place-order-batch')).handler;
  getOrder = (await import('../../../lambda/orders/get-order')).handler;
  advance = (await import('../../../lambda/orders/advance-status')).handler;
  publisher = (await import('../../../lambda/orders/publish-order-events')).handler;
  outbox = outboxRelay(cloud, ORDERS_TABLE, publisher, lambdaContext);
});

afterAll(async () => {
  await cloud?.stop();
});

const newKey = () => `key-${randomUUID()}`;
const body = (
  lines = [
    { sku: 'MUG', quantity: 2 },
    { sku: 'TEE', quantity: 1 },
  ],
) => ({ customerId: CUSTOMER, lines });

async function post(handler: typeof placeOrder, payload: unknown, key?: string, as: string = CUSTOMER) {
  const result = await handler(
    apiEvent({
      path: '/orders',
      resource: '/orders',
      body: JSON.stringify(payload),
      headers: key ? { 'Idempotency-Key': key } : {},
      requestContext: authorizedContext(userClaims(as)),
    }),
    lambdaContext,
  );
  return { status: result.statusCode, json: JSON.parse(result.body), headers: result.headers ?? {} };
}

async function read(orderId: string, as: string = CUSTOMER) {
  const result = await getOrder(
    apiEvent({ httpMethod: 'GET', pathParameters: { orderId }, requestContext: authorizedContext(userClaims(as)) }),
    lambdaContext,
  );
  return { status: result.statusCode, json: JSON.parse(result.body) };
}

async function storedOrderCount(): Promise<number> {
  const { Items } = await cloud.dynamo.send(new ScanCommand({ TableName: ORDERS_TABLE, ConsistentRead: true }));
  return (Items ?? []).filter((item) => item.type === 'order').length;
}

describe('POST /orders', () => {
  it('prices the order from the inventory and stores it PENDING; the outbox publishes OrderPlaced from the stream', async () => {
    await outbox.relay();
    const created = await post(placeOrder, body(), newKey());
    expect(created.status).toBe(201);
    expect(cloud.events('OrderPlaced', { orderId: created.json.orderId })).toHaveLength(0); // the handler only writes
    expect(await outbox.relay()).toEqual([]);
    expect(created.json).toMatchObject({
      customerId: CUSTOMER,
      status: 'PENDING',
      lines: [
        { sku: 'MUG', quantity: 2, unitPrice: 1250, lineTotal: 2500 },
        { sku: 'TEE', quantity: 1, unitPrice: 1999, lineTotal: 1999 },
      ],
      total: 4499,
      currency: 'USD',
      history: [{ status: 'PENDING', event: 'OrderPlaced' }],
    });
    const [event] = cloud.events('OrderPlaced', { orderId: created.json.orderId });
    expect(event).toMatchObject({ source: 'commerce.orders' });
    expect(event!.detail.metadata).toEqual({
      eventId: eventIdFor('OrderPlaced', created.json.orderId),
      correlationId: 'req-1',
      occurredAt: created.json.createdAt,
      version: 1,
    });
    expect(event!.detail.data).toEqual({
      orderId: created.json.orderId,
      customerId: CUSTOMER,
      lines: [
        { sku: 'MUG', quantity: 2, unitPrice: 1250 },
        { sku: 'TEE', quantity: 1, unitPrice: 1999 },
      ],
      total: 4499,
      currency: 'USD',
      paymentMethod: 'pm_card_ok',
    });
    expect(await read(created.json.orderId)).toEqual({ status: 200, json: created.json });
    expect(created.json).not.toHaveProperty('correlationId'); // kept for the outbox, not part of the order
  });

  it('publishes OrderPlaced for a stored order whose first publish failed, with the same event id, and nothing for key claims', async () => {
    await outbox.relay();
    const created = await post(placeOrder, body(), newKey());
    const records = await cloud.streamRecords(ORDERS_TABLE);
    const mine = records.filter((r) => JSON.stringify(r.dynamodb?.Keys).includes(created.json.orderId));
    expect(mine).toHaveLength(1);
    cloud.failPutEvents = true;
    try {
      // Every record of the batch is one order: all fail, and Lambda would retry them.
      await expect(publisher(dynamoDbStreamEvent(mine), lambdaContext)).rejects.toThrow(/All records failed/);
    } finally {
      cloud.failPutEvents = false;
    }
    expect(cloud.events('OrderPlaced', { orderId: created.json.orderId })).toHaveLength(0);
    // The retry, and a redelivery after it: the same event (id) each time.
    expect(await publisher(dynamoDbStreamEvent(mine), lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(await publisher(dynamoDbStreamEvent(mine), lambdaContext)).toEqual({ batchItemFailures: [] });
    const ids = cloud.events('OrderPlaced', { orderId: created.json.orderId }).map((e) => e.detail.metadata.eventId);
    expect(ids).toEqual([eventIdFor('OrderPlaced', created.json.orderId), eventIdFor('OrderPlaced', created.json.orderId)]);
    // The Idempotency-Key claim written with the order is in the stream too, and publishes nothing.
    const claims = records.filter((r) => r.dynamodb?.NewImage?.pk?.S?.startsWith('IDEMPOTENCY#'));
    expect(claims.length).toBeGreaterThan(0);
    const before = cloud.published.length;
    expect(await publisher(dynamoDbStreamEvent(claims), lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(cloud.published.length).toBe(before);
  });

  it('gives one order for the same Idempotency-Key twice, and 422 for the key with another body', async () => {
    const key = newKey();
    const before = await storedOrderCount();
    const first = await post(placeOrder, body(), key);
    // Same order, laid out differently: the same body.
    const again = await post(
      placeOrder,
      { lines: body().lines.map(({ quantity, sku }) => ({ quantity, sku })), customerId: CUSTOMER },
      key,
    );
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json).toEqual(first.json);
    const other = await post(placeOrder, body([{ sku: 'MUG', quantity: 3 }]), key);
    expect(other).toMatchObject({
      status: 422,
      json: { error: 'Unprocessable', message: 'This Idempotency-Key was used with a different request body' },
    });
    expect((await storedOrderCount()) - before).toBe(1);
  });

  it('makes one order from ten concurrent requests with one key', async () => {
    const key = newKey();
    const before = await storedOrderCount();
    const results = await Promise.all(Array.from({ length: 10 }, () => post(placeOrder, body(), key)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.json.orderId)).size).toBe(1);
    expect((await storedOrderCount()) - before).toBe(1);
  });

  it('answers 400 naming each unknown SKU, and stores nothing', async () => {
    const before = await storedOrderCount();
    const result = await post(
      placeOrder,
      body([
        { sku: 'MUG', quantity: 1 },
        { sku: 'NOPE', quantity: 1 },
      ]),
      newKey(),
    );
    expect(result).toMatchObject({
      status: 400,
      json: { error: 'ValidationError', problems: [{ path: 'lines.1.sku', message: 'is not a known SKU (NOPE)' }] },
    });
    expect(await storedOrderCount()).toBe(before);
  });

  it('takes ids in either case and stores and answers them in lower case', async () => {
    const created = await post(placeOrder, { ...body(), customerId: CUSTOMER.toUpperCase() }, newKey());
    expect(created.status).toBe(201);
    expect(created.json.customerId).toBe(CUSTOMER);
    const fetched = await read(created.json.orderId.toUpperCase());
    expect(fetched.status).toBe(200);
    expect(fetched.json.orderId).toBe(created.json.orderId);
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    expect((await read(randomUUID())).status).toBe(404);
    expect((await read('nope')).status).toBe(400);
  });
});

describe('POST /orders/batch', () => {
  it('processes 25 orders in 3 chunks, accepting each valid one and rejecting the others with reasons', async () => {
    const orders: unknown[] = Array.from({ length: 25 }, (_, i) => body([{ sku: 'CAP', quantity: i + 1 }]));
    orders[3] = body([{ sku: 'GONE', quantity: 1 }]);
    orders[17] = { customerId: CUSTOMER, lines: [{ sku: 'CAP', quantity: 0 }] };
    orders[24] = 'not an order';
    const key = newKey();
    const result = await post(placeBatch, { orders }, key);
    expect(result.status).toBe(200);
    expect(result.json.summary).toEqual({ total: 25, created: 22, replayed: 0, rejected: 3 });
    expect(result.json.results.map((r: { index: number }) => r.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(result.json.results[0]).toEqual({ index: 0, status: 'created', orderId: expect.any(String), total: 800 });
    expect(result.json.results[3]).toMatchObject({
      status: 'rejected',
      problems: [{ path: 'lines.0.sku', message: 'is not a known SKU (GONE)' }],
    });
    expect(result.json.results[17]).toMatchObject({
      status: 'rejected',
      problems: [{ path: 'lines.0.quantity', message: 'must be at least 1' }],
    });
    expect(result.json.results[24]).toMatchObject({ status: 'rejected', error: 'ValidationError' });
    const accepted = result.json.results.filter((r: { status: string }) => r.status === 'created');
    expect(await outbox.relay()).toEqual([]);
    for (const order of accepted) expect(cloud.events('OrderPlaced', { orderId: order.orderId })).toHaveLength(1);

    // The same batch again: the same orders, replayed (none created now, none made twice).
    const before = await storedOrderCount();
    const again = await post(placeBatch, { orders }, key);
    expect(again.json.summary).toEqual({ total: 25, created: 0, replayed: 22, rejected: 3 });
    expect(
      again.json.results.filter((r: { status: string }) => r.status === 'replayed').map((r: { orderId: string }) => r.orderId),
    ).toEqual(accepted.map((r: { orderId: string }) => r.orderId));
    expect(await storedOrderCount()).toBe(before);

    // The key with another body — a subset of the batch, or one order — is a 422, as on POST /orders.
    for (const [handler, other] of [
      [placeBatch, { orders: orders.slice(0, 3) }],
      [placeOrder, orders[0]],
    ] as const) {
      const reused = await post(handler, other, key);
      expect(reused.status).toBe(422);
      expect(reused.json).toEqual({ error: 'Unprocessable', message: 'This Idempotency-Key was used with a different request body' });
    }
    expect(await storedOrderCount()).toBe(before);
  });

  it('answers 400 for a batch with no valid order, every problem named by its index', async () => {
    const before = await storedOrderCount();
    const result = await post(placeBatch, { orders: [{ lines: [] }, 'x', { lines: [{ sku: 'MUG', quantity: 1.5 }] }] }, newKey());
    expect(result.status).toBe(400);
    expect(result.json).toEqual({
      error: 'ValidationError',
      message: 'The request is not valid',
      problems: [
        { path: 'orders.0.lines', message: 'must have at least 1 item' },
        { path: 'orders.1', message: 'must be an object' },
        { path: 'orders.2.lines.0.quantity', message: 'must be an integer' },
      ],
    });
    expect(await storedOrderCount()).toBe(before);
  });

  it('takes 200 orders (20 chunks of 10)', async () => {
    const orders = Array.from({ length: 200 }, () => body([{ sku: 'MUG', quantity: 1 }]));
    const result = await post(placeBatch, { orders }, newKey());
    expect(result.json.summary).toEqual({ total: 200, created: 200, replayed: 0, rejected: 0 });
  });
});

describe('order status consumer', () => {
  async function pendingOrder() {
    const created = await post(placeOrder, body([{ sku: 'MUG', quantity: 1 }]), newKey());
    return created.json as { orderId: string; customerId: string };
  }
  const send = (detailType: string, source: string, data: object, eventId?: string) =>
    advance(busEvent(detailType, source, validData(detailType, data), eventId), lambdaContext);

  it('moves an order forward through RESERVED, PAID, CONFIRMED, recording each step', async () => {
    const { orderId } = await pendingOrder();
    await send('InventoryReserved', 'commerce.inventory', { orderId });
    await send('PaymentCompleted', 'commerce.payments', { orderId, paymentId: 'pay-1' });
    await send('OrderNotificationsAttempted', 'commerce.notifications', { orderId, template: 'order-confirmed', attempts: [] });
    const { json } = await read(orderId);
    expect(json.status).toBe('CONFIRMED');
    expect(json.paymentId).toBe('pay-1');
    expect(json.history.map((h: { status: string; event: string }) => `${h.status}<-${h.event}`)).toEqual([
      'PENDING<-OrderPlaced',
      'RESERVED<-InventoryReserved',
      'PAID<-PaymentCompleted',
      'CONFIRMED<-OrderNotificationsAttempted',
    ]);
  });

  it('never moves backwards or twice on duplicate and late events', async () => {
    const { orderId } = await pendingOrder();
    // PaymentCompleted overtakes InventoryReserved: RESERVED is implied, the late event changes nothing.
    await send('PaymentCompleted', 'commerce.payments', { orderId, paymentId: 'pay-2' });
    await send('InventoryReserved', 'commerce.inventory', { orderId });
    await send('PaymentCompleted', 'commerce.payments', { orderId, paymentId: 'pay-2' });
    await send('PaymentFailed', 'commerce.payments', { orderId, paymentId: 'pay-2', code: 'CARD_DECLINED', reason: 'late' });
    const { json } = await read(orderId);
    expect(json.status).toBe('PAID');
    expect(json.history.map((h: { status: string; reason?: string }) => [h.status, h.reason])).toEqual([
      ['PENDING', undefined],
      ['RESERVED', 'implied by PaymentCompleted'],
      ['PAID', undefined],
    ]);
    expect(cloud.events('OrderFailed', { orderId })).toEqual([]);
  });

  it('fails an order once with the reason, publishes OrderFailed, and again only for a redelivery of the same event', async () => {
    const { orderId } = await pendingOrder();
    await send('InventoryReserved', 'commerce.inventory', { orderId });
    const failedEventId = randomUUID();
    const paymentFailed = { orderId, customerId: CUSTOMER, paymentId: 'pay-3', code: 'CARD_DECLINED', reason: 'the card was declined' };
    await Promise.all([
      send('PaymentFailed', 'commerce.payments', paymentFailed, failedEventId),
      send('PaymentFailed', 'commerce.payments', paymentFailed, failedEventId),
    ]);
    await send('PaymentCompleted', 'commerce.payments', { orderId, paymentId: 'pay-3' });
    const { json } = await read(orderId);
    expect(json.status).toBe('FAILED');
    expect(json.history.filter((h: { status: string }) => h.status === 'FAILED')).toEqual([
      expect.objectContaining({ reason: 'payment failed (CARD_DECLINED): the card was declined', eventId: failedEventId }),
    ]);
    const failures = cloud.events('OrderFailed', { orderId });
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]!.detail.data).toEqual({
      orderId,
      customerId: CUSTOMER,
      reason: 'payment failed (CARD_DECLINED): the card was declined',
      failedFrom: 'RESERVED',
    });
    // Another event to the same effect (a new event id) does not publish again.
    const count = failures.length;
    await send('InventoryReservationFailed', 'commerce.inventory', { orderId, shortages: [{ sku: 'MUG', requested: 1 }] });
    expect(cloud.events('OrderFailed', { orderId })).toHaveLength(count);
  });

  it('records the short SKUs as the reason when the reservation fails', async () => {
    const { orderId } = await pendingOrder();
    await send('InventoryReservationFailed', 'commerce.inventory', { orderId, shortages: [{ sku: 'MUG', requested: 1 }] });
    const { json } = await read(orderId);
    expect(json).toMatchObject({ status: 'FAILED' });
    expect(json.history.at(-1)).toMatchObject({ status: 'FAILED', reason: 'insufficient stock for MUG (requested 1)' });
    expect(cloud.events('OrderFailed', { orderId })[0]!.detail.data.failedFrom).toBe('PENDING');
  });
});

describe("orders are the caller's", () => {
  const OTHER = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

  it('takes the customer from the token: no customerId needed, another one is a 403 and stores nothing', async () => {
    const placed = await post(placeOrder, { lines: [{ sku: 'MUG', quantity: 1 }] }, newKey());
    expect(placed.status).toBe(201);
    expect(placed.json.customerId).toBe(CUSTOMER);
    const before = await storedOrderCount();
    const forged = await post(placeOrder, { customerId: OTHER, lines: [{ sku: 'MUG', quantity: 1 }] }, newKey());
    expect(forged.status).toBe(403);
    expect(await storedOrderCount()).toBe(before);
  });

  it('shows an order to its customer only: others get the 404 of a missing order', async () => {
    const placed = await post(placeOrder, body(), newKey());
    expect((await read(placed.json.orderId)).status).toBe(200);
    const refused = await read(placed.json.orderId, OTHER);
    const missing = await read(randomUUID(), OTHER);
    expect([refused.status, missing.status]).toEqual([404, 404]);
    expect(refused.json).toEqual(missing.json);
  });

  it("scopes Idempotency-Keys to the caller: the same key from another customer makes that customer's own order", async () => {
    const key = newKey();
    const mine = await post(placeOrder, { lines: [{ sku: 'MUG', quantity: 1 }] }, key);
    const theirs = await post(placeOrder, { lines: [{ sku: 'MUG', quantity: 1 }] }, key, OTHER);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.json.orderId).not.toBe(mine.json.orderId);
    expect(theirs.json.customerId).toBe(OTHER);
    // Another body under the same key: a 422 for its own caller, a new order for another caller.
    const other = { lines: [{ sku: 'TEE', quantity: 3 }] };
    expect((await post(placeOrder, other, key)).status).toBe(422);
    expect((await post(placeOrder, other, key, randomUUID())).status).toBe(201);
    // The same body again under the key: each caller gets back their own order.
    expect((await post(placeOrder, { lines: [{ sku: 'MUG', quantity: 1 }] }, key, OTHER)).json.orderId).toBe(theirs.json.orderId);
  });

  it('rejects a batch order naming another customer, and only that one', async () => {
    const result = await post(
      placeBatch,
      { orders: [{ lines: [{ sku: 'MUG', quantity: 1 }] }, { customerId: OTHER, lines: [{ sku: 'MUG', quantity: 1 }] }] },
      newKey(),
    );
    expect(result.status).toBe(200);
    expect(result.json.results.map((r: any) => [r.index, r.status, r.error])).toEqual([
      [0, 'created', undefined],
      [1, 'rejected', 'Forbidden'],
    ]);
  });

  it('stores the payment method (pm_card_ok when none) and refuses an unknown one', async () => {
    expect((await post(placeOrder, body(), newKey())).json.paymentMethod).toBe('pm_card_ok');
    expect((await post(placeOrder, { ...body(), paymentMethod: 'pm_card_declined' }, newKey())).json.paymentMethod).toBe(
      'pm_card_declined',
    );
    const bad = await post(placeOrder, { ...body(), paymentMethod: 'cash' }, newKey());
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual([{ path: 'paymentMethod', message: expect.stringContaining('pm_card_ok') }]);
  });

  it('refuses anonymous and machine callers', async () => {
    const anonymous = await placeOrder(
      apiEvent({ path: '/orders', resource: '/orders', body: JSON.stringify(body()), headers: { 'Idempotency-Key': newKey() } }),
      lambdaContext,
    );
    expect(anonymous.statusCode).toBe(401);
    const machine = await placeOrder(
      apiEvent({
        body: JSON.stringify(body()),
        headers: { 'Idempotency-Key': newKey() },
        requestContext: authorizedContext(machineClaims('producer')),
      }),
      lambdaContext,
    );
    expect(machine.statusCode).toBe(403);
  });
});
