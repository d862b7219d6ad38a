import { ENV } from '#contracts/environment';
import { BATCH_CHUNK_SIZE, BATCH_CONCURRENCY, type NewOrder, newOrderSchema, orderBatchSchema } from '#domain/orders';
import type { UserCaller } from '#domain/access';
import { bodyHash, itemKey } from '#domain/idempotency';
import { ForbiddenError } from '#shared/access-errors';
import { env } from '#shared/aws';
import { batchAnswer, invalidItem, notProcessed, rejectAllInvalid, rejected } from '#shared/batch';
import { mapChunks } from '#shared/chunks';
import { dynamo } from '#shared/dynamo';
import { type Problem, UnprocessableError } from '#shared/errors';
import { httpHandler } from '#shared/http';
import { claimRequestKey } from '#shared/idempotent-request';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { problemsOf } from '#shared/validation';
import { MAX_ORDER_BATCH_BYTES, type OrderBatchItem, orderItemOf } from './order-batch';
import { OrderPlacement, type PlaceRequest } from './order-placement';
import { DynamoOrderStore } from './order-store';
import { DynamoPriceCatalog } from './price-catalog';
import { customerOf, parseOrderRequest } from './request';

const ordersTable = env(ENV.ORDERS_TABLE);
const placement = new OrderPlacement(new DynamoOrderStore(dynamo, ordersTable), new DynamoPriceCatalog(dynamo, env(ENV.INVENTORY_TABLE)));

/** One order of the batch: validated (`input`) or not (its `problems`). */
type Parsed = { readonly index: number } & ({ readonly input: NewOrder } | { readonly problems: readonly Problem[] });

function parseOrder(raw: unknown, index: number): Parsed {
  const parsed = newOrderSchema.safeParse(raw);
  return parsed.success ? { index, input: parsed.data } : { index, problems: problemsOf(parsed.error, raw) };
}

/**
 * POST /orders/batch (`Idempotency-Key` header) — up to 200 orders, in chunks of
 * ten with at most five chunks in flight. The key is claimed for the whole body
 * first, in the same place and with the same rule as `POST /orders`: another
 * body under a used key is a 422 (a subset of an earlier batch is another
 * body). Each order is then validated, priced and stored on its own under the
 * key and its index: resending the same batch answers the same orders as
 * `replayed` and makes none twice. 400 when no order is valid; one order's
 * rejection never rejects the others (#shared/batch).
 */
export const handler = httpHandler(async (request) => {
  const { caller, key, body } = parseOrderRequest(request, orderBatchSchema, MAX_ORDER_BATCH_BYTES);
  const parsed = body.orders.map(parseOrder);
  rejectAllInvalid(
    'orders',
    parsed.length,
    parsed.filter((p) => 'problems' in p),
  );
  const claim = await claimRequestKey(dynamo, ordersTable, { key, bodyHash: bodyHash(body), at: new Date() });
  if (claim === 'key-reused') throw new UnprocessableError('This Idempotency-Key was used with a different request body');
  const chunks = await mapChunks(parsed, { size: BATCH_CHUNK_SIZE, concurrency: BATCH_CONCURRENCY }, (items) =>
    processChunk(items, key, caller, request.correlationId),
  );
  const answer = batchAnswer(chunks.flat());
  metrics.addMetric('BatchOrderAccepted', MetricUnit.Count, answer.body.summary.created);
  metrics.addMetric('BatchOrderRejected', MetricUnit.Count, answer.body.summary.rejected);
  return answer;
});

async function processChunk(items: readonly Parsed[], key: string, caller: UserCaller, correlationId: string): Promise<OrderBatchItem[]> {
  const results: OrderBatchItem[] = [];
  const requests: (PlaceRequest & { index: number })[] = [];
  for (const item of items) {
    const { index } = item;
    if ('problems' in item) {
      results.push(invalidItem(index, item.problems));
      continue;
    }
    try {
      requests.push({ index, input: item.input, customerId: customerOf(caller, item.input), idempotencyKey: itemKey(key, index) });
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      results.push(rejected(index, 'Forbidden', error.message));
    }
  }
  try {
    const placed = requests.length > 0 ? await placement.place(requests, correlationId) : [];
    results.push(...placed.map((result, i) => orderItemOf(requests[i]!.index, result)));
  } catch (error) {
    // One chunk's failure (a throttled table, say) never fails the other chunks.
    logger.error('A batch chunk could not be processed', error as Error);
    results.push(...requests.map((r) => notProcessed(r.index)));
  }
  return results;
}
