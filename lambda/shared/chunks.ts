/** Splits `items` into consecutive chunks of `size` (the last may be shorter), keeping their order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer (got ${size})`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export interface ChunkOptions {
  /** Items per chunk (e.g. 10: what one PutEvents call holds). */
  readonly size: number;
  /** Chunks processed at the same time, at most. */
  readonly concurrency: number;
}

/**
 * Processes `items` in chunks of `size` with at most `concurrency` chunks in
 * flight, and returns the results in the chunks' order (not completion order).
 * A worker takes the next chunk as soon as it finishes one, so one slow chunk
 * does not hold back the others. A rejected chunk stops new chunks from starting
 * and rejects the whole call once the chunks already started have settled; callers that want per-chunk outcomes
 * catch inside `process`.
 */
export async function mapChunks<T, R>(
  items: readonly T[],
  { size, concurrency }: ChunkOptions,
  process: (chunk: T[], index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  }
  const chunks = chunk(items, size);
  const results = new Array<R>(chunks.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < chunks.length) {
      const index = next++;
      try {
        results[index] = await process(chunks[index]!, index);
      } catch (error) {
        failed = true; // no new chunk starts once one has failed
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}
