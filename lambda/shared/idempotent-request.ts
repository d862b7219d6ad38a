import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import {
  claimKey,
  claimRecord,
  compareClaim,
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_TTL_SECONDS,
  idempotencyKeyProblem,
} from '#domain/idempotency';
import { conditionHeld } from './dynamo';
import { type Problem, ValidationError } from './errors';
import { type HttpRequest, parseBody } from './http';

/**
 * A request with an `Idempotency-Key`, the same on every route that takes one:
 * the header's problems and the body's listed in one 400 (a client fixes
 * everything at once), and the claim of a key for a whole body.
 */

/** The Idempotency-Key header (absent only when not `required`) and the body validated by `schema`. */
export function keyAndBody<S extends z.ZodMiniType>(
  request: HttpRequest,
  schema: S,
  options: { readonly required: boolean; readonly maxBytes?: number },
): { readonly key: string | undefined; readonly body: z.infer<S> } {
  const key = request.header(IDEMPOTENCY_HEADER);
  const keyProblem = idempotencyKeyProblem(key, { required: options.required });
  const problems: Problem[] = keyProblem ? [keyProblem] : [];
  let body: z.infer<S> | undefined;
  try {
    body = parseBody(request, schema, options.maxBytes);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { key, body: body as z.infer<S> };
}

/**
 * Claims a request's Idempotency-Key for its whole body, on its own (a single
 * conditional PutItem in a table keyed by `pk`): the claim of the batch routes,
 * whose items are then stored under `<key>#<index>`. Guarantees: the first
 * request with a key gets `claimed`; the same body again within the key's
 * lifetime (#domain/idempotency) gets `resent`; another body `key-reused` (the
 * route answers 422), whichever route used the key first.
 */
export async function claimRequestKey(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  request: { readonly key: string; readonly bodyHash: string; readonly at: Date },
): Promise<'claimed' | 'resent' | 'key-reused'> {
  const expiration = Math.floor(request.at.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS;
  // `expiration` too: the TTL attribute of a table Powertools shares (`expiresAt` is the claim's own).
  const put = claimRecord(tableName, request.key, { type: 'idempotency', bodyHash: request.bodyHash, expiration }, request.at);
  if (await conditionHeld(client.send(new PutCommand(put)))) return 'claimed';
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: claimKey(request.key), ConsistentRead: true }));
  return compareClaim(Item, request.bodyHash).kind;
}
