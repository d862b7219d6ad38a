/**
 * Lambda on-demand pricing: a pure model of what one invocation, a million
 * invocations or a month of them costs. No AWS SDK, no clock, no I/O.
 */

export type Architecture = 'arm64' | 'x86_64';

/** Lambda's memory bounds (MB); any whole MB in between is valid. */
export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10_240;

/** Duration is billed in whole milliseconds, rounded up, with no minimum. */
export const BILLING_GRANULARITY_MS = 1;

/** Hours in AWS's billing month (AWS's calculators use 730). */
export const HOURS_PER_MONTH = 730;

/** One region's on-demand prices, dated: prices change, the date says when these were read. */
export interface PriceTable {
  readonly region: string;
  /** The day these prices were checked against AWS's pricing page (ISO date). */
  readonly asOf: string;
  readonly source: string;
  readonly currency: 'USD';
  /** Price of one GB-second of duration, first monthly tier (up to 6 billion GB-s). */
  readonly perGbSecond: Readonly<Record<Architecture, number>>;
  /** Price of one request (same for both architectures). */
  readonly perRequest: number;
  /** The account-wide monthly free tier (shared by all functions and both architectures). */
  readonly freeTier: { readonly requests: number; readonly gbSeconds: number };
}

/**
 * us-east-1 on-demand prices: x86 $0.0000166667/GB-s, arm64 $0.0000133334/GB-s,
 * $0.20 per million requests; free tier 1M requests and 400,000 GB-s a month.
 * Only the first duration tier is modelled (the next starts at 6 billion GB-s a
 * month per account and architecture, far beyond this platform).
 */
export const US_EAST_1_PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11-27',
  source: 'https://aws.amazon.com/lambda/pricing/',
  currency: 'USD',
  perGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 },
  perRequest: 0.0000002, // $0.20 per million
  freeTier: { requests: 1_000_000, gbSeconds: 400_000 },
};

/** Price tables by region; a region without one is an error, never a silent default. */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = { 'us-east-1': US_EAST_1_PRICES };

/** The price table of `region`; throws for a region this model has no prices for. */
export function priceTable(region: string): PriceTable {
  const table = PRICE_TABLES[region];
  if (!table) {
    throw new Error(`No Lambda price table for region ${region}; known: ${Object.keys(PRICE_TABLES).join(', ')}`);
  }
  return table;
}

/** True for a memory size Lambda accepts (a whole number of MB, 128 to 10,240). */
export function isValidMemory(memoryMb: number): boolean {
  return Number.isInteger(memoryMb) && memoryMb >= MIN_MEMORY_MB && memoryMb <= MAX_MEMORY_MB;
}

/** Throws a clear error for a memory size Lambda would refuse. */
export function assertValidMemory(memoryMb: number): void {
  if (!isValidMemory(memoryMb)) {
    throw new RangeError(`Memory must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} (got ${memoryMb})`);
  }
}

/** The billed duration of one invocation: rounded up to the next whole millisecond. */
export function billedDurationMs(durationMs: number): number {
  if (!(durationMs >= 0)) throw new RangeError(`Duration must be a non-negative number (got ${durationMs})`);
  // Guard against float noise such as 120.00000000001 from averaging.
  const rounded = Math.round(durationMs * 1e6) / 1e6;
  return Math.ceil(rounded / BILLING_GRANULARITY_MS) * BILLING_GRANULARITY_MS;
}

/**
 * What one invocation is billed for on average (ms): the plain mean of billed
 * durations, each the invocation's Duration plus, on a cold start, its Init
 * Duration, rounded up to 1 ms (Lambda bills the INIT phase of on-demand
 * functions since 2025-08-01; its REPORT line's Billed Duration includes it).
 * Every strategy prices this one number; it is not trimmed, since every billed
 * millisecond is paid, outliers and cold starts included. Undefined for no samples.
 */
export function meanBilledMs(billedDurationsMs: readonly number[]): number | undefined {
  if (billedDurationsMs.length === 0) return undefined;
  return billedDurationsMs.reduce((sum, v) => sum + v, 0) / billedDurationsMs.length;
}

/** GB-seconds of one invocation; memory in MB is divided by 1,024 as AWS does. */
export function gbSeconds(memoryMb: number, billedMs: number): number {
  return (memoryMb / 1024) * (billedMs / 1000);
}

export interface InvocationShape {
  readonly memoryMb: number;
  /** Billed duration in ms (already rounded, or a mean of billed durations). */
  readonly billedDurationMs: number;
  readonly architecture: Architecture;
}

/** What one invocation costs: its duration charge plus its request charge (no free tier). */
export function costPerInvocation(shape: InvocationShape, prices: PriceTable = US_EAST_1_PRICES): number {
  assertValidMemory(shape.memoryMb);
  return gbSeconds(shape.memoryMb, shape.billedDurationMs) * prices.perGbSecond[shape.architecture] + prices.perRequest;
}

/** What a million invocations of this shape cost (no free tier): the unit recommendations compare. */
export function costPerMillion(shape: InvocationShape, prices: PriceTable = US_EAST_1_PRICES): number {
  return costPerInvocation(shape, prices) * 1_000_000;
}

export interface MonthlyUsage {
  readonly memoryMb: number;
  /** Duration of each invocation in ms (rounded up to the billing granularity here). */
  readonly durationMs: number;
  readonly invocations: number;
  readonly architecture: Architecture;
  /** Subtract the account's monthly free tier (as AWS's worked examples do); default false. */
  readonly applyFreeTier?: boolean;
}

export interface MonthlyCharges {
  readonly gbSeconds: number;
  readonly billableGbSeconds: number;
  readonly billableRequests: number;
  readonly computeCharge: number;
  readonly requestCharge: number;
  readonly total: number;
}

/**
 * A month's charges for one workload, as AWS's pricing page computes them:
 * total GB-s and requests, less the free tier when asked, times the prices.
 * Amounts are not rounded to cents; round for display only.
 */
export function monthlyCharges(usage: MonthlyUsage, prices: PriceTable = US_EAST_1_PRICES): MonthlyCharges {
  assertValidMemory(usage.memoryMb);
  const total = usage.invocations * gbSeconds(usage.memoryMb, billedDurationMs(usage.durationMs));
  const billableGbSeconds = usage.applyFreeTier ? Math.max(0, total - prices.freeTier.gbSeconds) : total;
  const billableRequests = usage.applyFreeTier ? Math.max(0, usage.invocations - prices.freeTier.requests) : usage.invocations;
  const computeCharge = billableGbSeconds * prices.perGbSecond[usage.architecture];
  const requestCharge = billableRequests * prices.perRequest;
  return {
    gbSeconds: total,
    billableGbSeconds,
    billableRequests,
    computeCharge,
    requestCharge,
    total: computeCharge + requestCharge,
  };
}

/** Invocations a month at the rate observed over `windowHours` (0 when the window is empty). */
export function monthlyInvocations(invocations: number, windowHours: number): number {
  return windowHours > 0 ? (invocations * HOURS_PER_MONTH) / windowHours : 0;
}
