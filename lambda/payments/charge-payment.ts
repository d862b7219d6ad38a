import { randomUUID } from 'node:crypto';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { ENV } from '#contracts/environment';
import type { EventData } from '#contracts/events';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { type DeliveredEvent, eventHandler, publish } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { paymentEvent } from './payment-events';
import { PaymentDeclinedError, providerFromEnvironment } from './payment-provider';
import { DynamoPaymentStore, type PaymentOutcome } from './payment-store';

const payments = new DynamoPaymentStore(dynamo, env(ENV.PAYMENTS_TABLE));
const provider = providerFromEnvironment();
/** How long the provider may take before the charge counts as failed (PAYMENT_TIMEOUT_MS). */
const timeoutMs = Number(process.env[ENV.PAYMENT_TIMEOUT_MS]) || 3_000;

/**
 * On `InventoryReserved`: charges the order's total once and publishes
 * `PaymentCompleted` or `PaymentFailed`. The payment is claimed with a
 * conditional write before the provider is called, so a redelivered event never
 * charges again: it republishes the stored outcome (in case the first delivery
 * stopped before publishing), or — while the first is still charging — fails so
 * that Lambda retries it later. A claim left PENDING by a charger that died
 * (killed, timed out, or an unknown provider error) is taken over by Lambda's
 * retry of the same invocation (same request id: the failed attempt has ended)
 * or, after the holder's deadline plus a margin, by any later delivery (an
 * EventBridge redelivery, `npm run redrive`); the provider's idempotency key
 * (the order id) makes that takeover charge nothing twice.
 *
 * A provider that does not answer within the deadline fails the payment
 * (PROVIDER_TIMEOUT) and the reservation is released. With a real provider this
 * is where a reconciliation would look the charge up by its idempotency key.
 */
export const handler = (event: EventBridgeEvent<string, unknown>, context: Context): Promise<void> =>
  eventHandler('InventoryReserved', (order, delivered) => charge(order, delivered, context))(event, context);

async function charge(order: EventData<'InventoryReserved'>, event: DeliveredEvent<'InventoryReserved'>, context: Context): Promise<void> {
  const { correlationId } = event.detail.metadata;
  const claimed = await payments.claim(
    { orderId: order.orderId, paymentId: randomUUID(), customerId: order.customerId, amount: order.total, currency: order.currency },
    { requestId: context.awsRequestId, remainingMs: context.getRemainingTimeInMillis() },
    new Date(),
  );
  if (!claimed) {
    const existing = await payments.get(order.orderId);
    const outcome = existing && paymentEvent(existing);
    if (!outcome) throw new Error(`Payment for order ${order.orderId} is being charged by another delivery; retrying later`);
    logger.info('Duplicate InventoryReserved; republishing the payment outcome', { status: existing.status });
    metrics.addMetric('DuplicateEventIgnored', MetricUnit.Count, 1);
    await publish([outcome], correlationId);
    return;
  }
  let outcome: PaymentOutcome;
  try {
    const receipt = await provider.charge(
      {
        idempotencyKey: `order-${order.orderId}`,
        customerId: order.customerId,
        amount: order.total,
        currency: order.currency,
        ...(order.paymentMethod ? { paymentMethod: order.paymentMethod } : {}),
      },
      AbortSignal.timeout(timeoutMs),
    );
    outcome = { status: 'COMPLETED', providerRef: receipt.providerRef };
  } catch (error) {
    if (error instanceof PaymentDeclinedError) {
      outcome = { status: 'FAILED', code: error.code, reason: error.reason };
    } else if ((error as Error)?.name === 'TimeoutError') {
      outcome = { status: 'FAILED', code: 'PROVIDER_TIMEOUT', reason: `the provider did not answer within ${timeoutMs} ms` };
    } else {
      // Unknown: the claim stays PENDING; Lambda's retry takes it over and charges with the same idempotency key.
      throw error;
    }
  }
  const payment = await payments.finish(claimed, outcome, new Date());
  metrics.addMetric(payment.status === 'COMPLETED' ? 'PaymentCompleted' : 'PaymentFailed', MetricUnit.Count, 1);
  await publish([paymentEvent(payment)!], correlationId);
}
