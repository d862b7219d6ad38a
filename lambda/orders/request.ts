import type * as z from 'zod/mini';
import { IDEMPOTENCY_HEADER, idempotencyKeyProblem } from '#domain/idempotency';
import { type Problem, ValidationError } from '#shared/errors';
import { type HttpRequest, parseBody } from '#shared/http';

/**
 * The Idempotency-Key header and the validated body of an order request, with
 * the problems of both listed in one 400 (a client fixes everything at once).
 * The key is required: it is what makes a retried order safe, and what repairs
 * an order whose `OrderPlaced` could not be published (see OrderPlacement).
 */
export function parseOrderRequest<S extends z.ZodMiniType>(
  request: HttpRequest,
  schema: S,
  maxBytes?: number,
): { readonly key: string; readonly body: z.infer<S> } {
  const key = request.header(IDEMPOTENCY_HEADER);
  const keyProblem = idempotencyKeyProblem(key, { required: true });
  const problems: Problem[] = keyProblem ? [keyProblem] : [];
  let body: z.infer<S> | undefined;
  try {
    body = parseBody(request, schema, maxBytes);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { key: key!, body: body as z.infer<S> };
}
