import { DEFAULT_PAYMENT_METHOD, type PaymentFailed, type PaymentMethod } from '#contracts/events';

/**
 * Payments: the sandbox provider's deterministic rules (the saga's payment
 * events are in #contracts/events). The sandbox decides from the charge alone,
 * Stripe-style: every test (unit, integration, e2e) asks for an outcome by the
 * order's `paymentMethod` or its amount. (Customers are Cognito subs now, so
 * the customer id can no longer choose an outcome.)
 */

/** The method the sandbox always approves (also what an order without one pays with). */
export const SANDBOX_APPROVED_METHOD: PaymentMethod = DEFAULT_PAYMENT_METHOD;
/** The method the sandbox always declines (CARD_DECLINED). */
export const SANDBOX_DECLINED_METHOD: PaymentMethod = 'pm_card_declined';
/** The method for which the sandbox never answers: the caller's deadline decides (PROVIDER_TIMEOUT). */
export const SANDBOX_TIMEOUT_METHOD: PaymentMethod = 'pm_card_timeout';
/** Default largest amount (cents) the sandbox approves: 10 000.00. The stack may configure another. */
export const DEFAULT_SANDBOX_LIMIT = 1_000_000;

export interface ChargeRequest {
  /** The same key always means the same charge: a provider charges it at most once. */
  readonly idempotencyKey: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  /** The order's method; absent means SANDBOX_APPROVED_METHOD. */
  readonly paymentMethod?: PaymentMethod;
}

export type SandboxOutcome =
  | { readonly kind: 'approved' }
  | { readonly kind: 'declined'; readonly code: 'CARD_DECLINED' | 'AMOUNT_OVER_LIMIT'; readonly reason: string }
  | { readonly kind: 'no-answer' };

/** What the sandbox does with a charge: decline the declined method or an amount over `limit`, hang for the timeout method. */
export function sandboxOutcome(charge: Pick<ChargeRequest, 'paymentMethod' | 'amount'>, limit: number): SandboxOutcome {
  if (charge.paymentMethod === SANDBOX_TIMEOUT_METHOD) return { kind: 'no-answer' };
  if (charge.paymentMethod === SANDBOX_DECLINED_METHOD) {
    return { kind: 'declined', code: 'CARD_DECLINED', reason: 'the card was declined' };
  }
  if (charge.amount > limit) {
    return { kind: 'declined', code: 'AMOUNT_OVER_LIMIT', reason: `the amount ${charge.amount} is over the limit ${limit}` };
  }
  return { kind: 'approved' };
}

/** The reason recorded on the order for a failed payment. */
export function paymentFailureReason(failure: Pick<PaymentFailed, 'code' | 'reason'>): string {
  return `payment failed (${failure.code}): ${failure.reason}`;
}
