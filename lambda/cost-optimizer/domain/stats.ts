/**
 * Small, pure statistics for duration samples. Empty input gives `undefined`,
 * never NaN, so callers must decide what "no data" means.
 */

/** Fraction of samples dropped from each end by {@link trimmedMean}. */
export const DEFAULT_TRIM = 0.2;

/** Arithmetic mean; undefined for no samples. */
export function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Mean after dropping the lowest and the highest `trim` fraction of samples
 * (`floor(n * trim)` from each end). With fewer than 1 / trim samples nothing
 * is dropped; it is then the plain mean. Undefined for no samples.
 */
export function trimmedMean(values: readonly number[], trim = DEFAULT_TRIM): number | undefined {
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5) (got ${trim})`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const drop = Math.floor(sorted.length * trim);
  return mean(sorted.slice(drop, sorted.length - drop));
}

/**
 * Percentile by the nearest-rank method (p in [0, 100]): the smallest sample
 * with at least p% of samples at or below it. Undefined for no samples.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100] (got ${p})`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** True when a and b are equal within a relative tolerance (and float noise). */
export function nearlyEqual(a: number, b: number, relativeTolerance = 0): boolean {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <= Math.max(relativeTolerance * scale, 1e-9 * scale, Number.EPSILON);
}
