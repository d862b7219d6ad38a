/**
 * The first chaos scenario: 30 orders for one SKU with stock 10 under
 * 20 % PutEvents, 10 % DynamoDB and 20 % Lambda faults, clients resending on 5xx
 * with the same key. Once the faults are cleared, the system settles (every
 * order final, or named by a dead letter that holds its next step), every DLQ
 * is redriven as `npm run redrive` does (redrive-step.ts), the system settles
 * again, and the invariants hold: every order CONFIRMED or FAILED, exactly 10
 * confirmed, stock sold 10 / available 0 / reserved 0, each confirmed order
 * charged once and told once per channel, no failed order charged, and nothing
 * left in any dead-letter queue.
 */
import type { Caller } from '../e2e/identity';
import { api } from '../e2e/target';
import { clearFaults, injectFaults, report, settle } from './faults';
import { expectChargedAndNotifiedOnce, expectNothingUnredrivable, newSku, placeOrder } from './order-clients';
import { failedSince, functionErrors } from './function-errors';
import { deadLetterTexts, redriveUntilEmpty } from './redrive-step';
import { finalOrder, paymentsOf, stockOf } from './saga';

const FINAL = ['CONFIRMED', 'FAILED'];

export async function thirtyOrdersUnderFaults(admin: Caller, buyers: readonly Caller[]): Promise<void> {
  const sku = await newSku(10, admin);
  const errorsBefore = await functionErrors();
  const rules = [
    { service: 'events', operation: 'PutEvents', probability: 0.2, error: { statusCode: 500, code: 'InternalException' } },
    { service: 'dynamodb', probability: 0.1, error: { statusCode: 500, code: 'InternalServerError' } },
    { service: 'lambda', operation: 'Invoke', probability: 0.2, error: { statusCode: 500, code: 'ServiceException' } },
  ];
  await injectFaults(rules, 12);
  const placed = await Promise.all(Array.from({ length: 30 }, (_, i) => placeOrder(sku, buyers[i % buyers.length]!)));
  await clearFaults();
  const ownerOf = (i: number) => buyers[i % buyers.length]!;

  // Settled: every order final, or stopped at a step a dead letter holds (its retries are over).
  const statusOf = async (orderId: string, i: number) =>
    (await api('GET', `/orders/${orderId}`, { as: ownerOf(i) })).json?.status as string;
  const beforeRedrive = await settle(
    'every order final or dead-lettered',
    async () => {
      const statuses = await Promise.all(placed.map(({ orderId }, i) => statusOf(orderId, i)));
      const open = placed.filter((_, i) => !FINAL.includes(statuses[i]!)).map((p) => p.orderId);
      if (open.length === 0) return { statuses: countOf(statuses), stranded: 0 };
      const letters = await deadLetterTexts();
      return open.every((id) => letters.some((text) => text.includes(id)))
        ? { statuses: countOf(statuses), stranded: open.length }
        : undefined;
    },
    120_000,
  );
  const failedAttempts = failedSince(errorsBefore, await functionErrors());
  const rounds = await redriveUntilEmpty(90_000);

  const orders = await Promise.all(placed.map(({ orderId }, i) => finalOrder(orderId, ownerOf(i))));
  const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
  const stock = await stockOf(sku, admin);
  const dlq = await expectNothingUnredrivable();
  const failedButCharged = [];
  for (const o of orders.filter((o) => o.status === 'FAILED')) {
    if ((await paymentsOf(o.orderId)).some((p) => p.status === 'COMPLETED')) failedButCharged.push(o.orderId);
  }
  report('orders', {
    faults: rules,
    seed: 12,
    orders: 30,
    resends: placed.reduce((sum, p) => sum + p.resends, 0),
    failedAttempts,
    beforeRedrive,
    redrive: rounds,
    statuses: countOf(orders.map((o) => o.status)),
    stock,
    deadLettersAfter: dlq,
  });
  expect(orders.every((o) => FINAL.includes(o.status))).toBe(true);
  expect(confirmed).toHaveLength(10);
  expect(stock).toMatchObject({ available: 0, reserved: 0, sold: 10 });
  await expectChargedAndNotifiedOnce(orders);
  expect(failedButCharged).toEqual([]);
  expect(rounds.at(-1)!.left).toEqual([]);
  expect(dlq).toEqual({});
}

function countOf(values: readonly string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((all, v) => ({ ...all, [v]: (all[v] ?? 0) + 1 }), {});
}
