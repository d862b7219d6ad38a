import { mean, percentile, trimmedMean } from '#cost-domain/stats';
import { buildReport, evaluate, potentialSaving, reportKey } from '#cost-domain/report';
import { candidatesOf, pickCandidate } from '#cost-domain/power-tuning';
import type { FunctionProfile, MemoryMeasurement } from '#cost-domain/recommendation';
import { recommend } from '#cost-domain/strategies';
import { costPerMillion, US_EAST_1_PRICES } from '#cost-domain/pricing';

function profile(overrides: Partial<FunctionProfile> = {}): FunctionProfile {
  return {
    functionName: 'fn',
    architecture: 'arm64',
    memoryMb: 512,
    windowHours: 24,
    invocations: 24_000,
    errors: 0,
    throttles: 0,
    duration: { averageMs: 250, p50Ms: 240, p90Ms: 300, maxMs: 400 },
    measurements: [],
    ...overrides,
  };
}

const at = (memoryMb: number, billedDurationsMs: number[], extra: Partial<MemoryMeasurement> = {}): MemoryMeasurement => ({
  memoryMb,
  billedDurationsMs,
  initDurationsMs: [],
  errors: 0,
  ...extra,
});

describe('statistics', () => {
  it('trimmed mean drops the top and bottom 20% (floor of n * 0.2 from each end)', () => {
    // 10 samples: drop 2 lowest (1, 2) and 2 highest (900, 1000)
    expect(trimmedMean([1000, 10, 2, 11, 12, 900, 13, 1, 14, 15])).toBe(12.5);
    // 5 samples: drop 1 each end
    expect(trimmedMean([100, 1, 2, 3, 4])).toBe(3);
    // fewer than 5 samples: nothing to drop
    expect(trimmedMean([1, 2, 9])).toBe(4);
    expect(trimmedMean([])).toBeUndefined();
    expect(trimmedMean([1, 2, 3, 4, 100], 0)).toBe(22);
    expect(() => trimmedMean([1], 0.5)).toThrow(RangeError);
  });

  it('mean and nearest-rank percentiles; no samples, no number', () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(mean([])).toBeUndefined();
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([], 90)).toBeUndefined();
  });
});

describe('threshold strategy', () => {
  it('steps memory up one rung when the average is over 500 ms, estimating a CPU-bound speed-up', () => {
    const r = recommend(profile({ duration: { averageMs: 800 } }), 'threshold');
    expect(r).toMatchObject({ change: 'increase', currentMemoryMb: 512, proposedMemoryMb: 1024, expectedDurationMs: 400, estimated: true });
    expect(r.reason).toMatch(/over 500 ms.*CPU-bound/);
    // same GB-s at twice the memory for half the time: the cost does not change
    expect(r.costPerMillionAfter).toBeCloseTo(r.costPerMillionNow as number, 9);
  });

  it('steps memory down when the average is under 100 ms and saves at the observed rate', () => {
    const r = recommend(profile({ duration: { averageMs: 40 }, invocations: 24_000, windowHours: 24 }), 'threshold');
    expect(r).toMatchObject({ change: 'decrease', proposedMemoryMb: 256, expectedDurationMs: 40 });
    const now = costPerMillion({ memoryMb: 512, billedDurationMs: 40, architecture: 'arm64' });
    const after = costPerMillion({ memoryMb: 256, billedDurationMs: 40, architecture: 'arm64' });
    expect(r.costPerMillionNow).toBeCloseTo(now, 12);
    expect(r.costPerMillionAfter).toBeCloseTo(after, 12);
    expect(r.monthlyInvocations).toBeCloseTo(730_000, 6);
    expect(r.monthlySaving).toBeCloseTo(((now - after) / 1e6) * 730_000, 9);
  });

  it('keeps memory between the thresholds, and the thresholds are configurable', () => {
    expect(recommend(profile(), 'threshold')).toMatchObject({ change: 'keep', monthlySaving: 0 });
    const r = recommend(profile(), 'threshold', { threshold: { upAboveMs: 200, downBelowMs: 50 } });
    expect(r).toMatchObject({ change: 'increase', proposedMemoryMb: 1024 });
    expect(() => recommend(profile(), 'threshold', { threshold: { upAboveMs: 50, downBelowMs: 100 } })).toThrow(RangeError);
  });

  it('uses a measurement at the next size instead of the estimate when there is one', () => {
    const r = recommend(profile({ duration: { averageMs: 800 }, measurements: [at(1024, [700, 700, 700])] }), 'threshold');
    expect(r).toMatchObject({ proposedMemoryMb: 1024, expectedDurationMs: 700, estimated: false });
    expect(r.monthlySaving).toBeLessThan(0); // more memory, barely faster: it costs more
  });

  it('stops at the ends of the ladder', () => {
    expect(recommend(profile({ memoryMb: 128, duration: { averageMs: 20 } }), 'threshold')).toMatchObject({ change: 'keep' });
    expect(recommend(profile({ memoryMb: 10_240, duration: { averageMs: 900 } }), 'threshold').reason).toMatch(/top of the ladder/);
  });

  it('never reduces memory of a failing function, or below the memory it uses plus headroom', () => {
    const failing = recommend(profile({ duration: { averageMs: 40 }, errors: 3 }), 'threshold');
    expect(failing).toMatchObject({ change: 'keep' });
    expect(failing.reason).toMatch(/3 invocation\(s\) failed/);
    const full = recommend(profile({ duration: { averageMs: 40 }, maxMemoryUsedMb: 230 }), 'threshold');
    expect(full).toMatchObject({ change: 'keep' });
    expect(full.reason).toMatch(/230 MB is used/);
  });

  it('keeps a function with no invocations, and explains throttles without counting them', () => {
    const idle = recommend(profile({ invocations: 0, duration: {} }), 'threshold');
    expect(idle).toMatchObject({ change: 'keep', monthlySaving: 0 });
    expect(idle.costPerMillionNow).toBeUndefined();
    expect(idle.reason).toMatch(/No invocations/);
    const throttled = recommend(profile({ invocations: 0, throttles: 12, duration: {} }), 'threshold');
    expect(throttled.reason).toMatch(/12 throttled requests are a concurrency limit/);
  });
});

describe('power-tuning strategies', () => {
  // 128 MB is slow, 256 MB the cheapest, 1,024 MB the fastest, 512 MB nearly both.
  const measurements = [
    at(128, [400, 400, 400, 400, 400]),
    at(256, [180, 180, 180, 180, 180]),
    at(512, [95, 95, 95, 95, 95]),
    at(1024, [80, 80, 80, 80, 80]),
  ];

  it('cost picks the cheapest size', () => {
    const r = recommend(profile({ measurements }), 'cost');
    expect(r).toMatchObject({ proposedMemoryMb: 256, change: 'decrease', expectedDurationMs: 180, currentDurationMs: 95 });
    expect(r.reason).toMatch(/256 MB is the cheapest/);
    expect(r.candidates).toHaveLength(4);
    expect(r.monthlySaving).toBeGreaterThan(0);
  });

  it('speed picks the fastest size; init durations count', () => {
    expect(recommend(profile({ measurements }), 'speed')).toMatchObject({ proposedMemoryMb: 1024, change: 'increase' });
    // A heavy cold start at 1,024 MB makes 512 MB the faster one overall.
    const withInit = [...measurements.slice(0, 3), at(1024, [80, 80, 80, 80, 80], { initDurationsMs: [500] })];
    expect(recommend(profile({ measurements: withInit }), 'speed')).toMatchObject({ proposedMemoryMb: 512, change: 'keep' });
  });

  it('cost ties go to the faster size, speed ties to the cheaper one', () => {
    // 128 MB x 200 ms and 256 MB x 100 ms cost the same per invocation.
    const costTie = [at(128, [200, 200, 200]), at(256, [100, 100, 100])];
    expect(recommend(profile({ memoryMb: 128, measurements: costTie }), 'cost').proposedMemoryMb).toBe(256);
    const speedTie = [at(256, [100, 100, 100]), at(512, [100, 100, 100])];
    expect(recommend(profile({ memoryMb: 512, measurements: speedTie }), 'speed').proposedMemoryMb).toBe(256);
  });

  it('balanced weighs cost against speed; the weight is configurable', () => {
    expect(recommend(profile({ measurements }), 'balanced', { balancedWeight: 1 }).proposedMemoryMb).toBe(256);
    expect(recommend(profile({ measurements }), 'balanced', { balancedWeight: 0 }).proposedMemoryMb).toBe(1024);
    const even = recommend(profile({ measurements }), 'balanced');
    expect(even.proposedMemoryMb).toBe(512);
    expect(even.reason).toMatch(/cost weight 0.5/);
    expect(() => recommend(profile({ measurements }), 'balanced', { balancedWeight: 2 })).toThrow(RangeError);
  });

  it('compares durations on the trimmed mean, but prices the mean billed duration: every billed millisecond is paid', () => {
    const noisy = [at(256, [100, 100, 100, 100, 5000]), at(512, [60, 60, 60, 60, 60])];
    const [c256, c512] = candidatesOf(noisy, 'arm64');
    expect(c256?.durationMs).toBe(100); // the outlier is trimmed from the duration...
    expect(c256?.costPerMillion).toBeCloseTo(costPerMillion({ memoryMb: 256, billedDurationMs: 1080, architecture: 'arm64' }), 10); // ...not from the bill
    expect(c512?.costPerMillion).toBeCloseTo(costPerMillion({ memoryMb: 512, billedDurationMs: 60, architecture: 'arm64' }), 10);
    expect(recommend(profile({ measurements: noisy }), 'cost').proposedMemoryMb).toBe(512);
  });

  it('prices one function at one memory size the same in every strategy (init included where billed)', () => {
    // Measured at the current 512 MB: one cold start (billed 30 ms + 400 ms init), four warm ones.
    const current = { memoryMb: 512, billedDurationsMs: [430, 30, 30, 30, 30], initDurationsMs: [400], errors: 0 };
    const subject = profile({
      memoryMb: 512,
      duration: { averageMs: 30, p50Ms: 30, p90Ms: 30, maxMs: 30 },
      measurements: [current, at(256, [50, 50, 50, 50, 50])],
    });
    const expected = costPerMillion({ memoryMb: 512, billedDurationMs: 110, architecture: 'arm64' });
    for (const strategy of ['threshold', 'cost', 'speed', 'balanced'] as const) {
      expect(recommend(subject, strategy).costPerMillionNow).toBeCloseTo(expected, 10);
    }
  });

  it('excludes sizes where invocations failed, and says so', () => {
    const failing = [at(128, [50, 50, 50], { errors: 1 }), ...measurements.slice(1)];
    const r = recommend(profile({ measurements: failing }), 'cost');
    expect(r.proposedMemoryMb).toBe(256);
    const onlyCheapFails = [at(256, [180, 180, 180], { errors: 2 }), at(512, [95, 95, 95]), at(1024, [60, 60, 60])];
    const r2 = recommend(profile({ measurements: onlyCheapFails }), 'cost');
    expect(r2.proposedMemoryMb).not.toBe(256);
    expect(r2.reason).toMatch(/Excluded for failures: 256 MB \(2 errors\)/);
  });

  it('keeps the size and asks for power tuning without two measured sizes', () => {
    for (const strategy of ['cost', 'speed', 'balanced'] as const) {
      const none = recommend(profile(), strategy);
      expect(none).toMatchObject({ change: 'keep', monthlySaving: 0 });
      expect(none.reason).toMatch(/run power tuning/);
      expect(recommend(profile({ measurements: [at(512, [95])] }), strategy).change).toBe('keep');
    }
  });

  it('picks nothing from no usable candidate', () => {
    expect(pickCandidate([], 'cost')).toBeUndefined();
    expect(pickCandidate(candidatesOf([at(128, [1], { errors: 1 })], 'arm64'), 'speed')).toBeUndefined();
  });
});

describe('report', () => {
  it('runs strategies, totals savings and sums the best saving per function', () => {
    const profiles = [
      profile({ functionName: 'fast', duration: { averageMs: 40 } }),
      profile({ functionName: 'tuned', measurements: [at(256, [180]), at(512, [95]), at(1024, [60])] }),
    ];
    const results = evaluate(profiles, ['threshold', 'cost']);
    expect(results.map((r) => [r.strategy, r.changes])).toEqual([
      ['threshold', 1],
      ['cost', 1], // 'fast' has no measurements at other sizes
    ]);
    // fast: only threshold changes it; tuned: only cost does
    const best = results[0]!.recommendations[0]!.monthlySaving + results[1]!.recommendations[1]!.monthlySaving;
    expect(best).toBeGreaterThan(0);
    expect(potentialSaving(results)).toBeCloseTo(best, 12);
    const report = buildReport({ now: new Date('2026-11-27T06:00:03Z'), source: 's', windowHours: 24, prices: US_EAST_1_PRICES, results });
    expect(report).toMatchObject({ reportDate: '2026-11-27', functions: 2, pricing: { region: 'us-east-1' } });
    expect(reportKey(new Date('2026-11-27T23:59:59Z'))).toBe('reports/cost/2026-11-27.json');
  });
});
