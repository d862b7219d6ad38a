import pLimit from 'p-limit';

/**
 * The platform's one concurrency limiter (on `p-limit`): `mapLimit` runs a task
 * per item with at most `concurrency` in flight, `mapChunks` a task per chunk.
 *
 * Guarantees: never more than `concurrency` tasks at once, and the next starts
 * as soon as one finishes (one slow task does not hold back the others);
 * results in the items' order, not completion order; once a task has failed no
 * new task starts, and the call rejects with that failure after the tasks
 * already started have settled (nothing is left running behind the caller's
 * back). Callers that want per-item outcomes catch inside the task.
 */

/** Splits `items` into consecutive chunks of `size` (the last may be shorter), keeping their order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer (got ${size})`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Runs `task` over `items` with at most `concurrency` in flight; the results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  }
  const limit = pLimit(concurrency);
  let failed = false;
  const settled = await Promise.allSettled(
    items.map((item, index) =>
      limit(async () => {
        if (failed) return undefined as R; // not started: a task before it failed
        try {
          return await task(item, index);
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<R>).value);
}

export interface ChunkOptions {
  /** Items per chunk (e.g. 10: what one PutEvents call holds). */
  readonly size: number;
  /** Chunks processed at the same time, at most. */
  readonly concurrency: number;
}

/** `mapLimit` over the chunks of `items`: each chunk of `size` is one task; the results in the chunks' order. */
export async function mapChunks<T, R>(
  items: readonly T[],
  { size, concurrency }: ChunkOptions,
  process: (chunk: T[], index: number) => Promise<R>,
): Promise<R[]> {
  return mapLimit(chunk(items, size), concurrency, process);
}
