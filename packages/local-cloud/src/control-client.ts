/**
 * `npm run local -- schedules`, `fire <rule>` and `user <email>`: ask a local
 * cloud that is already running (`npm start` in another terminal) through its
 * edge's control endpoints (eventbridge/schedules.ts, cognito/control.ts), and put the answer in a
 * few lines. Every failure is a `ControlClientError` whose message is one line.
 */
import type { CreatedUserAnswer } from './cognito/control';
import type { ControlErrorAnswer, FiredAnswer, ScheduleView } from './eventbridge/schedules';
import { formatTable } from './text-table';

/** A failure the CLI prints as it is: one line, no stack. */
export class ControlClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlClientError';
  }
}

export interface ControlClientOptions {
  /** The edge, e.g. `http://127.0.0.1:4566`. */
  readonly edgeUrl: string;
  /** The CLI option that changes the port, named when nothing answers (default `--edge-port`). */
  readonly portOption?: string;
  /** Longest wait for an answer (default 30 s). */
  readonly timeoutMs?: number;
}

/** `GET /_local/schedules`. */
export async function listSchedules(options: ControlClientOptions): Promise<ScheduleView[]> {
  const { status, body } = await call(options, 'GET', '/_local/schedules');
  if (status === 200 && Array.isArray((body as { schedules?: unknown }).schedules))
    return (body as { schedules: ScheduleView[] }).schedules;
  throw notTheLocalCloud(options, status, body);
}

/** `POST /_local/schedules/<rule>/fire`; an unknown rule throws, naming the schedule rules there are. */
export async function fireSchedule(options: ControlClientOptions, rule: string): Promise<FiredAnswer> {
  const { status, body } = await call(options, 'POST', `/_local/schedules/${encodeURIComponent(rule)}/fire`);
  if (status === 200 && isRecord(body) && isRecord(body.event) && Array.isArray(body.targets)) return body as unknown as FiredAnswer;
  if (status === 404 && isRecord(body) && typeof body.message === 'string' && Array.isArray(body.schedules)) {
    throw new ControlClientError((body as unknown as ControlErrorAnswer).message);
  }
  throw notTheLocalCloud(options, status, body);
}

/**
 * The schedule rules as a table with the command that fires each, naming
 * `--edge-port` / `--host` when the edge at `edgeUrl` is not where the CLI
 * looks by default. Also printed by `up` below its endpoints table.
 */
export function formatSchedules(schedules: readonly ScheduleView[], edgeUrl = DEFAULT_EDGE_URL): string[] {
  if (schedules.length === 0) return ['No schedule rules in this stack.'];
  const portArgument = cliArguments(edgeUrl);
  return [
    ...formatTable([
      ['schedule rule', 'expression', 'state', 'targets', 'fire with'],
      ...schedules.map((s) => [
        s.name,
        s.scheduleExpression,
        s.state,
        s.targets.map((t) => `${t.id} → ${t.resource ?? t.arn}`).join(', '),
        `npm run local -- fire ${s.name}${portArgument}`,
      ]),
    ]),
    'Schedule rules do not run on a timer locally; they run when fired.',
  ];
}

/** What `npm run local -- user` sends to `POST /_local/cognito/users`. */
export interface CreateUserRequest {
  readonly email: string;
  readonly admin?: boolean;
  readonly password?: string;
  readonly name?: string;
  readonly phone?: string;
  readonly pool?: string;
}

/** `POST /_local/cognito/users`: a confirmed, signed-in user; a refusal throws with the endpoint's message. */
export async function createUser(options: ControlClientOptions, user: CreateUserRequest): Promise<CreatedUserAnswer> {
  const { status, body } = await call(options, 'POST', '/_local/cognito/users', user);
  if (status === 201 && isRecord(body) && isRecord(body.tokens)) return body as unknown as CreatedUserAnswer;
  if (status < 500 && status !== 404 && isRecord(body) && typeof body.message === 'string') throw new ControlClientError(body.message);
  if (status === 404 && isRecord(body) && Array.isArray(body.pools)) throw new ControlClientError(String(body.message));
  throw notTheLocalCloud(options, status, body);
}

/** The created user in a few lines: sub, the password if generated, the id token and a curl to paste. */
export function formatCreatedUser(user: CreatedUserAnswer): string[] {
  const api = user.apiUrl ?? '<apiUrl>';
  return [
    `Created ${user.email} in ${user.poolId}${user.groups.length > 0 ? ` (groups: ${user.groups.join(', ')})` : ''}: confirmed, signed in through client ${user.clientId}.`,
    `  sub       ${user.sub}`,
    ...(user.generatedPassword !== undefined ? [`  password  ${user.generatedPassword}`] : []),
    ...(user.defaulted?.length ? [`  defaults  ${user.defaulted.join(', ')} (required by the pool; pass --name / --phone)`] : []),
    `  id token  ${user.tokens.IdToken}`,
    '',
    `curl -H "Authorization: ${user.tokens.IdToken}" ${api}/users/me`,
  ];
}

/** Where the CLI looks for the edge without `--edge-port` / `--host`. */
export const DEFAULT_EDGE_URL = 'http://127.0.0.1:4566';

/** The edge URL for a `--host` and `--edge-port` (a wildcard host means this machine). */
export function edgeUrlFor(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** The `--host` / `--edge-port` arguments that make the CLI find the edge at `edgeUrl`. */
function cliArguments(edgeUrl: string): string {
  const url = new URL(edgeUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || '80';
  return `${host === '127.0.0.1' ? '' : ` --host ${host}`}${port === '4566' ? '' : ` --edge-port ${port}`}`;
}

/** One line for the event, one per target with what its first delivery attempt came to. */
export function formatFired(fired: FiredAnswer): string[] {
  const { schedule, event } = fired;
  const lines = [`Fired ${schedule.name} (${schedule.scheduleExpression}): Scheduled Event ${event.id} at ${event.time}.`];
  if (fired.targets.length === 0) lines.push('  The rule has no targets: nothing was invoked.');
  for (const target of fired.targets) lines.push(`  ${target.id} → ${describeTarget(target)}: ${describeOutcome(target)}`);
  return lines;
}

/** Whether every target took the event (the CLI's exit code is 0 only then). */
export function allDelivered(fired: FiredAnswer): boolean {
  return fired.targets.every((t) => t.outcome === 'delivered');
}

// ---------------------------------------------------------------- helpers

function describeTarget(target: FiredAnswer['targets'][number]): string {
  const service = target.arn.split(':')[2] ?? 'unknown';
  return `${service} ${target.resource ?? target.arn}`;
}

function describeOutcome(target: FiredAnswer['targets'][number]): string {
  const service = target.arn.split(':')[2];
  switch (target.outcome) {
    case 'delivered':
      if (service === 'lambda')
        return "invocation accepted (asynchronous: the function's logs and REPORT line show in the local cloud's terminal)";
      if (service === 'sqs') return 'message sent';
      return 'event delivered';
    case 'not-emulated':
      return `not delivered: the local cloud does not deliver to ${service} targets`;
    case 'retrying':
      return `first attempt failed (${target.error}); retrying within its RetryPolicy, then its dead-letter queue`;
    case 'failed':
      return `failed (${target.error}); sent to its dead-letter queue if it has one`;
  }
}

/** One JSON call to a control endpoint of the edge: its status and parsed body (undefined if not JSON). */
export async function call(
  options: ControlClientOptions,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const url = `${options.edgeUrl.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    const body = json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } };
    response = await fetch(url, { method, ...body, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  } catch (error) {
    throw new ControlClientError(unreachable(options, error));
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

function unreachable(options: ControlClientOptions, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name;
  const option = options.portOption ?? '--edge-port';
  if (code === 'TimeoutError') return `${options.edgeUrl} did not answer within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`;
  if (code === 'ECONNREFUSED') {
    return `no local cloud answers on ${options.edgeUrl}; start one with \`npm start\` (or pass the ${option} it was started with)`;
  }
  return `cannot reach ${options.edgeUrl}: ${code ?? (error instanceof Error ? error.message : String(error))}`;
}

function notTheLocalCloud(options: ControlClientOptions, status: number, body: unknown): ControlClientError {
  const said = isRecord(body) && typeof body.message === 'string' ? `: ${body.message}` : '';
  if (status >= 500 && said) return new ControlClientError(`the local cloud on ${options.edgeUrl} answered HTTP ${status}${said}`);
  return new ControlClientError(
    `${options.edgeUrl} answered HTTP ${status}${said}, not as the local cloud does (LocalStack or an older local cloud?); pass the ${options.portOption ?? '--edge-port'} of \`npm start\``,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
