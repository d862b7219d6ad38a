import { ENV } from '#contracts/environment';
import { BATCH_CHUNK_SIZE, BATCH_CONCURRENCY, newOrderSchema, orderBatchSchema } from '#domain/orders';
import type { UserCaller } from '#domain/access';
import { itemKey } from '#domain/idempotency';
import { ForbiddenError } from '#shared/access-errors';
import { env } from '#shared/aws';
import { mapChunks } from '#shared/chunks';
import { dynamo } from '#shared/dynamo';
import { type Problem, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { validate } from '#shared/validation';
import { OrderPlacement, type PlaceRequest, type PlaceResult } from './order-placement';
import { DynamoOrderStore } from './order-store';
import { DynamoPriceCatalog } from './price-catalog';
import { customerOf, parseOrderRequest } from './request';

const placement = new OrderPlacement(
  new DynamoOrderStore(dynamo, env(ENV.ORDERS_TABLE)),
  new DynamoPriceCatalog(dynamo, env(ENV.INVENTORY_TABLE)),
);

/** 200 orders of 50 lines fit comfortably; API Gateway and Lambda allow far more. */
const MAX_BATCH_BYTES = 1024 * 1024;

export type BatchResult =
  | { readonly index: number; readonly status: 'accepted'; readonly orderId: string; readonly total: number; readonly replayed: boolean }
  | {
      readonly index: number;
      readonly status: 'rejected';
      readonly error: string;
      readonly message: string;
      readonly problems?: readonly Problem[];
    };

/**
 * POST /orders/batch (`Idempotency-Key` header) — up to 200 orders, in chunks of
 * ten with at most five chunks in flight. Each order
 * is validated, priced and stored on its own, under the batch's key and its
 * index: resending the same batch returns the same orders and makes none twice.
 * One order's rejection never rejects the others; the answer lists each.
 */
export const handler = httpHandler(async (request) => {
  const { caller, key, body } = parseOrderRequest(request, orderBatchSchema, MAX_BATCH_BYTES);
  const chunks = await mapChunks(
    body.orders.map((raw, index) => ({ raw, index })),
    { size: BATCH_CHUNK_SIZE, concurrency: BATCH_CONCURRENCY },
    (items) => processChunk(items, key, caller, request.correlationId),
  );
  const results = chunks.flat();
  const accepted = results.filter((result) => result.status === 'accepted').length;
  metrics.addMetric('BatchOrderAccepted', MetricUnit.Count, accepted);
  metrics.addMetric('BatchOrderRejected', MetricUnit.Count, results.length - accepted);
  return ok({
    summary: { processedBatches: chunks.length, totalOrders: results.length, accepted, rejected: results.length - accepted },
    results,
  });
});

async function processChunk(
  items: { raw: unknown; index: number }[],
  key: string,
  caller: UserCaller,
  correlationId: string,
): Promise<BatchResult[]> {
  const rejected: BatchResult[] = [];
  const requests: (PlaceRequest & { index: number })[] = [];
  for (const { raw, index } of items) {
    try {
      const input = validate(newOrderSchema, raw);
      requests.push({ index, input, customerId: customerOf(caller, input), idempotencyKey: itemKey(key, index) });
    } catch (error) {
      if (error instanceof ForbiddenError) {
        rejected.push(rejection(index, 'Forbidden', error.message));
        continue;
      }
      if (!(error instanceof ValidationError)) throw error;
      rejected.push(rejection(index, 'ValidationError', 'The order is not valid', error.problems));
    }
  }
  let outcomes: BatchResult[];
  try {
    const placed = requests.length > 0 ? await placement.place(requests, correlationId) : [];
    outcomes = placed.map((result, i) => toBatchResult(requests[i]!.index, result));
  } catch (error) {
    // One chunk's failure (a throttled table, say) never fails the other chunks.
    logger.error('A batch chunk could not be processed', error as Error);
    outcomes = requests.map((r) => rejection(r.index, 'ServiceUnavailable', 'Not processed; send the same batch again'));
  }
  return [...rejected, ...outcomes].sort((a, b) => a.index - b.index);
}

function toBatchResult(index: number, result: PlaceResult): BatchResult {
  switch (result.kind) {
    case 'created':
    case 'replayed':
      return { index, status: 'accepted', orderId: result.order.orderId, total: result.order.total, replayed: result.kind === 'replayed' };
    case 'invalid':
      return rejection(index, 'ValidationError', 'The order is not valid', result.problems);
    case 'key-reused':
      return rejection(index, 'Unprocessable', 'This batch Idempotency-Key was used with a different order at this index');
  }
}

function rejection(index: number, error: string, message: string, problems?: readonly Problem[]): BatchResult {
  return { index, status: 'rejected', error, message, ...(problems ? { problems } : {}) };
}
