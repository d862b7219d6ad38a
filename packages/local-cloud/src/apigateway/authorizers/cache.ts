/**
 * API Gateway's authorizer result cache: per authorizer, keyed by the identity source
 * values, for `AuthorizerResultTtlInSeconds`. It keeps the function's answer, not a
 * decision: the cached policy is evaluated again against each request's method ARN.
 */
import type { AuthorizerResponse } from './policy';

const MAX_ENTRIES = 10_000;

export class ResultCache {
  private readonly entries = new Map<string, { response: AuthorizerResponse; expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  static key(authorizerId: string, identityValues: readonly string[]): string {
    return JSON.stringify([authorizerId, ...identityValues]);
  }

  get(key: string): AuthorizerResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.response;
  }

  set(key: string, response: AuthorizerResponse, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { response, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  /** Forgets every cached answer (e.g. when the stack is redeployed locally). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
