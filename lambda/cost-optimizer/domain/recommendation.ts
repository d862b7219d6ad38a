/**
 * What every memory strategy reads and returns, pure: a function's profile
 * (usage and measurements from any data source: CloudWatch, the local cloud's
 * invocation records, a power-tuning run), the options, and the recommendation
 * with the one way of building it. Nothing here does I/O.
 */
import { type Architecture, billedDurationMs, meanBilledMs, monthlyInvocations, type PriceTable } from './pricing';

export type StrategyName = 'threshold' | 'cost' | 'speed' | 'balanced';
export const STRATEGIES: readonly StrategyName[] = ['threshold', 'cost', 'speed', 'balanced'];

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

/** A recommendation for `proposedMemoryMb`, with the monthly rate and saving worked out from the profile. */
export function recommendation(
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

/** The reason, with a note on throttles when there were any (they are not a memory problem). */
export function withThrottles(profile: FunctionProfile, reason: string): string {
  if (profile.throttles <= 0) return reason;
  return `${reason} ${profile.throttles} throttled requests are a concurrency limit, not a memory one; they are not billed or counted.`;
}

/** Milliseconds to one decimal, for reasons. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * What an invocation at the function's current memory is billed for (ms), the
 * one number every strategy prices "now" with: the mean billed duration of the
 * invocations measured at that size (init included, see `meanBilledMs`), else
 * the observed average duration rounded up to 1 ms. CloudWatch's `Duration`
 * metric excludes init, so a profile from CloudWatch alone prices warm time only.
 */
export function billedNowMs(profile: FunctionProfile): number | undefined {
  const atCurrent = profile.measurements.find((m) => m.memoryMb === profile.memoryMb);
  const measured = atCurrent ? meanBilledMs(atCurrent.billedDurationsMs) : undefined;
  if (measured !== undefined) return measured;
  return profile.duration.averageMs === undefined ? undefined : billedDurationMs(profile.duration.averageMs);
}
