import { type ChargeRequest, DEFAULT_SANDBOX_LIMIT, sandboxOutcome } from '#domain/payments';

/** A provider's answer to a charge it approved. */
export interface ChargeReceipt {
  readonly providerRef: string;
}

/** The provider refused the charge: nothing was charged. */
export class PaymentDeclinedError extends Error {
  constructor(
    readonly code: 'CARD_DECLINED' | 'AMOUNT_OVER_LIMIT',
    readonly reason: string,
  ) {
    super(`Payment declined (${code}): ${reason}`);
    this.name = 'PaymentDeclinedError';
  }
}

/**
 * A payment provider. `charge` resolves with a receipt, throws
 * PaymentDeclinedError, or is cut off by `signal` (the caller's deadline). The
 * same `idempotencyKey` never charges twice (as with real providers' idempotency keys).
 */
export interface PaymentProvider {
  readonly name: string;
  charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeReceipt>;
}

/**
 * The sandbox: deterministic outcomes from #domain/payments (a test customer
 * declined, amounts over `limit` declined, a test customer that never answers).
 * It remembers approved keys per container, so a retried key returns the same receipt.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';
  private readonly approved = new Map<string, ChargeReceipt>();

  constructor(private readonly limit: number = DEFAULT_SANDBOX_LIMIT) {}

  async charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeReceipt> {
    const previous = this.approved.get(request.idempotencyKey);
    if (previous) return previous;
    const outcome = sandboxOutcome(request, this.limit);
    if (outcome.kind === 'no-answer') {
      return new Promise<never>((_, reject) => {
        const abort = () => reject(signal.reason ?? new Error('aborted'));
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
      });
    }
    if (outcome.kind === 'declined') throw new PaymentDeclinedError(outcome.code, outcome.reason);
    const receipt = { providerRef: `sandbox_${request.idempotencyKey}` };
    this.approved.set(request.idempotencyKey, receipt);
    return receipt;
  }
}

/** The stage's provider: the sandbox, with the limit the stack configures (PAYMENT_SANDBOX_LIMIT, cents). */
export function providerFromEnvironment(env = process.env): PaymentProvider {
  const limit = Number(env.PAYMENT_SANDBOX_LIMIT);
  return new SandboxProvider(Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_SANDBOX_LIMIT);
}
