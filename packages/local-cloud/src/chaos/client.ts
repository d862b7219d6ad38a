/**
 * `npm run local -- chaos ...`: sets and clears the Chaos API's rules and
 * effects of a local cloud that is already running, through its edge
 * (`/_localstack/chaos/...`). Every command prints the configuration it
 * leaves; a refused one throws `ControlClientError` with the edge's reason.
 */
import { call, ControlClientError, type ControlClientOptions } from '../control-client';
import type { ChaosEffects } from './engine';
import type { FaultRule } from './rules';

/** The options of `chaos add` as the CLI parsed them (strings, as typed). */
export interface AddOptions {
  readonly service?: string;
  readonly region?: string;
  readonly operation?: string;
  readonly probability?: string;
  readonly code?: string;
  readonly status?: string;
  readonly function?: string;
  readonly kill?: boolean;
  readonly times?: string;
}

export const CHAOS_USAGE = `chaos list | add [--service S] [--operation O] [--region R] [--probability P] [--code C] [--status N]
                               [--function F] [--kill] [--times N] | set '<rules JSON>' | clear | latency <ms> | seed <n|none>`;

/** Runs one `chaos` sub-command (`args` after `chaos`) and returns the lines to print. */
export async function runChaos(client: ControlClientOptions, args: readonly string[], options: AddOptions): Promise<string[]> {
  const [verb, value] = args;
  const needs = (n: number) => {
    if (args.length !== n) throw new ControlClientError(`usage: npm run local -- ${CHAOS_USAGE}`);
  };
  switch (verb) {
    case 'list':
      needs(1);
      return describe(await faults(client, 'GET'), await effects(client));
    case 'add':
      needs(1);
      return describe(await faults(client, 'PATCH', [ruleOf(options)]), await effects(client));
    case 'set':
      needs(2);
      return describe(await faults(client, 'POST', parseJson(value!)), await effects(client));
    case 'clear':
      needs(1);
      return describe(await faults(client, 'POST', []), await effects(client, { latency: 0 }));
    case 'latency':
      needs(2);
      return describe(await faults(client, 'GET'), await effects(client, { latency: Number(value) }));
    case 'seed':
      needs(2);
      return describe(await faults(client, 'GET'), await effects(client, { seed: value === 'none' ? null : Number(value) }));
    default:
      throw new ControlClientError(`usage: npm run local -- ${CHAOS_USAGE}`);
  }
}

/** The rule `chaos add` sends: only the fields given. */
export function ruleOf(options: AddOptions): FaultRule {
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const statusCode = number(options.status);
  const error = statusCode !== undefined || options.code !== undefined ? { statusCode, code: options.code } : undefined;
  const rule: Record<string, unknown> = {
    service: options.service,
    region: options.region,
    operation: options.operation,
    probability: number(options.probability),
    error,
    functionName: options.function,
    kill: options.kill || undefined,
    times: number(options.times),
  };
  return JSON.parse(JSON.stringify(rule)) as FaultRule;
}

async function faults(client: ControlClientOptions, method: string, rules?: unknown): Promise<FaultRule[]> {
  const { status, body } = await call(client, method, '/_localstack/chaos/faults', rules);
  if (status === 200 && Array.isArray(body)) return body as FaultRule[];
  throw refused(client, status, body);
}

async function effects(client: ControlClientOptions, change?: Record<string, unknown>): Promise<ChaosEffects> {
  const { status, body } = await call(client, change ? 'POST' : 'GET', '/_localstack/chaos/effects', change);
  if (status === 200 && typeof body === 'object' && body !== null) return body as ChaosEffects;
  throw refused(client, status, body);
}

function refused(client: ControlClientOptions, status: number, body: unknown): ControlClientError {
  const message = (body as { message?: unknown } | undefined)?.message;
  if (status === 400 && typeof message === 'string') return new ControlClientError(message);
  return new ControlClientError(
    `${client.edgeUrl} answered HTTP ${status} to the Chaos API${typeof message === 'string' ? `: ${message}` : ''}`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlClientError(`not JSON: ${text} (give the rules as a JSON array, e.g. '[{"service":"s3"}]')`);
  }
}

/** The rules, one a line in evaluation order, and the effects. */
export function describe(rules: readonly FaultRule[], effectsNow: ChaosEffects): string[] {
  const lines =
    rules.length === 0 ? ['No fault rules: every call goes through.'] : ['Fault rules (the first that matches a call decides):'];
  for (const [index, rule] of rules.entries()) lines.push(`  ${index + 1}. ${JSON.stringify(rule)}`);
  const seed = effectsNow.seed === undefined ? 'no seed (Math.random)' : `seed ${effectsNow.seed}`;
  lines.push(`Latency ${effectsNow.latency} ms on every AWS call; ${seed}.`);
  return lines;
}
