import type { BatchItemResult, BatchResponse } from '#shared/batch';
import { invalidItem, rejected } from '#shared/batch';
import type { PlaceResult } from './order-placement';

/**
 * `POST /orders/batch`'s items as every batch route answers them
 * (#shared/batch): an order this request stored is `created`, one an earlier
 * request with the same Idempotency-Key and body stored is `replayed` (same
 * order id), and an order not stored is `rejected` with the code `POST /orders`
 * would answer. Pure.
 */

/** 200 orders of 50 lines fit comfortably; API Gateway and Lambda allow far more. */
export const MAX_ORDER_BATCH_BYTES = 1024 * 1024;

export type OrderBatchItem = BatchItemResult<{ readonly orderId: string; readonly total: number }>;
/** What `POST /orders/batch` answers. */
export type OrderBatchResponse = BatchResponse<{ readonly orderId: string; readonly total: number }>;

export function orderItemOf(index: number, result: PlaceResult): OrderBatchItem {
  switch (result.kind) {
    case 'created':
    case 'replayed':
      return { index, status: result.kind, orderId: result.order.orderId, total: result.order.total };
    case 'invalid':
      return invalidItem(index, result.problems);
    case 'key-reused':
      // The batch's key is claimed for its whole body first (another body is a 422), so only a claim
      // left from before that rule can get here: not this request's order.
      return rejected(index, 'Unprocessable', 'This Idempotency-Key was used with a different order at this index');
  }
}
