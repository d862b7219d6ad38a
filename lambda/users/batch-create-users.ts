import { ENV } from '#contracts/environment';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { clientConfig, env } from '#shared/aws';
import { authorize, callerScope } from '#shared/caller';
import { mapChunks } from '#shared/chunks';
import { dynamo } from '#shared/dynamo';
import { AppError } from '#shared/errors';
import { type HttpResponse, httpHandler, parseBody } from '#shared/http';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { type BatchResult, registerBatch, USER_BATCH_SIZE, userBatchRequestSchema } from './batch-users';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env(ENV.USERS_TABLE));

/** One hour of cached results, keyed by the caller and the batch's content (its ten user objects as sent). */
const idempotency = new IdempotencyConfig({
  expiresAfterSeconds: 3600,
  hashFunction: 'sha256',
  // Marks a result that came from the cache; a fresh result says `cached: false`.
  responseHook: (response) =>
    typeof response === 'object' && response !== null && !Array.isArray(response) ? { ...response, cached: true } : response,
});

/**
 * A batch's registration, made idempotent by Powertools on the idempotency
 * table: the same batch within an hour returns the stored result and writes
 * nothing; a batch that throws is not stored, so sending it again retries it.
 * The key prefix is fixed (not the function name) so a redeploy keeps the cache.
 */
const registerOnce = makeIdempotent(
  // `by` is part of what is hashed: one admin's cached result is never another's.
  async ({ users: batch }: { by: string; users: unknown[] }, correlationId: string): Promise<BatchResult & { cached: boolean }> => ({
    ...(await registerBatch(batch, { users, correlationId, newId: randomUUID, now: () => new Date() })),
    cached: false,
  }),
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: env(ENV.IDEMPOTENCY_TABLE),
      keyAttr: 'pk',
      awsSdkV3Client: new DynamoDBClient(clientConfig),
    }),
    config: idempotency,
    keyPrefix: 'users-batch',
    dataIndexArgument: 0,
  },
);

export type BatchSummary =
  | { readonly batch: number; readonly status: 'processed'; readonly cached: boolean }
  | { readonly batch: number; readonly status: 'failed'; readonly from: number; readonly to: number };

const route = httpHandler(async (request): Promise<HttpResponse> => {
  const caller = authorize(request.event); // ROUTE_ACCESS=admin: the admins group
  const by = callerScope(caller!);
  const { users: items } = parseBody(request, userBatchRequestSchema, 256 * 1024);
  const outcomes = await mapChunks(items, { size: USER_BATCH_SIZE, concurrency: 5 }, async (batch, number) => {
    const offset = number * USER_BATCH_SIZE;
    try {
      const { results, cached } = await registerOnce({ by, users: batch }, request.correlationId);
      const summary: BatchSummary = { batch: number, status: 'processed', cached };
      return { summary, results: results.map((r) => ({ ...r, index: r.index + offset })) };
    } catch (error) {
      logger.error('User batch failed; it was not cached', { batch: number, error: (error as Error).name });
      const summary: BatchSummary = { batch: number, status: 'failed', from: offset, to: offset + batch.length - 1 };
      return { summary, results: [] };
    }
  });
  const batches = outcomes.map((o) => o.summary);
  const results = outcomes.flatMap((o) => o.results);
  const failedUsers = batches.reduce((sum, b) => sum + (b.status === 'failed' ? b.to - b.from + 1 : 0), 0);
  if (failedUsers === items.length) {
    throw new AppError(503, 'ServiceUnavailable', 'No batch could be processed now; send the request again');
  }
  const createdNow = outcomes
    .filter((o) => o.summary.status === 'processed' && !o.summary.cached)
    .flatMap((o) => o.results)
    .filter((r) => r.status === 'created').length;
  metrics.addMetric('UserRegistered', MetricUnit.Count, createdNow);
  return {
    // 207: some batches failed; sending the same request again is safe (processed batches come from the cache).
    status: failedUsers > 0 ? 207 : 200,
    body: {
      created: results.filter((r) => r.status === 'created').length,
      rejected: results.filter((r) => r.status !== 'created').length,
      failed: failedUsers,
      batches,
      results,
    },
  };
});

/**
 * POST /users/batch — up to 100 users, registered in batches of ten (five at a
 * time), each batch's result cached for an hour by its content. 200 with every
 * user's outcome (`created`, `invalid`, `conflict`) and each batch's status and
 * whether it came from the cache; 207 when some batches failed (send the same
 * request again: a user such a batch did store is then reported as `conflict`);
 * 503 when all did. `UserCreated` goes out from the users table's stream.
 */
export const handler = (event: APIGatewayProxyEvent, context: Context) => {
  idempotency.registerLambdaContext(context);
  return route(event, context);
};
