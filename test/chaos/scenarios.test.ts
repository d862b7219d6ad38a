/**
 * The chaos suite (issue 12): scenarios run one after another on the chaos
 * cloud (faults are global to it), each injecting faults with a seed, driving
 * the platform as clients do (resending on 5xx with the same Idempotency-Key),
 * clearing the faults, letting the system settle, and asserting the invariants:
 * nothing lost, nothing doubled, and nothing in a DLQ that `npm run redrive`
 * could not move back. Each prints its record (docs/reliability.md).
 */
import { newCaller, type Caller } from '../e2e/identity';
import { activityUnderFaults } from './activity-scenario';
import { clearFaults, injectFaults, report, settle } from './faults';
import { expectChargedAndNotifiedOnce, expectNothingUnredrivable, newSku, placeOrder } from './order-clients';
import { thirtyOrdersUnderFaults } from './orders-scenario';
import { failedSince, functionErrors } from './function-errors';
import { deadLetterTexts, redriveUntilEmpty } from './redrive-step';
import { finalOrder, paymentsOf, stockOf, userNoticesOf } from './saga';
import { signUp, usersCounted } from './sign-ups';

jest.setTimeout(240_000);

let admin: Caller;
let buyers: Caller[];
beforeAll(async () => {
  [admin, ...buyers] = await Promise.all([newCaller({ admin: true }), newCaller(), newCaller(), newCaller()]);
}, 120_000);
afterEach(clearFaults);

const functionId = (prefix: string): string => {
  const ids = JSON.parse(process.env.CHAOS_FUNCTIONS ?? '[]') as string[];
  const found = ids.find((id) => id.startsWith(prefix));
  if (!found) throw new Error(`no function ${prefix} among ${ids.join(', ')}`);
  return found;
};

describe('orders for scarce stock', () => {
  // First: its redrive empties every DLQ, and it asserts that nothing is left in one.
  it(
    '30 orders for stock 10 under PutEvents, DynamoDB and Lambda faults, then a redrive: 10 confirmed, each charged and told once',
    () => thirtyOrdersUnderFaults(admin, buyers),
    420_000,
  );
});

describe('a charger killed on every attempt', () => {
  it("dead-letters the event, protects the claim for its holder's lease, and is redriven once the lease is over: one payment, CONFIRMED", async () => {
    const sku = await newSku(1, admin);
    const errorsBefore = await functionErrors();
    const charger = functionId('OrderSagaPaymentsChargePayment');
    // The first attempt and Lambda's two retries are all killed right after their claim of the payment.
    await injectFaults([{ service: 'lambda', functionName: charger, kill: true, times: 3 }], 8);
    const buyer = buyers[0]!;
    const { orderId } = await placeOrder(sku, buyer);
    await settle(
      'the payment event dead-lettered',
      async () => ((await deadLetterTexts()).some((t) => t.includes(orderId)) ? true : undefined),
      60_000,
    );
    await clearFaults();
    const claim = (await paymentsOf(orderId))[0];
    const failedAttempts = failedSince(errorsBefore, await functionErrors());
    // The redrive invokes anew (another request id): refused while the dead holder's lease runs, then it charges.
    const rounds = await redriveUntilEmpty(90_000);
    const order = await finalOrder(orderId, buyer);
    const stock = await stockOf(sku, admin);
    const payments = await paymentsOf(orderId);
    report('kill every attempt of the payment consumer', {
      function: charger,
      claim: { status: claim?.status, claimedAt: claim?.claimedAt, leaseUntil: claim?.leaseUntil },
      failedAttempts,
      redriveRounds: rounds.length,
      firstRound: rounds[0],
      status: order.status,
      stock,
      payments: payments.length,
    });
    expect(claim).toMatchObject({ status: 'PENDING' });
    expect(rounds[0]!.left.join('\n')).toMatch(/being charged by another delivery/);
    expect(rounds.at(-1)!.left).toEqual([]);
    expect(order.status).toBe('CONFIRMED');
    expect(stock).toMatchObject({ available: 0, reserved: 0, sold: 1 });
    await expectChargedAndNotifiedOnce([order]);
    expect(payments[0]).toMatchObject({ paymentId: claim!.paymentId, providerRef: `sandbox_order-${orderId}` });
  }, 180_000);
});

describe('a burst of sign-ups', () => {
  it('200 concurrent sign-ups under 20 % PutEvents faults: one welcome notice and one count each', async () => {
    // The callers of beforeAll signed up concurrently; their counts arrive through the outbox later.
    const before = await settle(
      'the callers of beforeAll counted',
      async () => {
        const counted = await usersCounted();
        return counted >= 1 + buyers.length ? counted : undefined;
      },
      60_000,
    );
    const rules = [{ service: 'events', operation: 'PutEvents', probability: 0.2, error: { statusCode: 500, code: 'InternalException' } }];
    const errorsBefore = await functionErrors();
    await injectFaults(rules, 21);
    const users = await Promise.all(Array.from({ length: 200 }, () => signUp()));
    await clearFaults();

    const welcomed = await settle(
      'a welcome notice for every user',
      async () => {
        const notices = await Promise.all(users.map((id) => userNoticesOf(id)));
        return notices.every((n) => n.length > 0) ? notices : undefined;
      },
      90_000,
    ).catch(() => Promise.all(users.map((id) => userNoticesOf(id))));
    const counted = await settle(
      'every user counted',
      async () => ((await usersCounted()) - before >= 200 ? true : undefined),
      60_000,
    ).catch(() => false);
    const dlq = await expectNothingUnredrivable();
    const total = (await usersCounted()) - before;
    report('sign-ups', {
      faults: rules,
      seed: 21,
      failedAttempts: failedSince(errorsBefore, await functionErrors()),
      users: users.length,
      welcomed: welcomed.filter((n) => n.length === 1).length,
      unwelcomed: welcomed.filter((n) => n.length === 0).length,
      counted: total,
      settled: counted,
      deadLetters: dlq,
    });
    expect(welcomed.map((n) => n.join(','))).toEqual(users.map(() => 'welcome:email'));
    expect(total).toBe(200);
  });
});

describe('a worker killed mid-invocation', () => {
  // Each worker is killed right after the edge answered its first AWS call: PlaceOrder's claim of the
  // key, ReserveStock's transaction, ChargePayment's claim of the payment (its retry, same request id,
  // takes the claim over), PublishOrderEvents's PutEvents (the stream batch is retried: OrderPlaced again).
  it.each([
    ['API (POST /orders)', 'OrderSagaOrdersPlaceOrder'],
    ['rule target (the reservation consumer)', 'OrderSagaInventoryReserveStock'],
    ['rule target (the payment consumer)', 'OrderSagaPaymentsChargePayment'],
    ['stream consumer (the OrderPlaced outbox)', 'OrderSagaOrdersPublishOrderEvents'],
  ])('of the %s: the event is retried and its effect applied once', async (kind, prefix) => {
    const sku = await newSku(1, admin);
    const errorsBefore = await functionErrors();
    await injectFaults([{ service: 'lambda', functionName: functionId(prefix), kill: true, times: 1 }], 7);
    const buyer = buyers[0]!;
    const { orderId, resends } = await placeOrder(sku, buyer);
    const order = await finalOrder(orderId, buyer);
    const stock = await stockOf(sku, admin);
    const failedAttempts = failedSince(errorsBefore, await functionErrors());
    report(`kill ${kind}`, {
      function: prefix,
      resends,
      failedAttempts,
      status: order.status,
      stock,
      payments: (await paymentsOf(orderId)).length,
    });
    expect(order.status).toBe('CONFIRMED');
    expect(stock).toMatchObject({ available: 0, reserved: 0, sold: 1 });
    await expectChargedAndNotifiedOnce([order]);
  });
});

describe('activity ingestion under faults', () => {
  it('2,000 activity events under 30 % PutRecords, 20 % PutObject and 10 % DynamoDB faults: stream, raw log and aggregates hold each accepted event once', () =>
    activityUnderFaults());
});
