/**
 * The power-tuning strategies (cost, speed, balanced), pure: pick the best of
 * the memory sizes a function was measured at; plus the checks of a tuning
 * run's memory sizes.
 */
import { type Architecture, costPerMillion, isValidMemory, MAX_MEMORY_MB, meanBilledMs, MIN_MEMORY_MB, US_EAST_1_PRICES } from './pricing';
import {
  billedNowMs,
  type Candidate,
  type FunctionProfile,
  type MemoryMeasurement,
  type Recommendation,
  recommendation,
  roundMs,
  type StrategyName,
  type StrategyOptions,
  withThrottles,
} from './recommendation';
import { DEFAULT_TRIM, nearlyEqual, trimmedMean } from './stats';

/**
 * Turns measurements into candidates: the trimmed mean of billed durations,
 * the speed (that plus init durations spread over all invocations, so cold
 * starts count even though trimming would drop them), and the cost per million
 * at that size, priced on the mean billed duration (`meanBilledMs`, the one
 * number every strategy prices). Sizes without samples give no candidate.
 */
export function candidatesOf(
  measurements: readonly MemoryMeasurement[],
  architecture: Architecture,
  options: Pick<StrategyOptions, 'prices' | 'trim'> = {},
): Candidate[] {
  const prices = options.prices ?? US_EAST_1_PRICES;
  const result: Candidate[] = [];
  for (const m of measurements) {
    const durationMs = trimmedMean(m.billedDurationsMs, options.trim ?? DEFAULT_TRIM);
    const billedMs = meanBilledMs(m.billedDurationsMs);
    if (durationMs === undefined || billedMs === undefined || !isValidMemory(m.memoryMb)) continue;
    const initTotal = m.initDurationsMs.reduce((sum, v) => sum + v, 0);
    result.push({
      memoryMb: m.memoryMb,
      invocations: m.billedDurationsMs.length,
      errors: m.errors,
      durationMs,
      speedMs: durationMs + initTotal / m.billedDurationsMs.length,
      costPerMillion: costPerMillion({ memoryMb: m.memoryMb, billedDurationMs: billedMs, architecture }, prices),
    });
  }
  return result.sort((a, b) => a.memoryMb - b.memoryMb);
}

/**
 * Picks the best measured size: `cost` the cheapest (a tie goes to the faster),
 * `speed` the fastest (a tie goes to the cheaper), `balanced` the lowest
 * `weight * cost / cheapest + (1 - weight) * speed / fastest` (a tie goes to the
 * cheaper). Sizes where any invocation failed are excluded. A remaining tie goes
 * to the smaller memory size. Undefined when no candidate is left.
 */
export function pickCandidate(
  candidates: readonly Candidate[],
  strategy: Exclude<StrategyName, 'threshold'>,
  options: Pick<StrategyOptions, 'balancedWeight' | 'tieTolerance'> = {},
): Candidate | undefined {
  const usable = candidates.filter((c) => c.errors === 0);
  if (usable.length === 0) return undefined;
  const tol = options.tieTolerance ?? 0;
  const weight = options.balancedWeight ?? 0.5;
  if (!(weight >= 0 && weight <= 1)) throw new RangeError(`Balanced weight must be in [0, 1] (got ${weight})`);
  const cheapest = Math.min(...usable.map((c) => c.costPerMillion));
  const fastest = Math.min(...usable.map((c) => c.speedMs));
  const score = (c: Candidate) => weight * ratio(c.costPerMillion, cheapest) + (1 - weight) * ratio(c.speedMs, fastest);
  const keys: ((c: Candidate) => number)[] =
    strategy === 'cost'
      ? [(c) => c.costPerMillion, (c) => c.speedMs]
      : strategy === 'speed'
        ? [(c) => c.speedMs, (c) => c.costPerMillion]
        : [score, (c) => c.costPerMillion, (c) => c.speedMs];
  const compare = (a: Candidate, b: Candidate): number => {
    for (const key of keys) {
      const ka = key(a);
      const kb = key(b);
      if (!nearlyEqual(ka, kb, tol)) return ka - kb;
    }
    return a.memoryMb - b.memoryMb;
  };
  return [...usable].sort(compare)[0];
}

function ratio(value: number, best: number): number {
  return best > 0 ? value / best : value === 0 ? 1 : Number.POSITIVE_INFINITY;
}

const GOAL: Record<Exclude<StrategyName, 'threshold'>, string> = {
  cost: 'cheapest per invocation',
  speed: 'fastest (cold starts included)',
  balanced: 'best balance of cost and speed',
};

/**
 * A power-tuning strategy over the profile's measurements (needs at least two
 * sizes with successful samples). The current cost comes from the measurement
 * at the current size when there is one, else from the observed average.
 */
export function powerTuning(
  profile: FunctionProfile,
  strategy: Exclude<StrategyName, 'threshold'>,
  options: StrategyOptions = {},
): Recommendation {
  const prices = options.prices ?? US_EAST_1_PRICES;
  const candidates = candidatesOf(profile.measurements, profile.architecture, options);
  const usable = candidates.filter((c) => c.errors === 0);
  const failed = candidates.filter((c) => c.errors > 0);
  const excluded = failed.length ? ` Excluded for failures: ${failed.map((c) => `${c.memoryMb} MB (${c.errors} errors)`).join(', ')}.` : '';
  const atCurrent = candidates.find((c) => c.memoryMb === profile.memoryMb);
  const currentDurationMs = atCurrent?.durationMs ?? profile.duration.averageMs;
  const billedNow = billedNowMs(profile);
  const costPerMillionNow =
    billedNow === undefined
      ? undefined
      : costPerMillion({ memoryMb: profile.memoryMb, billedDurationMs: billedNow, architecture: profile.architecture }, prices);

  const chosen = usable.length >= 2 ? pickCandidate(usable, strategy, options) : undefined;
  if (!chosen) {
    const reason =
      usable.length === 0 && candidates.length === 0
        ? `No durations measured at any memory size: ${strategy} needs measurements at two or more sizes (run power tuning).`
        : `Durations measured at ${usable.length} memory size(s) without failures: ${strategy} needs two or more (run power tuning).`;
    return recommendation(profile, strategy, profile.memoryMb, withThrottles(profile, reason + excluded), {
      currentDurationMs,
      expectedDurationMs: currentDurationMs,
      estimated: false,
      costPerMillionNow,
      costPerMillionAfter: costPerMillionNow,
      candidates,
    });
  }
  const sizes = usable.map((c) => c.memoryMb).join(', ');
  const verdict =
    chosen.memoryMb === profile.memoryMb
      ? `${profile.memoryMb} MB is already the ${GOAL[strategy]} of ${sizes} MB`
      : `${chosen.memoryMb} MB is the ${GOAL[strategy]} of ${sizes} MB`;
  const detail =
    `: ${roundMs(chosen.durationMs)} ms, $${chosen.costPerMillion.toFixed(4)} per 1M` +
    (strategy === 'balanced' ? ` (cost weight ${options.balancedWeight ?? 0.5})` : '');
  return recommendation(profile, strategy, chosen.memoryMb, withThrottles(profile, `${verdict}${detail}.${excluded}`), {
    currentDurationMs,
    expectedDurationMs: chosen.durationMs,
    estimated: false,
    costPerMillionNow,
    costPerMillionAfter: chosen.costPerMillion,
    candidates,
  });
}

/** Memory sizes a power-tuning run measures by default. */
export const DEFAULT_TUNING_SIZES: readonly number[] = [128, 256, 512, 1024, 1536, 2048, 3008];

/** Checks a list of memory sizes for power tuning: each valid, no duplicates, ascending. */
export function normaliseMemorySizes(sizes: readonly number[]): number[] {
  for (const size of sizes) {
    if (!isValidMemory(size)) {
      throw new RangeError(`Memory sizes must be whole MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} (got ${size})`);
    }
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}
