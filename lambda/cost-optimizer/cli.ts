import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { buildReport, type CostReport, evaluate } from '#domain/cost-report';
import { DEFAULT_TUNING_SIZES, type Recommendation, STRATEGIES, type StrategyName, type StrategyOptions } from '#domain/power-tuning';
import { priceTable } from '#domain/pricing';
import { type AppliedChange, applyRecommendations, changesOf } from './apply';
import { CloudWatchUsageSource } from './cloudwatch-source';
import { DEFAULT_RECORDS_FILE, LocalRecordsSource } from './local-records-source';
import { PowerTuner, withPowerTuning } from './power-tuner';
import type { UsageSource } from './usage-source';

/** Everything the CLI touches outside itself, so tests can replace it. */
export interface CliDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly lambda: () => LambdaClient;
  readonly cloudwatch: () => CloudWatchClient;
  readonly tagging: () => ResourceGroupsTaggingAPIClient;
  /** True when a person can answer a confirmation prompt. */
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: power tuning stops and restores the configuration. */
  readonly signal?: AbortSignal;
}

export const USAGE = `Usage: npm run optimize -- [options]

Recommends a memory size per Lambda function (dry run unless --apply).

  --source cloudwatch|local   where usage comes from (default cloudwatch)
  --stage dev|prod            stage whose stack to read (default dev)
  --stack <name>              stack name (default ServerlessCommerce-<stage>)
  --window-hours <n>          CloudWatch window in hours (default 24)
  --records <file>            local invocation records (default ${DEFAULT_RECORDS_FILE})
  --architecture arm64|x86_64 architecture of local functions (default arm64)
  --strategy <name>           threshold|cost|speed|balanced (default threshold)
  --up-ms <n> --down-ms <n>   threshold rule: step up above / down below (default 500 / 100)
  --weight <0..1>             balanced: weight of cost against speed (default 0.5)
  --pricing-region <region>   price table (default us-east-1)
  --tune --function <name>    power-tune that deployed function first: INVOKES it
    [--tune-memory 128,256,...] [--tune-invocations 10] [--payload <file.json>]
  --json                      print the report as JSON instead of a table
  --apply                     update MemorySize of the functions it recommends changing
  --yes                       apply without asking
  -h, --help                  this text`;

const OPTIONS = {
  source: { type: 'string', default: 'cloudwatch' },
  stage: { type: 'string', default: 'dev' },
  stack: { type: 'string' },
  'window-hours': { type: 'string' },
  records: { type: 'string' },
  architecture: { type: 'string', default: 'arm64' },
  strategy: { type: 'string', default: 'threshold' },
  'up-ms': { type: 'string' },
  'down-ms': { type: 'string' },
  weight: { type: 'string' },
  'pricing-region': { type: 'string', default: 'us-east-1' },
  tune: { type: 'boolean', default: false },
  function: { type: 'string', multiple: true },
  'tune-memory': { type: 'string' },
  'tune-invocations': { type: 'string' },
  payload: { type: 'string' },
  json: { type: 'boolean', default: false },
  apply: { type: 'boolean', default: false },
  yes: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A mistake in the command line: reported with a pointer to --help, exit code 2. */
class UsageError extends Error {}

/**
 * The `optimize` command: collect usage, recommend, print, optionally apply.
 * Returns the exit code; every failure is reported as one line on stderr.
 */
export async function main(argv: readonly string[], deps: CliDeps = defaultDeps()): Promise<number> {
  try {
    return await run(argv, deps);
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    if (message === 'Region is missing') message = 'AWS region is missing: set AWS_REGION (or a profile with a region)';
    deps.stderr(`optimize: ${message.split('\n')[0]}${error instanceof UsageError ? ' (see --help)' : ''}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    deps.stdout(`${USAGE}\n`);
    return 0;
  }
  const source = oneOf(values.source, ['cloudwatch', 'local'] as const, '--source');
  const strategy = oneOf(values.strategy, STRATEGIES, '--strategy');
  const architecture = oneOf(values.architecture, ['arm64', 'x86_64'] as const, '--architecture');
  const prices = (() => {
    try {
      return priceTable(values['pricing-region']);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const options: StrategyOptions = {
    prices,
    threshold: {
      ...(values['up-ms'] !== undefined ? { upAboveMs: number(values['up-ms'], '--up-ms') } : {}),
      ...(values['down-ms'] !== undefined ? { downBelowMs: number(values['down-ms'], '--down-ms') } : {}),
    },
    ...(values.weight !== undefined ? { balancedWeight: number(values.weight, '--weight', 0, 1) } : {}),
  };
  const stackName = values.stack ?? `ServerlessCommerce-${values.stage}`;
  const progress = (message: string) => deps.stderr(`${message}\n`);

  if (values.tune && source !== 'cloudwatch') throw new UsageError('--tune measures deployed functions: use it with --source cloudwatch');
  if (values.tune && !values.function?.length) throw new UsageError('--tune needs --function <name>: it invokes that function many times');
  if (values.apply && source === 'local' && !deps.env.AWS_ENDPOINT_URL) {
    throw new UsageError('--apply with --source local updates the local cloud: set AWS_ENDPOINT_URL to its endpoint');
  }

  let usage: UsageSource;
  if (source === 'local') {
    usage = new LocalRecordsSource({
      file: values.records ?? DEFAULT_RECORDS_FILE,
      architecture,
      ...(values['window-hours'] !== undefined ? { windowHours: number(values['window-hours'], '--window-hours', 0) } : {}),
    });
  } else {
    usage = new CloudWatchUsageSource({
      lambda: deps.lambda(),
      cloudwatch: deps.cloudwatch(),
      tagging: deps.tagging(),
      stackName,
      windowHours: values['window-hours'] !== undefined ? integer(values['window-hours'], '--window-hours', 1) : 24,
    });
    if (values.tune) {
      const tuner = new PowerTuner(deps.lambda(), { progress });
      usage = withPowerTuning(usage, tuner, values.function ?? [], {
        memorySizes: values['tune-memory'] ? values['tune-memory'].split(',').map((s) => integer(s.trim(), '--tune-memory', 128)) : DEFAULT_TUNING_SIZES,
        invocations: values['tune-invocations'] ? integer(values['tune-invocations'], '--tune-invocations', 1) : 10,
        payload: values.payload ? await readPayload(values.payload) : '{}',
        signal: deps.signal,
      });
    }
  }

  const profiles = await usage.collect(progress);
  const [result] = evaluate(profiles, [strategy], options);
  const report = buildReport({
    now: new Date(),
    source: usage.name,
    stackName: source === 'cloudwatch' ? stackName : undefined,
    windowHours: usage.windowHours,
    prices,
    results: result ? [result] : [],
  });
  const recommendations = result?.recommendations ?? [];

  let applied: AppliedChange[] | undefined;
  if (values.apply) {
    const changes = changesOf(recommendations);
    if (changes.length === 0) {
      progress('Nothing to apply: every function keeps its memory size.');
    } else if (await confirmed(changes, values.yes, deps)) {
      applied = await applyRecommendations(deps.lambda(), changes);
    } else {
      progress('Cancelled: nothing changed.');
    }
  }

  if (values.json) {
    deps.stdout(`${JSON.stringify(applied ? { ...report, applied } : report, null, 2)}\n`);
  } else {
    deps.stdout(renderTable(report, strategy));
    if (applied) deps.stdout(renderApplied(applied));
    else if (!values.apply && changesOf(recommendations).length > 0) {
      deps.stdout(`Dry run: nothing changed. Add --apply to make ${changesOf(recommendations).length} change(s).\n`);
    }
  }
  return applied?.some((a) => !a.ok) ? 1 : 0;
}

async function confirmed(changes: readonly Recommendation[], yes: boolean, deps: CliDeps): Promise<boolean> {
  if (yes) return true;
  if (!deps.interactive) {
    throw new Error(`--apply would change ${changes.length} function(s) and needs confirmation: run it on a terminal or add --yes. Nothing changed.`);
  }
  const list = changes.map((c) => `${c.functionName} ${c.currentMemoryMb} -> ${c.proposedMemoryMb} MB`).join(', ');
  return deps.confirm(`Apply ${changes.length} change(s): ${list}? [y/N] `);
}

// -------------------------------------------------------------------- output

/** The recommendation table, its reasons and a footer with the totals and the price table used. */
export function renderTable(report: CostReport, strategy: StrategyName): string {
  const result = report.strategies.find((s) => s.strategy === strategy);
  const recs = result?.recommendations ?? [];
  if (recs.length === 0) return `No functions found in ${report.source}.\n`;
  const header = ['Function', 'Memory MB', 'p50 ms', 'p90 ms', 'Cost per 1M', 'Saving/month'];
  const rows = recs.map((r) => [
    r.functionName,
    r.change === 'keep' ? `${r.currentMemoryMb} (keep)` : `${r.currentMemoryMb} → ${r.proposedMemoryMb}`,
    ms(r.p50Ms),
    ms(r.p90Ms),
    r.costPerMillionNow === undefined ? '-' : `${money(r.costPerMillionNow)} → ${money(r.costPerMillionAfter)}`,
    r.change === 'keep' ? '-' : money(r.monthlySaving),
  ]);
  const numeric = new Set([2, 3, 5]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
  out.push(`Why (${strategy}):`);
  for (const r of recs) out.push(`  ${r.functionName}: ${r.reason}`);
  out.push('');
  out.push(
    `Source ${report.source}, window ${round(report.windowHours)} h; prices ${report.pricing.region} as of ${report.pricing.asOf}. ` +
      `Net saving if applied: ${money(result?.netMonthlySaving ?? 0)} a month at the observed rate.`,
  );
  return `${out.join('\n')}\n`;
}

function renderApplied(applied: readonly AppliedChange[]): string {
  return `${applied
    .map((a) => (a.ok ? `Updated ${a.functionName}: ${a.fromMb} MB -> ${a.toMb} MB` : `Failed ${a.functionName}: ${a.error}`))
    .join('\n')}\n`;
}

function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function money(value: number | undefined): string {
  if (value === undefined) return '-';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}$${abs !== 0 && abs < 1 ? abs.toFixed(4) : abs.toFixed(2)}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

// ------------------------------------------------------------------- parsing

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

function number(text: string, flag: string, min = 0, max = Number.POSITIVE_INFINITY): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number${max < Number.POSITIVE_INFINITY ? ` from ${min} to ${max}` : ` of at least ${min}`} (got "${text}")`);
  }
  return value;
}

function integer(text: string, flag: string, min: number): number {
  const value = number(text, flag, min);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} must be a whole number (got "${text}")`);
  return value;
}

async function readPayload(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(`--payload ${file} is not valid JSON`);
  }
  return text;
}

/** The real terminal, AWS clients (region and credentials from the environment) and process. */
export function defaultDeps(signal?: AbortSignal): CliDeps {
  let lambda: LambdaClient | undefined;
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    lambda: () => (lambda ??= new LambdaClient({ maxAttempts: 5 })),
    cloudwatch: () => new CloudWatchClient({ maxAttempts: 5 }),
    tagging: () => new ResourceGroupsTaggingAPIClient({ maxAttempts: 5 }),
    interactive: Boolean(process.stdin.isTTY),
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    env: process.env,
    signal,
  };
}

