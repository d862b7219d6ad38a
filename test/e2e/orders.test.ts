import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SANDBOX_DECLINED_CUSTOMER } from '../../lambda/domain/payments';
import { api, eventually, output, target, type Target } from './target';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

let stack: Target;
let adminKey: Record<string, string>;
beforeAll(async () => {
  stack = await target();
  if (!stack.adminApiKey) throw new Error('E2E_ADMIN_API_KEY is not set (the inventory routes need the admin key)');
  adminKey = { 'x-api-key': stack.adminApiKey };
});

const newSku = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
const idempotency = () => ({ 'Idempotency-Key': `e2e-${randomUUID()}` });

async function stock(sku: string, available: number, price: number) {
  const response = await api('PUT', `/inventory/${sku}`, { body: { available, price }, headers: adminKey });
  expect(response.status).toBe(200);
}

async function customer(): Promise<string> {
  const response = await api('POST', '/users', {
    body: { name: 'Order Customer', email: `e2e-${randomUUID()}@example.com`, phone: '+14155550100' },
  });
  expect(response.status).toBe(201);
  return response.json.userId;
}

/** Polls the order until it reaches a final status (CONFIRMED or FAILED). */
const settled = (orderId: string) =>
  eventually(
    `order ${orderId} to settle`,
    async () => {
      const { json } = await api('GET', `/orders/${orderId}`);
      return ['CONFIRMED', 'FAILED'].includes(json?.status) ? json : undefined;
    },
    30_000,
  );

describe('inventory over HTTP', () => {
  it('sets stock only with the admin API key and reads it back', async () => {
    const sku = newSku('MUG');
    expect((await api('PUT', `/inventory/${sku}`, { body: { available: 3, price: 1250 } })).status).toBe(403);
    await stock(sku, 3, 1250);
    const read = await api('GET', `/inventory/${sku}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ sku, available: 3, reserved: 0, sold: 0, price: 1250, currency: 'USD' });
    expect((await api('GET', `/inventory/${newSku('NONE')}`)).status).toBe(404);
  });
});

describe('the order saga over HTTP and the real rules', () => {
  it('confirms a paid order once, with its history, sold stock and notifications on three channels', async () => {
    const sku = newSku('TEE');
    await stock(sku, 5, 1999);
    const customerId = await customer();
    const headers = idempotency();
    const body = { customerId, lines: [{ sku, quantity: 2 }] };

    const placed = await api('POST', '/orders', { body, headers });
    expect(placed.status).toBe(201);
    expect(placed.json).toMatchObject({ status: 'PENDING', total: 3998, lines: [{ sku, quantity: 2, unitPrice: 1999 }] });
    const again = await api('POST', '/orders', { body, headers });
    expect(again.status).toBe(200);
    expect(again.json.orderId).toBe(placed.json.orderId);
    expect((await api('POST', '/orders', { body: { ...body, lines: [{ sku, quantity: 1 }] }, headers })).status).toBe(422);

    const order = await settled(placed.json.orderId);
    expect(order.status).toBe('CONFIRMED');
    expect(order.paymentId).toEqual(expect.any(String));
    expect(order.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED']);
    expect((await api('GET', `/inventory/${sku}`)).json).toMatchObject({ available: 3, reserved: 0, sold: 2 });

    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: output(stack.outputs, 'NotificationsTableName'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${order.orderId}` },
      }),
    );
    expect((Items ?? []).map((item) => item.channel).sort()).toEqual(['email', 'push', 'sms']);
    for (const item of Items ?? []) expect(item).toMatchObject({ template: 'order-confirmed', status: expect.stringMatching(/^(SENT|FAILED)$/) });
  });

  it('fails a declined payment with its reason and releases the stock', async () => {
    const sku = newSku('CAP');
    await stock(sku, 4, 800);
    const placed = await api('POST', '/orders', {
      body: { customerId: SANDBOX_DECLINED_CUSTOMER, lines: [{ sku, quantity: 3 }] },
      headers: idempotency(),
    });
    expect(placed.status).toBe(201);
    const order = await settled(placed.json.orderId);
    expect(order.status).toBe('FAILED');
    expect(order.history.at(-1)).toMatchObject({ status: 'FAILED', reason: 'payment failed (CARD_DECLINED): the card was declined' });
    const released = await eventually('the reservation to be released', async () => {
      const { json } = await api('GET', `/inventory/${sku}`);
      return json.reserved === 0 ? json : undefined;
    });
    expect(released).toMatchObject({ available: 4, reserved: 0, sold: 0 });
  });

  it('fails an order for which stock is short, naming the SKU', async () => {
    const sku = newSku('BAG');
    await stock(sku, 1, 500);
    const placed = await api('POST', '/orders', { body: { customerId: await customer(), lines: [{ sku, quantity: 2 }] }, headers: idempotency() });
    const order = await settled(placed.json.orderId);
    expect(order.history.at(-1)).toMatchObject({ status: 'FAILED', reason: `insufficient stock for ${sku} (requested 2)` });
  });

  it('answers 400 with every problem for a bad order', async () => {
    const response = await api('POST', '/orders', {
      body: { customerId: 'x', lines: [{ sku: 'MUG', quantity: 0 }] },
    });
    expect(response.status).toBe(400);
    expect(response.json.problems).toEqual([
      { path: 'Idempotency-Key', message: 'header is required' },
      { path: 'customerId', message: 'must be a UUID' },
      { path: 'lines.0.quantity', message: 'must be at least 1' },
    ]);
  });

  it('places a batch in chunks and reports each order', async () => {
    const sku = newSku('PEN');
    await stock(sku, 100, 150);
    const customerId = await customer();
    const orders: unknown[] = Array.from({ length: 12 }, () => ({ customerId, lines: [{ sku, quantity: 1 }] }));
    orders[5] = { customerId, lines: [{ sku: newSku('GONE'), quantity: 1 }] };
    const response = await api('POST', '/orders/batch', { body: { orders }, headers: idempotency() });
    expect(response.status).toBe(200);
    expect(response.json.summary).toEqual({ processedBatches: 2, totalOrders: 12, accepted: 11, rejected: 1 });
    expect(response.json.results[5]).toMatchObject({ index: 5, status: 'rejected', error: 'ValidationError' });
  });
});
