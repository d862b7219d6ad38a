import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_TUNING_SIZES } from '#cost-domain/power-tuning';
import { type Architecture, type PriceTable, priceTable } from '#cost-domain/pricing';
import { STRATEGIES, type StrategyName, type StrategyOptions } from '#cost-domain/recommendation';
import { DEFAULT_RECORDS_FILE } from './local-records-source';

export const USAGE = `Usage: npm run optimize -- [options]

Recommends a memory size per Lambda function (dry run unless --apply).

  --source cloudwatch|local   where usage comes from (default cloudwatch)
  --stage dev|prod            stage whose stack to read (default dev)
  --stack <name>              stack name (default ServerlessCommerce-<stage>)
  --window-hours <n>          CloudWatch window in hours (default 24)
  --records <file>            local invocation records (default ${DEFAULT_RECORDS_FILE})
  --since <time>              local records: only those since an ISO time or a span ago (30m, 6h, 7d)
                              (--stack/--stage given: only that stack's functions)
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
  stage: { type: 'string' },
  stack: { type: 'string' },
  'window-hours': { type: 'string' },
  records: { type: 'string' },
  since: { type: 'string' },
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
export class UsageError extends Error {}

/** Power tuning before recommending (`--tune`): which deployed functions, and how. */
export interface TuneRequest {
  readonly functionNames: readonly string[];
  readonly memorySizes: readonly number[];
  readonly invocations: number;
  /** The event each invocation receives, as JSON text. */
  readonly payload: string;
}

/** Usage from the local cloud's invocation records. */
export interface LocalSourceArgs {
  readonly kind: 'local';
  readonly records: string;
  readonly architecture: Architecture;
  /** Default: the span of the records. */
  readonly windowHours?: number;
  /** Only records of this stack's functions (named `<stack>-...`), when --stack or --stage is given. */
  readonly stackName?: string;
  /** Only records at or after this time (--since). */
  readonly since?: Date;
}

/** Usage of a deployed stack from CloudWatch, optionally power-tuned first. */
export interface CloudWatchSourceArgs {
  readonly kind: 'cloudwatch';
  readonly stackName: string;
  readonly windowHours: number;
  readonly tune?: TuneRequest;
}

/** A valid `optimize` command line. */
export interface Command {
  readonly source: LocalSourceArgs | CloudWatchSourceArgs;
  readonly strategy: StrategyName;
  readonly prices: PriceTable;
  readonly options: StrategyOptions;
  readonly json: boolean;
  readonly apply: boolean;
  readonly yes: boolean;
}

/**
 * Parses and checks the command line (`'help'` for --help); every mistake is a
 * UsageError. `env` decides whether --apply may update a local cloud.
 */
export async function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Command | 'help'> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
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
  const stackName = values.stack ?? `ServerlessCommerce-${values.stage ?? 'dev'}`;
  const stackGiven = values.stack !== undefined || values.stage !== undefined;

  if (values.since !== undefined && source !== 'local') throw new UsageError('--since filters local records: use it with --source local');
  if (values.tune && source !== 'cloudwatch') throw new UsageError('--tune measures deployed functions: use it with --source cloudwatch');
  if (values.tune && !values.function?.length) throw new UsageError('--tune needs --function <name>: it invokes that function many times');
  if (values.apply && source === 'local' && !env.AWS_ENDPOINT_URL) {
    throw new UsageError('--apply with --source local updates the local cloud: set AWS_ENDPOINT_URL to its endpoint');
  }

  const common = { strategy, prices, options, json: values.json, apply: values.apply, yes: values.yes };
  if (source === 'local') {
    return {
      ...common,
      source: {
        kind: 'local',
        records: values.records ?? DEFAULT_RECORDS_FILE,
        architecture,
        ...(values['window-hours'] !== undefined ? { windowHours: number(values['window-hours'], '--window-hours', 0) } : {}),
        ...(stackGiven ? { stackName } : {}),
        ...(values.since !== undefined ? { since: sinceTime(values.since, new Date()) } : {}),
      },
    };
  }
  const windowHours = values['window-hours'] !== undefined ? integer(values['window-hours'], '--window-hours', 1) : 24;
  const tune: TuneRequest | undefined = values.tune
    ? {
        functionNames: values.function ?? [],
        memorySizes: values['tune-memory']
          ? values['tune-memory'].split(',').map((s) => integer(s.trim(), '--tune-memory', 128))
          : DEFAULT_TUNING_SIZES,
        invocations: values['tune-invocations'] ? integer(values['tune-invocations'], '--tune-invocations', 1) : 10,
        payload: values.payload ? await readPayload(values.payload) : '{}',
      }
    : undefined;
  return { ...common, source: { kind: 'cloudwatch', stackName, windowHours, ...(tune ? { tune } : {}) } };
}

const SPAN_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO date-time, or a span back from `now` (`30m`, `6h`, `7d`). */
export function sinceTime(text: string, now: Date): Date {
  const span = /^(\d+)([mhd])$/.exec(text.trim());
  if (span) return new Date(now.getTime() - Number(span[1]) * (SPAN_MS[span[2]!] ?? 0));
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) {
    throw new UsageError(`--since must be an ISO date-time (2026-12-01T09:00:00Z) or a span such as 30m, 6h, 7d (got "${text}")`);
  }
  return new Date(time);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

function number(text: string, flag: string, min = 0, max = Number.POSITIVE_INFINITY): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(
      `${flag} must be a number${max < Number.POSITIVE_INFINITY ? ` from ${min} to ${max}` : ` of at least ${min}`} (got "${text}")`,
    );
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
