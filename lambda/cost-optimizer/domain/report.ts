/**
 * The cost optimiser's report: what the CLI prints as JSON and the daily job
 * stores in S3. Pure; the caller supplies the clock and the recommendations.
 */
import type { FunctionProfile, Recommendation, StrategyName, StrategyOptions } from './recommendation';
import { recommendAll } from './strategies';
import type { PriceTable } from './pricing';

/** One strategy's recommendations with their totals. */
export interface StrategyResult {
  readonly strategy: StrategyName;
  /** Functions the strategy would change. */
  readonly changes: number;
  /** Sum of monthly savings of the changes (negative when they cost more overall). */
  readonly netMonthlySaving: number;
  readonly recommendations: readonly Recommendation[];
}

export interface CostReport {
  /** Day the report covers (UTC, YYYY-MM-DD). */
  readonly reportDate: string;
  readonly generatedAt: string;
  readonly source: string;
  readonly stackName?: string;
  readonly windowHours: number;
  readonly pricing: { readonly region: string; readonly asOf: string; readonly source: string; readonly currency: string };
  readonly functions: number;
  readonly strategies: readonly StrategyResult[];
  /**
   * For each function the largest saving any strategy offers (never below 0),
   * summed: what following the best advice would save a month at today's rate.
   */
  readonly totalPotentialMonthlySaving: number;
}

/** Totals of one strategy's recommendations. */
export function summarise(strategy: StrategyName, recommendations: readonly Recommendation[]): StrategyResult {
  const changed = recommendations.filter((r) => r.change !== 'keep');
  return {
    strategy,
    changes: changed.length,
    netMonthlySaving: changed.reduce((sum, r) => sum + r.monthlySaving, 0),
    recommendations,
  };
}

/** The largest non-negative saving per function across strategies, summed. */
export function potentialSaving(results: readonly StrategyResult[]): number {
  const best = new Map<string, number>();
  for (const result of results) {
    for (const r of result.recommendations) {
      if (r.change === 'keep') continue;
      best.set(r.functionName, Math.max(best.get(r.functionName) ?? 0, r.monthlySaving));
    }
  }
  return [...best.values()].reduce((sum, v) => sum + v, 0);
}

export interface ReportInput {
  readonly now: Date;
  readonly source: string;
  readonly stackName?: string;
  readonly windowHours: number;
  readonly prices: PriceTable;
  readonly results: readonly StrategyResult[];
}

/** Assembles a report; its date is the UTC day of `now`. */
export function buildReport(input: ReportInput): CostReport {
  const names = new Set(input.results.flatMap((r) => r.recommendations.map((x) => x.functionName)));
  return {
    reportDate: utcDay(input.now),
    generatedAt: input.now.toISOString(),
    source: input.source,
    ...(input.stackName ? { stackName: input.stackName } : {}),
    windowHours: input.windowHours,
    pricing: { region: input.prices.region, asOf: input.prices.asOf, source: input.prices.source, currency: input.prices.currency },
    functions: names.size,
    strategies: input.results,
    totalPotentialMonthlySaving: potentialSaving(input.results),
  };
}

/** Where the daily report for `date` lives in the reports bucket: `reports/cost/YYYY-MM-DD.json`. */
export function reportKey(date: Date): string {
  return `${REPORT_PREFIX}${utcDay(date)}.json`;
}

/** The bucket prefix the daily report writes under (and the only one it may write to). */
export const REPORT_PREFIX = 'reports/cost/';

function utcDay(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('Report date is not a valid date');
  return date.toISOString().slice(0, 10);
}

/**
 * Runs each strategy over the same profiles: the one evaluation the CLI and
 * the daily report share.
 */
export function evaluate(
  profiles: readonly FunctionProfile[],
  strategies: readonly StrategyName[],
  options: StrategyOptions = {},
): StrategyResult[] {
  return strategies.map((strategy) => summarise(strategy, recommendAll(profiles, strategy, options)));
}
