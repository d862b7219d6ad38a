import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EnvName } from '#contracts/environment';

/**
 * Settings every SDK client shares. The SDK reads AWS_ENDPOINT_URL itself, so the
 * same bundle talks to AWS, LocalStack or the local cloud; nothing here is
 * local-only. HTTP/1.1 keep-alive sockets are reused across warm invocations.
 */
export const clientConfig = {
  maxAttempts: 3,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000 }),
} as const;

/** True when requests go to an emulator (LocalStack or the local cloud). */
export const usesCustomEndpoint = Boolean(process.env.AWS_ENDPOINT_URL);

/** A required environment variable (named in #contracts/environment); its absence is a deployment bug, reported by name. */
export function env(name: EnvName): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}
