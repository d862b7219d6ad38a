/**
 * The payment consumer against the emulator: one charge per order however
 * often InventoryReserved arrives, and the sandbox's deterministic outcomes.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { InventoryReserved } from '../../../contracts/events';
import type { PaymentMethod } from '../../../contracts/events';
import { SANDBOX_DECLINED_METHOD, SANDBOX_TIMEOUT_METHOD } from '../../../lambda/domain/payments';
import { SandboxProvider } from '../../../lambda/payments/payment-provider';
import { lambdaContext } from '../../support/api-event';
import { busEvent, handlerEnvironment, type LocalAws, startLocalAws } from '../../support/aws';

const PAYMENTS_TABLE = `payments-${randomUUID()}`;
const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';

let cloud: LocalAws;
let charge: typeof import('../../../lambda/payments/charge-payment').handler;
let providerCalls: jest.SpyInstance;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(PAYMENTS_TABLE);
  handlerEnvironment(cloud.endpoint, 'payments', { PAYMENTS_TABLE, PAYMENT_SANDBOX_LIMIT: '50000', PAYMENT_TIMEOUT_MS: '50' });
  // A spy on our own sandbox provider (not a mock of AWS): it counts the charges the handler makes.
  providerCalls = jest.spyOn(SandboxProvider.prototype, 'charge');
  charge = (await import('../../../lambda/payments/charge-payment')).handler;
});

afterAll(async () => {
  providerCalls?.mockRestore();
  await cloud?.stop();
});

const reserved = (paymentMethod?: PaymentMethod, total = 2500): InventoryReserved => ({
  orderId: randomUUID(),
  customerId: CUSTOMER,
  lines: [{ sku: 'MUG', quantity: 2 }],
  total,
  currency: 'USD',
  ...(paymentMethod ? { paymentMethod } : {}),
});
const inventoryReserved = (data: InventoryReserved) => busEvent('InventoryReserved', 'commerce.inventory', data);
const chargesFor = (orderId: string) =>
  providerCalls.mock.calls.filter(([request]) => request.idempotencyKey === `order-${orderId}`).length;
const paymentOf = async (orderId: string) =>
  (await cloud.dynamo.send(new GetCommand({ TableName: PAYMENTS_TABLE, Key: { pk: `PAYMENT#${orderId}` } }))).Item;

describe('charging', () => {
  it('charges once and publishes PaymentCompleted with the stored payment id', async () => {
    const order = reserved();
    await charge(inventoryReserved(order), lambdaContext);
    const payment = await paymentOf(order.orderId);
    expect(payment).toMatchObject({
      status: 'COMPLETED',
      amount: 2500,
      customerId: CUSTOMER,
      providerRef: `sandbox_order-${order.orderId}`,
    });
    const [event] = cloud.events('PaymentCompleted', { orderId: order.orderId });
    expect(event?.detail.data).toEqual({
      orderId: order.orderId,
      customerId: CUSTOMER,
      paymentId: payment!.paymentId,
      amount: 2500,
      currency: 'USD',
    });
  });

  it('never charges twice for a redelivered InventoryReserved (also concurrently), and republishes the outcome', async () => {
    const order = reserved();
    const event = inventoryReserved(order);
    // Three concurrent deliveries of a fresh order: one claims and charges; each other one finds the
    // payment finished (and republishes it) or still being charged (and fails, for Lambda to retry).
    const concurrent = await Promise.allSettled([1, 2, 3].map(() => charge(event, lambdaContext)));
    for (const result of concurrent.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(String(result.reason)).toMatch(/being charged by another delivery/);
    }
    await charge(event, lambdaContext);
    await charge(inventoryReserved(order), lambdaContext);
    expect(chargesFor(order.orderId)).toBe(1);
    const completions = cloud.events('PaymentCompleted', { orderId: order.orderId });
    expect(completions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(completions.map((e) => e.detail.data.paymentId)).size).toBe(1);
  });

  it.each([
    ['the declined test method', SANDBOX_DECLINED_METHOD, 100, 'CARD_DECLINED'],
    ['an amount over the configured limit', undefined, 50_001, 'AMOUNT_OVER_LIMIT'],
    ['the test method whose provider never answers', SANDBOX_TIMEOUT_METHOD, 100, 'PROVIDER_TIMEOUT'],
  ] as const)('fails the payment for %s and publishes PaymentFailed', async (_, paymentMethod, total, code) => {
    const order = reserved(paymentMethod, total);
    const customerId = CUSTOMER;
    await charge(inventoryReserved(order), lambdaContext);
    expect(await paymentOf(order.orderId)).toMatchObject({ status: 'FAILED', code });
    const [event] = cloud.events('PaymentFailed', { orderId: order.orderId });
    expect(event?.detail.data).toMatchObject({ orderId: order.orderId, customerId, amount: total, code, reason: expect.any(String) });
    expect(cloud.events('PaymentCompleted', { orderId: order.orderId })).toEqual([]);
    // A redelivery does not call the provider again.
    await charge(inventoryReserved(order), lambdaContext);
    expect(chargesFor(order.orderId)).toBe(1);
  });
});
