import type { FunctionProfile } from '#cost-domain/recommendation';

/** Reports what a source is doing while it measures (the CLI prints it on stderr). */
export type Progress = (message: string) => void;

/**
 * Where function usage comes from: CloudWatch for a deployed stack, or the
 * local cloud's invocation records. Strategies only ever see the profiles.
 */
export interface UsageSource {
  /** A short description for reports, e.g. `cloudwatch:ServerlessCommerce-dev` or `local:<file>`. */
  readonly name: string;
  /** Length of the observation window in hours (the basis of monthly estimates). */
  readonly windowHours: number;
  /** One profile per function found, sorted by function name. */
  collect(progress?: Progress): Promise<FunctionProfile[]>;
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
