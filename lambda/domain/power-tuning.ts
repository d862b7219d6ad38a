/**
 * Memory recommendations for Lambda functions, pure: the seed's threshold rule
 * and power-tuning strategies (cost, speed, balanced) over durations measured
 * at several memory sizes. Inputs come from any data source (CloudWatch, the
 * local cloud's invocation records, a power-tuning run); nothing here does I/O.
 */
import { DEFAULT_TRIM, nearlyEqual, trimmedMean } from './cost-stats';
import {
  type Architecture,
  billedDurationMs,
  costPerMillion,
  isValidMemory,
  MAX_MEMORY_MB,
  MIN_MEMORY_MB,
  monthlyInvocations,
  type PriceTable,
  US_EAST_1_PRICES,
} from './pricing';

export type StrategyName = 'threshold' | 'cost' | 'speed' | 'balanced';
export const STRATEGIES: readonly StrategyName[] = ['threshold', 'cost', 'speed', 'balanced'];

/** Memory sizes the threshold rule steps between, and power tuning measures by default. */
export const DEFAULT_MEMORY_LADDER: readonly number[] = [128, 256, 512, 1024, 1536, 2048, 3008, 4096, 6144, 8192, 10240];

/** Lambda gives a function one full vCPU at 1,769 MB; a single-threaded handler gains nothing beyond. */
export const ONE_VCPU_MEMORY_MB = 1769;

/** Observed duration statistics at the function's current memory (ms). */
export interface DurationSummary {
  readonly averageMs?: number;
  readonly p50Ms?: number;
  readonly p90Ms?: number;
  readonly maxMs?: number;
}

/** Invocations measured at one memory size (power tuning, or local records). */
export interface MemoryMeasurement {
  readonly memoryMb: number;
  /** Billed duration of every measured invocation (ms). */
  readonly billedDurationsMs: readonly number[];
  /** Init duration of every cold start among those invocations (ms). */
  readonly initDurationsMs: readonly number[];
  /** Invocations that failed (error or timeout); their durations do not describe the work. */
  readonly errors: number;
}

/** Everything a strategy knows about one function. */
export interface FunctionProfile {
  readonly functionName: string;
  readonly architecture: Architecture;
  /** The function's configured memory now. */
  readonly memoryMb: number;
  /** Length of the observation window; with `invocations` it gives the monthly rate. */
  readonly windowHours: number;
  /** Invocations observed in the window (throttled requests are not invocations). */
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
  readonly duration: DurationSummary;
  /** Highest memory used by an invocation, when the source knows it (REPORT lines do). */
  readonly maxMemoryUsedMb?: number;
  /** Durations measured at one or more memory sizes (may include the current one). */
  readonly measurements: readonly MemoryMeasurement[];
}

/** One measured memory size as the power-tuning strategies see it. */
export interface Candidate {
  readonly memoryMb: number;
  readonly invocations: number;
  readonly errors: number;
  /** Trimmed mean of billed durations (ms): what an invocation is billed for. */
  readonly durationMs: number;
  /** `durationMs` plus init durations spread over all invocations: what callers wait. */
  readonly speedMs: number;
  readonly costPerMillion: number;
}

/** A strategy's verdict on one function; every number a reader needs to trust it, and why. */
export interface Recommendation {
  readonly functionName: string;
  readonly architecture: Architecture;
  readonly strategy: StrategyName;
  readonly currentMemoryMb: number;
  readonly proposedMemoryMb: number;
  readonly change: 'increase' | 'decrease' | 'keep';
  /** Duration now (ms): measured at the current size, else the observed average. */
  readonly currentDurationMs?: number;
  /** Duration expected at the proposed size (ms). */
  readonly expectedDurationMs?: number;
  /** True when the expected duration is a model's estimate rather than a measurement. */
  readonly estimated: boolean;
  readonly p50Ms?: number;
  readonly p90Ms?: number;
  readonly costPerMillionNow?: number;
  readonly costPerMillionAfter?: number;
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
  readonly windowHours: number;
  readonly monthlyInvocations: number;
  /** Saving a month at the observed rate (negative: the change costs more, e.g. for speed). */
  readonly monthlySaving: number;
  readonly reason: string;
  /** The measured sizes a power-tuning strategy chose from. */
  readonly candidates?: readonly Candidate[];
}

export interface ThresholdOptions {
  /** Average duration above which memory steps up (ms). */
  readonly upAboveMs: number;
  /** Average duration below which memory steps down (ms). */
  readonly downBelowMs: number;
  /** Sizes to step between, ascending. */
  readonly ladder: readonly number[];
  /** Keep this fraction of headroom over the highest memory used when stepping down. */
  readonly memoryHeadroom: number;
}

export interface StrategyOptions {
  readonly prices?: PriceTable;
  /** Fraction dropped from each end of the billed durations (default 0.2). */
  readonly trim?: number;
  readonly threshold?: Partial<ThresholdOptions>;
  /** Balanced strategy: weight of cost against speed, 0 (speed only) to 1 (cost only); default 0.5. */
  readonly balancedWeight?: number;
  /** Relative difference under which two costs or speeds count as a tie (default: exact). */
  readonly tieTolerance?: number;
}

export const DEFAULT_THRESHOLD: ThresholdOptions = {
  upAboveMs: 500,
  downBelowMs: 100,
  ladder: DEFAULT_MEMORY_LADDER,
  memoryHeadroom: 0.2,
};

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

// ------------------------------------------------------------------ threshold

/**
 * The seed's rule: an average over `upAboveMs` steps memory up one rung of the
 * ladder, under `downBelowMs` steps it down. Where the source measured the
 * other size, that measurement gives the expected duration; otherwise it is
 * estimated (stepping up: CPU-bound work speeds up with the CPU share, which
 * stops growing at one vCPU; stepping down: fast work is taken as I/O-bound,
 * its duration unchanged). Never steps down a function that is failing, or
 * one whose memory use would leave less than the headroom.
 */
export function thresholdRule(profile: FunctionProfile, options: StrategyOptions = {}): Recommendation {
  const prices = options.prices ?? US_EAST_1_PRICES;
  const rule = { ...DEFAULT_THRESHOLD, ...options.threshold };
  if (!(rule.downBelowMs < rule.upAboveMs)) {
    throw new RangeError(`Threshold downBelowMs (${rule.downBelowMs}) must be under upAboveMs (${rule.upAboveMs})`);
  }
  const average = profile.duration.averageMs;
  const keep = (reason: string, extra: Partial<Recommendation> = {}) =>
    build(profile, 'threshold', profile.memoryMb, reason, { estimated: false, ...extra });
  if (profile.invocations === 0 || average === undefined) {
    return keep(withThrottles(profile, 'No invocations in the window: nothing to judge.'));
  }
  const now = costPerMillion({ memoryMb: profile.memoryMb, billedDurationMs: billedDurationMs(average), architecture: profile.architecture }, prices);
  const current = { currentDurationMs: average, expectedDurationMs: average, costPerMillionNow: now, costPerMillionAfter: now };
  const avg = `Average ${round(average)} ms`;

  if (average > rule.upAboveMs) {
    const next = rule.ladder.find((size) => size > profile.memoryMb && isValidMemory(size));
    if (next === undefined) return keep(withThrottles(profile, `${avg} is over ${rule.upAboveMs} ms, but ${profile.memoryMb} MB is the top of the ladder.`), current);
    const measured = measuredDuration(profile, next, options.trim);
    const expected = measured ?? (average * cpuShare(profile.memoryMb)) / cpuShare(next);
    const basis = measured !== undefined
      ? `measured ${round(expected)} ms at ${next} MB`
      : `expected ~${round(expected)} ms if the work is CPU-bound (estimate; power-tune to confirm)`;
    return stepTo(profile, next, expected, measured === undefined, prices, now, average,
      `${avg} is over ${rule.upAboveMs} ms: more memory brings more CPU; ${basis}.`);
  }

  if (average < rule.downBelowMs) {
    if (profile.errors > 0) {
      return keep(withThrottles(profile, `${avg} is under ${rule.downBelowMs} ms, but ${profile.errors} invocation(s) failed: memory of a failing function is not reduced.`), current);
    }
    const next = [...rule.ladder].reverse().find((size) => size < profile.memoryMb && isValidMemory(size));
    if (next === undefined) return keep(withThrottles(profile, `${avg} is under ${rule.downBelowMs} ms, but ${profile.memoryMb} MB is already the minimum.`), current);
    if (profile.maxMemoryUsedMb !== undefined && profile.maxMemoryUsedMb * (1 + rule.memoryHeadroom) > next) {
      return keep(withThrottles(profile, `${avg} is under ${rule.downBelowMs} ms, but up to ${profile.maxMemoryUsedMb} MB is used: ${next} MB would leave under ${rule.memoryHeadroom * 100}% headroom.`), current);
    }
    const measured = measuredDuration(profile, next, options.trim);
    const expected = measured ?? average;
    const basis = measured !== undefined
      ? `measured ${round(expected)} ms at ${next} MB`
      : 'short work is taken as I/O-bound, so its duration should not change (estimate)';
    return stepTo(profile, next, expected, measured === undefined, prices, now, average,
      `${avg} is under ${rule.downBelowMs} ms: less memory costs less; ${basis}.`);
  }

  return keep(withThrottles(profile, `${avg} is between ${rule.downBelowMs} and ${rule.upAboveMs} ms: no change.`), current);
}

function stepTo(
  profile: FunctionProfile,
  proposed: number,
  expectedMs: number,
  estimated: boolean,
  prices: PriceTable,
  now: number,
  currentMs: number,
  reason: string,
): Recommendation {
  const after = costPerMillion({ memoryMb: proposed, billedDurationMs: billedDurationMs(expectedMs), architecture: profile.architecture }, prices);
  return build(profile, 'threshold', proposed, withThrottles(profile, reason), {
    currentDurationMs: currentMs,
    expectedDurationMs: expectedMs,
    estimated,
    costPerMillionNow: now,
    costPerMillionAfter: after,
  });
}

/** Relative CPU share at a memory size: proportional to memory up to one vCPU. */
function cpuShare(memoryMb: number): number {
  return Math.min(memoryMb, ONE_VCPU_MEMORY_MB);
}

function measuredDuration(profile: FunctionProfile, memoryMb: number, trim = DEFAULT_TRIM): number | undefined {
  const m = profile.measurements.find((x) => x.memoryMb === memoryMb && x.errors === 0);
  return m ? trimmedMean(m.billedDurationsMs, trim) : undefined;
}

// -------------------------------------------------------------- power tuning

/**
 * Turns measurements into candidates: the trimmed mean of billed durations,
 * the speed (that plus init durations spread over all invocations, so cold
 * starts count even though trimming would drop them), and the cost per million
 * at that size. Sizes without samples give no candidate.
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
    if (durationMs === undefined || !isValidMemory(m.memoryMb)) continue;
    const initTotal = m.initDurationsMs.reduce((sum, v) => sum + v, 0);
    result.push({
      memoryMb: m.memoryMb,
      invocations: m.billedDurationsMs.length,
      errors: m.errors,
      durationMs,
      speedMs: durationMs + initTotal / m.billedDurationsMs.length,
      costPerMillion: costPerMillion({ memoryMb: m.memoryMb, billedDurationMs: durationMs, architecture }, prices),
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
  const score = (c: Candidate) =>
    weight * ratio(c.costPerMillion, cheapest) + (1 - weight) * ratio(c.speedMs, fastest);
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
  const excluded = failed.length
    ? ` Excluded for failures: ${failed.map((c) => `${c.memoryMb} MB (${c.errors} errors)`).join(', ')}.`
    : '';
  const atCurrent = candidates.find((c) => c.memoryMb === profile.memoryMb);
  const observed = profile.duration.averageMs;
  const currentDurationMs = atCurrent?.durationMs ?? observed;
  const costPerMillionNow =
    atCurrent?.costPerMillion ??
    (observed !== undefined
      ? costPerMillion({ memoryMb: profile.memoryMb, billedDurationMs: billedDurationMs(observed), architecture: profile.architecture }, prices)
      : undefined);

  const chosen = usable.length >= 2 ? pickCandidate(usable, strategy, options) : undefined;
  if (!chosen) {
    const reason =
      usable.length === 0 && candidates.length === 0
        ? `No durations measured at any memory size: ${strategy} needs measurements at two or more sizes (run power tuning).`
        : `Durations measured at ${usable.length} memory size(s) without failures: ${strategy} needs two or more (run power tuning).`;
    return build(profile, strategy, profile.memoryMb, withThrottles(profile, reason + excluded), {
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
  const detail = `: ${round(chosen.durationMs)} ms, $${chosen.costPerMillion.toFixed(4)} per 1M` +
    (strategy === 'balanced' ? ` (cost weight ${options.balancedWeight ?? 0.5})` : '');
  return build(profile, strategy, chosen.memoryMb, withThrottles(profile, `${verdict}${detail}.${excluded}`), {
    currentDurationMs,
    expectedDurationMs: chosen.durationMs,
    estimated: false,
    costPerMillionNow,
    costPerMillionAfter: chosen.costPerMillion,
    candidates,
  });
}

// ------------------------------------------------------------------ helpers

function build(
  profile: FunctionProfile,
  strategy: StrategyName,
  proposedMemoryMb: number,
  reason: string,
  extra: Partial<Recommendation> & { estimated: boolean },
): Recommendation {
  const monthly = monthlyInvocations(profile.invocations, profile.windowHours);
  const { costPerMillionNow, costPerMillionAfter } = extra;
  const monthlySaving =
    costPerMillionNow !== undefined && costPerMillionAfter !== undefined
      ? ((costPerMillionNow - costPerMillionAfter) / 1_000_000) * monthly
      : 0;
  return {
    functionName: profile.functionName,
    architecture: profile.architecture,
    strategy,
    currentMemoryMb: profile.memoryMb,
    proposedMemoryMb,
    change: proposedMemoryMb > profile.memoryMb ? 'increase' : proposedMemoryMb < profile.memoryMb ? 'decrease' : 'keep',
    p50Ms: profile.duration.p50Ms,
    p90Ms: profile.duration.p90Ms,
    invocations: profile.invocations,
    errors: profile.errors,
    throttles: profile.throttles,
    windowHours: profile.windowHours,
    monthlyInvocations: monthly,
    ...extra,
    monthlySaving: proposedMemoryMb === profile.memoryMb ? 0 : monthlySaving,
    reason,
  };
}

function withThrottles(profile: FunctionProfile, reason: string): string {
  if (profile.throttles <= 0) return reason;
  return `${reason} ${profile.throttles} throttled requests are a concurrency limit, not a memory one; they are not billed or counted.`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
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
