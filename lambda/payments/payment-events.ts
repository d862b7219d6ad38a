import type { PaymentCompleted, PaymentFailed } from '#contracts/events';
import type { DomainEvent } from '#shared/events';
import type { Payment } from './payment-store';

/** The event a finished payment stands for (`PaymentCompleted` or `PaymentFailed`); none while PENDING. */
export function paymentEvent(payment: Payment): DomainEvent<'PaymentCompleted' | 'PaymentFailed'> | undefined {
  const { orderId, customerId, paymentId, amount, currency } = payment;
  if (payment.status === 'COMPLETED') {
    const data: PaymentCompleted = { orderId, customerId, paymentId, amount, currency };
    return { detailType: 'PaymentCompleted', data };
  }
  if (payment.status === 'FAILED') {
    const data: PaymentFailed = {
      orderId,
      customerId,
      paymentId,
      amount,
      currency,
      code: payment.code ?? 'CARD_DECLINED',
      reason: payment.reason ?? 'unknown',
    };
    return { detailType: 'PaymentFailed', data };
  }
  return undefined;
}
