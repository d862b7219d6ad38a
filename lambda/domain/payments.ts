import type { PaymentFailed } from '#contracts/events';

/**
 * Payments: the sandbox provider's deterministic rules (the saga's payment
 * events are in #contracts/events). The sandbox decides from the charge alone, so every test (unit,
 * integration, e2e) can ask for an outcome by choosing the customer or amount.
 */

/** A customer id the sandbox always declines (`...0402`, as in HTTP 402 Payment Required). */
export const SANDBOX_DECLINED_CUSTOMER = '00000000-0000-4000-8000-000000000402';
/** A customer id for which the sandbox never answers (`...0408`, as in HTTP 408): the caller's deadline decides. */
export const SANDBOX_TIMEOUT_CUSTOMER = '00000000-0000-4000-8000-000000000408';
/** Default largest amount (cents) the sandbox approves: 10 000.00. The stack may configure another. */
export const DEFAULT_SANDBOX_LIMIT = 1_000_000;

export interface ChargeRequest {
  /** The same key always means the same charge: a provider charges it at most once. */
  readonly idempotencyKey: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
}

export type SandboxOutcome =
  | { readonly kind: 'approved' }
  | { readonly kind: 'declined'; readonly code: 'CARD_DECLINED' | 'AMOUNT_OVER_LIMIT'; readonly reason: string }
  | { readonly kind: 'no-answer' };

/** What the sandbox does with a charge: decline the test customer or an amount over `limit`, hang for the timeout customer. */
export function sandboxOutcome(charge: Pick<ChargeRequest, 'customerId' | 'amount'>, limit: number): SandboxOutcome {
  if (charge.customerId === SANDBOX_TIMEOUT_CUSTOMER) return { kind: 'no-answer' };
  if (charge.customerId === SANDBOX_DECLINED_CUSTOMER) {
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
