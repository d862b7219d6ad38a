/**
 * Every memory strategy behind one call: `threshold` (threshold.ts) or a
 * power-tuning strategy (power-tuning.ts).
 */
import { powerTuning } from './power-tuning';
import type { FunctionProfile, Recommendation, StrategyName, StrategyOptions } from './recommendation';
import { thresholdRule } from './threshold';

/**
 * Recommends a memory size for one function with the named strategy. Never
 * throws for missing data: a function without enough data is kept, and the
 * reason says what is missing.
 */
export function recommend(profile: FunctionProfile, strategy: StrategyName, options: StrategyOptions = {}): Recommendation {
  if (strategy === 'threshold') return thresholdRule(profile, options);
  return powerTuning(profile, strategy, options);
}

/** Recommendations for every function, in the order given. */
export function recommendAll(
  profiles: readonly FunctionProfile[],
  strategy: StrategyName,
  options: StrategyOptions = {},
): Recommendation[] {
  return profiles.map((profile) => recommend(profile, strategy, options));
}
