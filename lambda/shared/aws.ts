import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EnvName } from '#contracts/environment';
import { SDK_TIME_BUDGET } from '#contracts/time-budgets';

/**
 * Settings every SDK client shares. The SDK reads AWS_ENDPOINT_URL itself, so the
 * same bundle talks to AWS, LocalStack or the local cloud; nothing here is
 * local-only. HTTP/1.1 keep-alive sockets are reused across warm invocations.
 * Timeouts and attempts are the platform's time budget (#contracts/time-budgets):
 * one call's worst case is shorter than an API function's timeout.
 */
const MAX_SOCKETS = 256;

export const clientConfig = {
  maxAttempts: SDK_TIME_BUDGET.maxAttempts,
  requestHandler: new NodeHttpHandler({
    connectionTimeout: SDK_TIME_BUDGET.connectionTimeoutMs,
    requestTimeout: SDK_TIME_BUDGET.requestTimeoutMs,
    // requestTimeout stays the SDK's soft one (a warning): made an error, the local cloud, which runs
    // transactions one at a time, fails bursts that AWS serves in milliseconds. The hard bounds are
    // the connection timeout, the attempts and the function's timeout.
    // The connection timeout counts the wait for a pooled socket too: a handler's concurrent
    // calls (chunks in flight) must never queue behind the agent's default of 50 sockets.
    httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
    httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
  }),
} as const;

/** True when requests go to an emulator (LocalStack or the local cloud). */
export const usesCustomEndpoint = Boolean(process.env.AWS_ENDPOINT_URL);

/** A required environment variable (named in #contracts/environment); its absence is a deployment bug, reported by name. */
export function env(name: EnvName): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}
