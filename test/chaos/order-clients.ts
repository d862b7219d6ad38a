/**
 * Order clients for the chaos scenarios: a SKU stocked by an admin, an order
 * placed as a storefront places it (resending on 5xx with the same key), and
 * the checks every order scenario ends with.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from '../e2e/identity';
import { api, target } from '../e2e/target';
import { deadLetters, resendOn5xx, settle } from './faults';
import { noticesOf, paymentsOf } from './saga';

export async function newSku(available: number, admin: Caller): Promise<string> {
  const sku = `CHAOS-${randomUUID().slice(0, 8)}`;
  expect((await api('PUT', `/inventory/${sku}`, { body: { available, price: 1000 }, as: admin })).status).toBe(200);
  return sku;
}

/** Places an order as a client does: resending on 5xx with the same key until it is answered. */
export async function placeOrder(sku: string, buyer: Caller): Promise<{ orderId: string; resends: number }> {
  const headers = { 'Idempotency-Key': `chaos-${randomUUID()}` };
  const { response, resends } = await resendOn5xx(
    () => api('POST', '/orders', { body: { lines: [{ sku, quantity: 1 }] }, headers, as: buyer }),
    10,
  );
  expect([200, 201]).toContain(response.status);
  return { orderId: response.json.orderId, resends };
}

/** Every confirmed order charged once and told once on each channel. */
export async function expectChargedAndNotifiedOnce(orders: { orderId: string; status: string }[]): Promise<void> {
  for (const { orderId, status } of orders) {
    if (status === 'CONFIRMED') {
      const payments = await paymentsOf(orderId);
      // The notices follow the confirmation: wait for all three channels, then expect exactly them.
      const confirmedOn = async () => (await noticesOf(orderId)).filter((n) => n.startsWith('order-confirmed:'));
      const notices = await settle(
        `order ${orderId}'s notices`,
        async () => ((await confirmedOn()).length >= 3 ? confirmedOn() : undefined),
        30_000,
      ).catch(confirmedOn);
      expect(`${orderId}: ${payments.map((p) => String(p.status)).join(',')}`).toBe(`${orderId}: COMPLETED`);
      expect(notices).toEqual(['order-confirmed:email', 'order-confirmed:push', 'order-confirmed:sms']);
    }
  }
}

export async function expectNothingUnredrivable(): Promise<Record<string, number>> {
  const { outputs } = await target();
  const { depth, unredrivable } = await deadLetters(outputs);
  expect(unredrivable).toEqual([]);
  return depth;
}
