import {
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DEFAULT_TUNING_SIZES, normaliseMemorySizes } from '#cost-domain/power-tuning';
import type { FunctionProfile, MemoryMeasurement } from '#cost-domain/recommendation';
import type { Progress, UsageSource } from '../../lambda/cost-optimizer/usage-source';

/** The figures of one Lambda REPORT log line. */
export interface ReportLine {
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  readonly initDurationMs?: number;
}

/** Parses the REPORT line out of a log tail; undefined when there is none. */
export function parseReportLine(log: string): ReportLine | undefined {
  const line = log.split('\n').find((l) => l.startsWith('REPORT '));
  if (!line) return undefined;
  const field = (name: string, unit: string): number | undefined => {
    const match = new RegExp(`(?:^|\\s)${name}: ([0-9.]+) ${unit}`).exec(line);
    return match ? Number(match[1]) : undefined;
  };
  const durationMs = field('Duration', 'ms');
  const billedDurationMs = field('Billed Duration', 'ms');
  const memorySizeMb = field('Memory Size', 'MB');
  const maxMemoryUsedMb = field('Max Memory Used', 'MB');
  if (durationMs === undefined || billedDurationMs === undefined || memorySizeMb === undefined || maxMemoryUsedMb === undefined) {
    return undefined;
  }
  const initDurationMs = field('Init Duration', 'ms');
  return { durationMs, billedDurationMs, memorySizeMb, maxMemoryUsedMb, ...(initDurationMs !== undefined ? { initDurationMs } : {}) };
}

export interface TuningRequest {
  readonly functionName: string;
  /** Sizes to measure (default 128 to 3,008 MB). */
  readonly memorySizes?: readonly number[];
  /** Invocations per size (default 10). */
  readonly invocations?: number;
  /** The event each invocation receives, as JSON text (default `{}`). */
  readonly payload?: string;
  /** Stops between invocations when aborted; the configuration is still restored. */
  readonly signal?: AbortSignal;
}

export interface PowerTunerOptions {
  readonly progress?: Progress;
  /** Pause between polls while Lambda applies an update (ms, default 1,000). */
  readonly pollIntervalMs?: number;
  /** How long to wait for an update to finish (ms, default 120,000). */
  readonly updateTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Measures a deployed function at several memory sizes (AWS Lambda Power
 * Tuning's method, without Step Functions): for each size it updates $LATEST,
 * publishes a version and invokes that version N times with `LogType: Tail`,
 * reading the REPORT line. It INVOKES THE FUNCTION for real (side effects
 * included), so callers gate it behind an explicit flag. Whatever happens —
 * an invoke error, a throttle, an abort — the original memory size is
 * restored and the versions it published are deleted; if restoring fails the
 * error says how to restore by hand.
 */
export class PowerTuner {
  private readonly progress: Progress;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly lambda: LambdaClient,
    private readonly options: PowerTunerOptions = {},
  ) {
    this.progress = options.progress ?? (() => {});
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async tune(request: TuningRequest): Promise<MemoryMeasurement[]> {
    const { functionName } = request;
    const sizes = normaliseMemorySizes(request.memorySizes ?? DEFAULT_TUNING_SIZES);
    const invocations = request.invocations ?? 10;
    if (!Number.isInteger(invocations) || invocations < 1)
      throw new RangeError(`Invocations per size must be a whole number, at least 1 (got ${invocations})`);
    const payload = new TextEncoder().encode(request.payload ?? '{}');

    const original = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const originalMemory = original.MemorySize;
    if (originalMemory === undefined) throw new Error(`Lambda did not report the memory size of ${functionName}`);
    const existingVersions = await this.listVersions(functionName);
    const published: string[] = [];
    const measurements: MemoryMeasurement[] = [];
    let failure: unknown;
    try {
      for (const memoryMb of sizes) {
        request.signal?.throwIfAborted();
        this.progress(`${functionName}: setting ${memoryMb} MB`);
        await this.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: memoryMb }));
        await this.waitUntilReady(functionName);
        const { Version } = await this.lambda.send(
          new PublishVersionCommand({ FunctionName: functionName, Description: `cost-optimizer power tuning at ${memoryMb} MB` }),
        );
        if (!Version) throw new Error(`PublishVersion returned no version for ${functionName}`);
        if (!existingVersions.has(Version)) published.push(Version);
        await this.waitUntilReady(functionName, Version);
        measurements.push(await this.measure(functionName, Version, memoryMb, invocations, payload, request.signal));
      }
    } catch (error) {
      failure = error;
    }
    const cleanupProblems = await this.restore(functionName, originalMemory, published);
    if (failure !== undefined || cleanupProblems.length > 0) {
      const cause = failure instanceof Error ? failure.message : failure !== undefined ? String(failure) : undefined;
      const parts = [cause ? `Power tuning ${functionName} failed: ${cause}` : `Power tuning ${functionName} finished`, ...cleanupProblems];
      throw new Error(parts.join('; '), { cause: failure });
    }
    return measurements;
  }

  private async measure(
    functionName: string,
    version: string,
    memoryMb: number,
    count: number,
    payload: Uint8Array,
    signal?: AbortSignal,
  ): Promise<MemoryMeasurement> {
    const billed: number[] = [];
    const inits: number[] = [];
    let errors = 0;
    for (let i = 1; i <= count; i++) {
      signal?.throwIfAborted();
      const result = await this.lambda.send(
        new InvokeCommand({ FunctionName: functionName, Qualifier: version, LogType: 'Tail', Payload: payload }),
      );
      if (result.FunctionError) errors++;
      const report = parseReportLine(Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'));
      if (!report) throw new Error(`no REPORT line in the log tail of ${functionName}:${version}`);
      billed.push(report.billedDurationMs);
      if (report.initDurationMs !== undefined) inits.push(report.initDurationMs);
      this.progress(`${functionName} @ ${memoryMb} MB: ${i}/${count} (${report.billedDurationMs} ms)`);
    }
    return { memoryMb, billedDurationsMs: billed, initDurationsMs: inits, errors };
  }

  /** Restores the memory size and deletes the versions this run published; returns what went wrong. */
  private async restore(functionName: string, memoryMb: number, published: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    try {
      await this.waitUntilReady(functionName).catch(() => {});
      await this.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, MemorySize: memoryMb }));
      this.progress(`${functionName}: restored ${memoryMb} MB`);
    } catch (error) {
      problems.push(
        `could not restore its memory size (${(error as Error).message}); restore it with: ` +
          `aws lambda update-function-configuration --function-name ${functionName} --memory-size ${memoryMb}`,
      );
    }
    for (const version of published) {
      try {
        await this.lambda.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: version }));
      } catch (error) {
        problems.push(`could not delete version ${version} (${(error as Error).message})`);
      }
    }
    return problems;
  }

  private async listVersions(functionName: string): Promise<Set<string>> {
    const versions = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }));
      for (const v of page.Versions ?? []) if (v.Version) versions.add(v.Version);
      marker = page.NextMarker || undefined;
    } while (marker);
    return versions;
  }

  /** Waits while Lambda applies an update (or a new version is still pending). */
  private async waitUntilReady(functionName: string, qualifier?: string): Promise<void> {
    const deadline = Date.now() + (this.options.updateTimeoutMs ?? 120_000);
    for (;;) {
      const config = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: qualifier }));
      if (config.LastUpdateStatus === 'Failed' || config.State === 'Failed') {
        throw new Error(
          `update of ${functionName}${qualifier ? `:${qualifier}` : ''} failed: ${config.LastUpdateStatusReason ?? config.StateReason ?? 'no reason given'}`,
        );
      }
      if (config.LastUpdateStatus !== 'InProgress' && config.State !== 'Pending') return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${functionName} to finish updating`);
      await this.sleep(this.options.pollIntervalMs ?? 1_000);
    }
  }
}

/**
 * A source whose profiles also carry power-tuning measurements for the
 * functions named in `functionNames` (each is tuned in turn, with the same
 * request settings). Other functions pass through unchanged.
 */
export function withPowerTuning(
  source: UsageSource,
  tuner: PowerTuner,
  functionNames: readonly string[],
  request: Omit<TuningRequest, 'functionName'>,
): UsageSource {
  return {
    name: `${source.name}+power-tuning`,
    get windowHours() {
      return source.windowHours;
    },
    async collect(progress?: Progress): Promise<FunctionProfile[]> {
      const profiles = await source.collect(progress);
      const known = new Set(profiles.map((p) => p.functionName));
      const missing = functionNames.filter((name) => !known.has(name));
      if (missing.length) throw new Error(`Not found in ${source.name}: ${missing.join(', ')}`);
      const result: FunctionProfile[] = [];
      for (const profile of profiles) {
        if (!functionNames.includes(profile.functionName)) {
          result.push(profile);
          continue;
        }
        const measurements = await tuner.tune({ ...request, functionName: profile.functionName });
        result.push({ ...profile, measurements: [...profile.measurements, ...measurements] });
      }
      return result;
    },
  };
}
