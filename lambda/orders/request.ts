import type * as z from 'zod/mini';
import type { UserCaller } from '#domain/access';
import { scopedKey } from '#domain/idempotency';
import { ForbiddenError } from '#shared/access-errors';
import { authorizeUser, callerScope } from '#shared/caller';
import type { HttpRequest } from '#shared/http';
import { keyAndBody } from '#shared/idempotent-request';

/**
 * The caller, the Idempotency-Key header and the validated body of an order
 * request, with the problems of key and body listed in one 400 (a client fixes
 * everything at once). The key is required: it is what makes a retried order
 * safe, and what repairs an order whose `OrderPlaced` could not be published
 * (see OrderPlacement). The returned `key` is scoped to the caller
 * (`user:<sub>|<key>`): another caller's same key is another key.
 */
export function parseOrderRequest<S extends z.ZodMiniType>(
  request: HttpRequest,
  schema: S,
  maxBytes?: number,
): { readonly caller: UserCaller; readonly key: string; readonly body: z.infer<S> } {
  const caller = authorizeUser(request.event);
  const { key, body } = keyAndBody(request, schema, { required: true, maxBytes });
  return { caller, key: scopedKey(callerScope(caller), key!), body };
}

/** The order's customer: the caller. A body naming another customer is refused (403), not silently rewritten. */
export function customerOf(caller: UserCaller, input: { readonly customerId?: string }): string {
  if (input.customerId !== undefined && input.customerId !== caller.userId) {
    throw new ForbiddenError('customerId must be your own user id (or left out)');
  }
  return caller.userId;
}
