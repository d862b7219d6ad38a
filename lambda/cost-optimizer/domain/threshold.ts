/**
 * The threshold strategy (the seed's rule), pure: steps memory one rung up or
 * down a ladder from the observed average duration.
 */
import { billedDurationMs, costPerMillion, isValidMemory, meanBilledMs, type PriceTable, US_EAST_1_PRICES } from './pricing';
import {
  billedNowMs,
  type FunctionProfile,
  type Recommendation,
  recommendation,
  roundMs,
  type StrategyOptions,
  type ThresholdOptions,
  withThrottles,
} from './recommendation';
import { DEFAULT_TRIM, trimmedMean } from './stats';

/** Memory sizes the threshold rule steps between, and power tuning measures by default. */
export const DEFAULT_MEMORY_LADDER: readonly number[] = [128, 256, 512, 1024, 1536, 2048, 3008, 4096, 6144, 8192, 10240];

/** Lambda gives a function one full vCPU at 1,769 MB; a single-threaded handler gains nothing beyond. */
export const ONE_VCPU_MEMORY_MB = 1769;

export const DEFAULT_THRESHOLD: ThresholdOptions = {
  upAboveMs: 500,
  downBelowMs: 100,
  ladder: DEFAULT_MEMORY_LADDER,
  memoryHeadroom: 0.2,
};

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
    recommendation(profile, 'threshold', profile.memoryMb, reason, { estimated: false, ...extra });
  if (profile.invocations === 0 || average === undefined) {
    return keep(withThrottles(profile, 'No invocations in the window: nothing to judge.'));
  }
  // Priced on what an invocation is billed for (init included where known), as every strategy prices it.
  const billedNow = billedNowMs(profile) ?? billedDurationMs(average);
  const now = costPerMillion({ memoryMb: profile.memoryMb, billedDurationMs: billedNow, architecture: profile.architecture }, prices);
  const current = { currentDurationMs: average, expectedDurationMs: average, costPerMillionNow: now, costPerMillionAfter: now };
  const avg = `Average ${roundMs(average)} ms`;

  if (average > rule.upAboveMs) {
    const next = rule.ladder.find((size) => size > profile.memoryMb && isValidMemory(size));
    if (next === undefined)
      return keep(
        withThrottles(profile, `${avg} is over ${rule.upAboveMs} ms, but ${profile.memoryMb} MB is the top of the ladder.`),
        current,
      );
    const measured = measuredDuration(profile, next, options.trim);
    const speedUp = cpuShare(profile.memoryMb) / cpuShare(next);
    const expected = measured ?? average * speedUp;
    const billedAfter = measuredBilled(profile, next) ?? billedNow * speedUp;
    const basis =
      measured !== undefined
        ? `measured ${roundMs(expected)} ms at ${next} MB`
        : `expected ~${roundMs(expected)} ms if the work is CPU-bound (estimate; power-tune to confirm)`;
    return stepTo(
      profile,
      next,
      expected,
      billedAfter,
      measured === undefined,
      prices,
      now,
      average,
      `${avg} is over ${rule.upAboveMs} ms: more memory brings more CPU; ${basis}.`,
    );
  }

  if (average < rule.downBelowMs) {
    if (profile.errors > 0) {
      return keep(
        withThrottles(
          profile,
          `${avg} is under ${rule.downBelowMs} ms, but ${profile.errors} invocation(s) failed: memory of a failing function is not reduced.`,
        ),
        current,
      );
    }
    const next = [...rule.ladder].reverse().find((size) => size < profile.memoryMb && isValidMemory(size));
    if (next === undefined)
      return keep(
        withThrottles(profile, `${avg} is under ${rule.downBelowMs} ms, but ${profile.memoryMb} MB is already the minimum.`),
        current,
      );
    if (profile.maxMemoryUsedMb !== undefined && profile.maxMemoryUsedMb * (1 + rule.memoryHeadroom) > next) {
      return keep(
        withThrottles(
          profile,
          `${avg} is under ${rule.downBelowMs} ms, but up to ${profile.maxMemoryUsedMb} MB is used: ${next} MB would leave under ${rule.memoryHeadroom * 100}% headroom.`,
        ),
        current,
      );
    }
    const measured = measuredDuration(profile, next, options.trim);
    const expected = measured ?? average;
    const billedAfter = measuredBilled(profile, next) ?? billedNow;
    const basis =
      measured !== undefined
        ? `measured ${roundMs(expected)} ms at ${next} MB`
        : 'short work is taken as I/O-bound, so its duration should not change (estimate)';
    return stepTo(
      profile,
      next,
      expected,
      billedAfter,
      measured === undefined,
      prices,
      now,
      average,
      `${avg} is under ${rule.downBelowMs} ms: less memory costs less; ${basis}.`,
    );
  }

  return keep(withThrottles(profile, `${avg} is between ${rule.downBelowMs} and ${rule.upAboveMs} ms: no change.`), current);
}

function stepTo(
  profile: FunctionProfile,
  proposed: number,
  expectedMs: number,
  billedAfterMs: number,
  estimated: boolean,
  prices: PriceTable,
  now: number,
  currentMs: number,
  reason: string,
): Recommendation {
  const after = costPerMillion({ memoryMb: proposed, billedDurationMs: billedAfterMs, architecture: profile.architecture }, prices);
  return recommendation(profile, 'threshold', proposed, withThrottles(profile, reason), {
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

/** The mean billed duration measured at `memoryMb` without failures (what that size would be priced on). */
function measuredBilled(profile: FunctionProfile, memoryMb: number): number | undefined {
  const m = profile.measurements.find((x) => x.memoryMb === memoryMb && x.errors === 0);
  return m ? meanBilledMs(m.billedDurationsMs) : undefined;
}
