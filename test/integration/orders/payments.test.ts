/**
 * The payment consumer against the emulator: one charge per order however
 * often InventoryReserved arrives, and the sandbox's deterministic outcomes.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { CLAIM_LEASE_MARGIN_MS } from '../../../contracts/time-budgets';
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
/** A Lambda context of its own invocation (request id), with the platform's 26 s timeout ahead. */
const invocation = (): Context => ({ ...lambdaContext, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 26_000 });
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
    // Each its own invocation (its own request id): none may take over another's live claim.
    const concurrent = await Promise.allSettled([1, 2, 3].map(() => charge(event, invocation())));
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

  it("takes over a claim its charger left PENDING: Lambda's retry (same request id) at once, another delivery after the lease", async () => {
    const order = reserved();
    const left = invocation();
    // A charger killed after its claim: the record is PENDING, held by `left` until its deadline + margin.
    await cloud.dynamo.send(
      new PutCommand({
        TableName: PAYMENTS_TABLE,
        Item: {
          pk: `PAYMENT#${order.orderId}`,
          type: 'payment',
          orderId: order.orderId,
          paymentId: randomUUID(),
          customerId: CUSTOMER,
          amount: order.total,
          currency: 'USD',
          status: 'PENDING',
          claimedAt: new Date().toISOString(),
          claimedBy: left.awsRequestId,
          leaseUntil: new Date(Date.now() + 60_000).toISOString(),
          createdAt: new Date().toISOString(),
        },
      }),
    );
    await expect(charge(inventoryReserved(order), invocation())).rejects.toThrow(/being charged by another delivery/);
    expect(chargesFor(order.orderId)).toBe(0);
    await charge(inventoryReserved(order), left);
    expect(await paymentOf(order.orderId)).toMatchObject({ status: 'COMPLETED', providerRef: `sandbox_order-${order.orderId}` });
    expect(chargesFor(order.orderId)).toBe(1);
    expect(cloud.events('PaymentCompleted', { orderId: order.orderId })).toHaveLength(1);

    // Past the lease, any delivery takes a PENDING claim over (e.g. `npm run redrive`).
    const stale = reserved();
    const holder = invocation();
    await charge(inventoryReserved(stale), holder);
    // As its charger died after claiming: PENDING, its lease (26 s + CLAIM_LEASE_MARGIN_MS after the claim) just over.
    const claimedAt = new Date(Date.now() - 26_000 - CLAIM_LEASE_MARGIN_MS - 1_000);
    await cloud.dynamo.send(
      new UpdateCommand({
        TableName: PAYMENTS_TABLE,
        Key: { pk: `PAYMENT#${stale.orderId}` },
        UpdateExpression: 'SET #status = :pending, claimedAt = :claimedAt, leaseUntil = :leaseUntil REMOVE providerRef',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING',
          ':claimedAt': claimedAt.toISOString(),
          ':leaseUntil': new Date(claimedAt.getTime() + 26_000 + CLAIM_LEASE_MARGIN_MS).toISOString(),
        },
      }),
    );
    expect(await paymentOf(stale.orderId)).toMatchObject({ claimedBy: holder.awsRequestId, status: 'PENDING' });
    await charge(inventoryReserved(stale), invocation());
    expect(await paymentOf(stale.orderId)).toMatchObject({ status: 'COMPLETED', providerRef: `sandbox_order-${stale.orderId}` });
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
