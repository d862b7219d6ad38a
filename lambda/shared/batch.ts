import { AppError, type Problem, ValidationError } from './errors';
import type { HttpResponse } from './http';

/**
 * The one answer of the batch routes (`POST /users/batch`, `POST /orders/batch`):
 * `{ summary, results }`, a result per item in request order, each
 * `{ index, status, ... }` with status
 *
 * - `created`: this request created it;
 * - `replayed`: an earlier request (the same Idempotency-Key and body, or for
 *   users the same batch of ten within the cache's lifetime) created it: the
 *   same payload, but nothing was created now;
 * - `rejected`: `{ error, message, problems? }`, `error` being the code the
 *   single route would answer (`ValidationError`, `Conflict`, `Forbidden`,
 *   `ServiceUnavailable` for an item not processed now: send the request again).
 *
 * `summary` counts the items per status (`total` = all of them), so
 * `summary.created` never counts what a replay did not create. The status code:
 * 400 when no item passes validation (every item's problems listed with its
 * index, `users.3.email`), as `POST /activity`; 503 when no item could be
 * processed; 207 when some could not; 200 otherwise.
 */

export type ItemStatus = 'created' | 'replayed' | 'rejected';

export interface RejectedItem {
  readonly index: number;
  readonly status: 'rejected';
  readonly error: string;
  readonly message: string;
  readonly problems?: readonly Problem[];
}

/** One item's result: what the route made (`T`, e.g. `{ orderId, total }`) or why it did not. */
export type BatchItemResult<T extends object> = ({ readonly index: number; readonly status: 'created' | 'replayed' } & T) | RejectedItem;

export interface BatchSummary {
  readonly total: number;
  readonly created: number;
  readonly replayed: number;
  readonly rejected: number;
}

export interface BatchResponse<T extends object> {
  readonly summary: BatchSummary;
  readonly results: readonly BatchItemResult<T>[];
}

/** The `error` of an item that was not processed now (a throttled table, say): send the same request again. */
export const NOT_PROCESSED = 'ServiceUnavailable';

export function rejected(index: number, error: string, message: string, problems?: readonly Problem[]): RejectedItem {
  return { index, status: 'rejected', error, message, ...(problems && problems.length > 0 ? { problems } : {}) };
}

export const invalidItem = (index: number, problems: readonly Problem[]): RejectedItem =>
  rejected(index, 'ValidationError', 'The item is not valid', problems);

export const notProcessed = (index: number): RejectedItem =>
  rejected(index, NOT_PROCESSED, 'Not processed now; send the same request again');

/**
 * Throws the 400 of an all-invalid batch: when every one of `total` items is in
 * `invalid`, every problem of every item, its path prefixed by `<field>.<index>`.
 */
export function rejectAllInvalid(field: string, total: number, invalid: readonly { index: number; problems: readonly Problem[] }[]): void {
  if (total === 0 || invalid.length < total) return;
  throw new ValidationError(
    invalid.flatMap(({ index, problems }) =>
      problems.map((p) => ({ path: p.path === '(body)' ? `${field}.${index}` : `${field}.${index}.${p.path}`, message: p.message })),
    ),
  );
}

/** Counts per status. */
export function summarise(results: readonly { readonly status: ItemStatus }[]): BatchSummary {
  const count = (status: ItemStatus) => results.filter((r) => r.status === status).length;
  return { total: results.length, created: count('created'), replayed: count('replayed'), rejected: count('rejected') };
}

/** The answer of a batch: results in index order and their summary; 207 / 503 when some / all items were not processed. */
export function batchAnswer<T extends object>(results: readonly BatchItemResult<T>[]): HttpResponse & { body: BatchResponse<T> } {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  const unprocessed = sorted.filter((r) => r.status === 'rejected' && r.error === NOT_PROCESSED).length;
  if (sorted.length > 0 && unprocessed === sorted.length) {
    throw new AppError(503, NOT_PROCESSED, 'No item could be processed now; send the same request again');
  }
  return { status: unprocessed > 0 ? 207 : 200, body: { summary: summarise(sorted), results: sorted } };
}
