/**
 * Time budgets that nest, in one place for both sides (the SDK clients of
 * `lambda/shared/aws.ts` and the function timeouts of `lib/`): the longest one
 * SDK call can take — every attempt running into its timeouts, plus the SDK's
 * waits between attempts — is shorter than an API function's timeout, which is
 * shorter than API Gateway's integration limit. A slow dependency therefore ends
 * as the function's own error answer, never as API Gateway's 504 while the
 * function is still working. test/infra/time-budgets.test.ts checks the template.
 */

/** Every SDK client's settings (NodeHttpHandler and the standard retry strategy). */
export const SDK_TIME_BUDGET = {
  /** Milliseconds to open a connection. */
  connectionTimeoutMs: 2_000,
  /** Milliseconds a request may take (the SDK's `requestTimeout`; this SDK version warns, see lambda/shared/aws.ts). */
  requestTimeoutMs: 10_000,
  /** Attempts per call, the first included; the platform's own retries (PutEvents, PutRecords, transactions) come on top. */
  maxAttempts: 2,
  /** The standard strategy's longest wait before attempt n+1 is 100 ms × 2^(n-1) (full jitter, capped at 20 s). */
  retryBaseDelayMs: 100,
} as const;

/** The longest one SDK call can take: each attempt to both timeouts, and the longest waits between them. */
export function sdkCallWorstCaseMs(budget = SDK_TIME_BUDGET): number {
  let waits = 0;
  for (let attempt = 1; attempt < budget.maxAttempts; attempt++) waits += Math.min(budget.retryBaseDelayMs * 2 ** (attempt - 1), 20_000);
  return budget.maxAttempts * (budget.connectionTimeoutMs + budget.requestTimeoutMs) + waits;
}

/** API Gateway's integration timeout for a REST API (its default and, without a quota increase, its maximum). */
export const API_GATEWAY_TIMEOUT_MS = 29_000;

/** The timeout of a function behind an API route: longer than one SDK call's worst case, inside API Gateway's limit with a margin. */
export const API_FUNCTION_TIMEOUT_S = 26;

/** The timeout of a batch route's function (200 orders, 100 users, 500 events): the same budget, named for the routes that need it. */
export const API_BATCH_FUNCTION_TIMEOUT_S = API_FUNCTION_TIMEOUT_S;

/**
 * A payment claim (lambda/payments/payment-store.ts) is protected until its
 * holder's own deadline (the invocation's remaining time when it claimed) plus
 * this margin, for clock skew between two functions' hosts: after that the
 * holder cannot be running (Lambda ends an invocation at its timeout), so a
 * later delivery may take the claim over without racing a live charger.
 */
export const CLAIM_LEASE_MARGIN_MS = 5_000;
