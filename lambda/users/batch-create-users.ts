import { ENV } from '#contracts/environment';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { bodyHash, IDEMPOTENCY_TTL_SECONDS, scopedKey } from '#domain/idempotency';
import { clientConfig, env } from '#shared/aws';
import { batchAnswer, notProcessed, rejectAllInvalid } from '#shared/batch';
import { authorize, callerScope } from '#shared/caller';
import { mapChunks } from '#shared/chunks';
import { dynamo } from '#shared/dynamo';
import { UnprocessableError } from '#shared/errors';
import { type HttpResponse, httpHandler } from '#shared/http';
import { claimRequestKey, keyAndBody } from '#shared/idempotent-request';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import {
  answerOf,
  type BatchResult,
  invalidUsers,
  MAX_USER_BATCH_BYTES,
  registerBatch,
  USER_BATCH_CONCURRENCY,
  USER_BATCH_SIZE,
  type UserBatchItem,
  userBatchRequestSchema,
} from './batch-users';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env(ENV.USERS_TABLE));
const idempotencyTable = env(ENV.IDEMPOTENCY_TABLE);

/** Cached results, keyed by the caller and the batch's content (its ten user objects as sent), for an Idempotency-Key's lifetime. */
const idempotency = new IdempotencyConfig({
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  hashFunction: 'sha256',
  // Marks a result that came from the cache; a fresh result says `cached: false`.
  responseHook: (response) =>
    typeof response === 'object' && response !== null && !Array.isArray(response) ? { ...response, cached: true } : response,
});

/**
 * A batch's registration, made idempotent by Powertools on the idempotency
 * table: the same batch within the key lifetime returns the stored result and
 * writes nothing; a batch that throws is not stored, so sending it again
 * retries it. The key prefix is fixed (not the function name) so a redeploy
 * keeps the cache.
 */
const registerOnce = makeIdempotent(
  // `by` is part of what is hashed: one admin's cached result is never another's.
  async ({ users: batch }: { by: string; users: unknown[] }, correlationId: string): Promise<BatchResult & { cached: boolean }> => ({
    ...(await registerBatch(batch, { users, correlationId, newId: randomUUID, now: () => new Date() })),
    cached: false,
  }),
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: idempotencyTable,
      keyAttr: 'pk',
      awsSdkV3Client: new DynamoDBClient(clientConfig),
    }),
    config: idempotency,
    keyPrefix: 'users-batch',
    dataIndexArgument: 0,
  },
);

const route = httpHandler(async (request): Promise<HttpResponse> => {
  const caller = authorize(request.event); // ROUTE_ACCESS=admin: the admins group
  const by = callerScope(caller!);
  const { key, body } = keyAndBody(request, userBatchRequestSchema, { required: false, maxBytes: MAX_USER_BATCH_BYTES });
  rejectAllInvalid('users', body.users.length, invalidUsers(body.users));
  if (key !== undefined) {
    const claim = await claimRequestKey(dynamo, idempotencyTable, { key: scopedKey(by, key), bodyHash: bodyHash(body), at: new Date() });
    if (claim === 'key-reused') throw new UnprocessableError('This Idempotency-Key was used with a different request body');
  }
  const chunks = await mapChunks(body.users, { size: USER_BATCH_SIZE, concurrency: USER_BATCH_CONCURRENCY }, async (batch, number) => {
    const offset = number * USER_BATCH_SIZE;
    try {
      const { results, cached } = await registerOnce({ by, users: batch }, request.correlationId);
      return results.map((outcome) => answerOf(outcome, offset, cached));
    } catch (error) {
      logger.error('User batch failed; it was not cached', { batch: number, error: (error as Error).name });
      return batch.map((_, i): UserBatchItem => notProcessed(offset + i));
    }
  });
  const answer = batchAnswer(chunks.flat());
  metrics.addMetric('UserRegistered', MetricUnit.Count, answer.body.summary.created);
  return answer;
});

/**
 * POST /users/batch (optional `Idempotency-Key`) — up to 100 users, registered
 * in batches of ten (five at a time), each batch's result cached by its content
 * for an Idempotency-Key's lifetime. Answers as every batch route
 * (#shared/batch): 400 when no user is valid; else each user `created`,
 * `replayed` (a cached batch: created by an earlier request) or `rejected`
 * (`ValidationError`, `Conflict` for a taken email, `ServiceUnavailable` for a
 * batch that failed: send the same request again, a user such a batch did
 * store is then a `Conflict`); 207 when some batches failed, 503 when all did.
 * A key sent before with another body is a 422. `UserCreated` goes out from
 * the users table's stream.
 */
export const handler = (event: APIGatewayProxyEvent, context: Context) => {
  idempotency.registerLambdaContext(context);
  return route(event, context);
};
