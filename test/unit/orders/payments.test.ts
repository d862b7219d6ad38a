import {
  DEFAULT_SANDBOX_LIMIT,
  paymentFailureReason,
  SANDBOX_APPROVED_METHOD,
  SANDBOX_DECLINED_METHOD,
  SANDBOX_TIMEOUT_METHOD,
  sandboxOutcome,
} from '../../../lambda/domain/payments';
import { PAYMENT_METHODS, type PaymentMethod } from '../../../contracts/events';
import { PaymentDeclinedError, providerFromEnvironment, SandboxProvider } from '../../../lambda/payments/payment-provider';
import { paymentEvent } from '../../../lambda/payments/payment-events';
import type { Payment } from '../../../lambda/payments/payment-store';
import { outcomeEvent } from '../../../lambda/inventory/reservation-events';
import type { Reservation } from '../../../lambda/inventory/inventory-store';

const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';
const charge = (paymentMethod: PaymentMethod | undefined = undefined, amount = 1000) => ({
  idempotencyKey: `order-${paymentMethod}-${amount}`,
  customerId: CUSTOMER,
  amount,
  currency: 'USD',
  ...(paymentMethod ? { paymentMethod } : {}),
});

describe('sandbox rules', () => {
  it('uses test customer ids that pass the API validation (UUIDs)', () => {
    expect(PAYMENT_METHODS).toEqual(expect.arrayContaining([SANDBOX_APPROVED_METHOD, SANDBOX_DECLINED_METHOD, SANDBOX_TIMEOUT_METHOD]));
    expect(SANDBOX_APPROVED_METHOD).toBe('pm_card_ok');
  });

  it('approves, declines the test customer and amounts over the limit, and never answers for the timeout customer', () => {
    expect(sandboxOutcome(charge(), 5000)).toEqual({ kind: 'approved' });
    expect(sandboxOutcome(charge(undefined, 5000), 5000)).toEqual({ kind: 'approved' });
    expect(sandboxOutcome(charge(undefined, 5001), 5000)).toEqual({
      kind: 'declined',
      code: 'AMOUNT_OVER_LIMIT',
      reason: 'the amount 5001 is over the limit 5000',
    });
    expect(sandboxOutcome(charge(SANDBOX_DECLINED_METHOD), 5000)).toMatchObject({ kind: 'declined', code: 'CARD_DECLINED' });
    expect(sandboxOutcome(charge(SANDBOX_TIMEOUT_METHOD), 5000)).toEqual({ kind: 'no-answer' });
  });

  it('describes a failure for the order history', () => {
    expect(paymentFailureReason({ code: 'CARD_DECLINED', reason: 'the card was declined' })).toBe(
      'payment failed (CARD_DECLINED): the card was declined',
    );
  });
});

describe('SandboxProvider', () => {
  it('approves with a receipt, and returns the same receipt for the same idempotency key', async () => {
    const provider = new SandboxProvider(5000);
    const signal = new AbortController().signal;
    const first = await provider.charge(charge(), signal);
    expect(first.providerRef).toBe(`sandbox_${charge().idempotencyKey}`);
    expect(await provider.charge(charge(), signal)).toBe(first);
  });

  it('throws PaymentDeclinedError with the code', async () => {
    const provider = new SandboxProvider(5000);
    await expect(provider.charge(charge(undefined, 9999), new AbortController().signal)).rejects.toMatchObject({
      name: 'PaymentDeclinedError',
      code: 'AMOUNT_OVER_LIMIT',
    });
    await expect(provider.charge(charge(SANDBOX_DECLINED_METHOD), new AbortController().signal)).rejects.toBeInstanceOf(
      PaymentDeclinedError,
    );
  });

  it('hangs for the timeout customer until the caller aborts', async () => {
    const controller = new AbortController();
    const pending = new SandboxProvider().charge(charge(SANDBOX_TIMEOUT_METHOD), controller.signal);
    controller.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('takes its limit from the environment, with a safe default', async () => {
    const strict = providerFromEnvironment({ PAYMENT_SANDBOX_LIMIT: '100' });
    await expect(strict.charge(charge(undefined, 101), new AbortController().signal)).rejects.toMatchObject({ code: 'AMOUNT_OVER_LIMIT' });
    const fallback = providerFromEnvironment({ PAYMENT_SANDBOX_LIMIT: 'lots' });
    await expect(fallback.charge(charge(undefined, DEFAULT_SANDBOX_LIMIT), new AbortController().signal)).resolves.toBeDefined();
  });
});

describe('outcome events', () => {
  const payment: Payment = {
    orderId: 'o-1',
    paymentId: 'p-1',
    customerId: CUSTOMER,
    amount: 1000,
    currency: 'USD',
    status: 'COMPLETED',
    providerRef: 'ref',
    claimedAt: 'now',
    createdAt: 'now',
  };

  it('maps a finished payment to PaymentCompleted or PaymentFailed, and a pending one to nothing', () => {
    expect(paymentEvent(payment)).toEqual({
      detailType: 'PaymentCompleted',
      data: { orderId: 'o-1', customerId: CUSTOMER, paymentId: 'p-1', amount: 1000, currency: 'USD' },
    });
    expect(paymentEvent({ ...payment, status: 'FAILED', code: 'PROVIDER_TIMEOUT', reason: 'slow' })).toEqual({
      detailType: 'PaymentFailed',
      data: {
        orderId: 'o-1',
        customerId: CUSTOMER,
        paymentId: 'p-1',
        amount: 1000,
        currency: 'USD',
        code: 'PROVIDER_TIMEOUT',
        reason: 'slow',
      },
    });
    expect(paymentEvent({ ...payment, status: 'PENDING' })).toBeUndefined();
  });

  const reservation: Reservation = {
    orderId: 'o-1',
    customerId: CUSTOMER,
    status: 'HELD',
    lines: [{ sku: 'MUG', quantity: 2 }],
    total: 2500,
    currency: 'USD',
    createdAt: 'now',
  };

  it('maps a reservation to the event it stands for; a settled one to nothing', () => {
    expect(outcomeEvent(reservation)).toEqual({
      detailType: 'InventoryReserved',
      data: { orderId: 'o-1', customerId: CUSTOMER, lines: [{ sku: 'MUG', quantity: 2 }], total: 2500, currency: 'USD' },
    });
    expect(outcomeEvent({ ...reservation, status: 'FAILED', shortages: [{ sku: 'MUG', requested: 2 }] })).toEqual({
      detailType: 'InventoryReservationFailed',
      data: {
        orderId: 'o-1',
        customerId: CUSTOMER,
        reason: 'insufficient stock for MUG (requested 2)',
        shortages: [{ sku: 'MUG', requested: 2 }],
      },
    });
    expect(outcomeEvent({ ...reservation, status: 'COMMITTED' })).toBeUndefined();
    expect(outcomeEvent({ ...reservation, status: 'RELEASED' })).toBeUndefined();
  });
});
