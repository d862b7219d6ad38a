/**
 * `npm start` (= `cdk synth` then `local up`) and `npm run local -- <command>`.
 *
 *   up         serve cdk.out: prints a short summary (start-output.ts; --verbose: every table),
 *              then every function's logs
 *              options: --api-port 3000 --edge-port 4566 --host 127.0.0.1
 *                       --data-dir DIR --assembly cdk.out --stack NAME --max-workers N --verbose
 *                       --parameters Name=Value (repeatable) --records-retention DAYS --openapi FILE
 *   schedules  list the schedule rules of the local cloud running on --edge-port
 *   fire RULE  fire one of them now (schedules do not run on a timer locally)
 *   user EMAIL create a confirmed, signed-in user in the running local cloud's user pool
 *   chaos ...  set and clear fault rules (LocalStack's Chaos API) of the running local cloud
 */
import { parseArgs } from 'node:util';
import { CHAOS_USAGE, runChaos } from './chaos/client';
import { startLocalCloud, type LocalCloud } from './cloud';
import {
  allDelivered,
  ControlClientError,
  createUser,
  edgeUrlFor,
  fireSchedule,
  formatCreatedUser,
  formatFired,
  formatSchedules,
  listSchedules,
} from './control-client';
import { PortError } from './ports';
import { describeStart } from './start-output';

const USAGE = `usage: npm run local -- up [--api-port 3000] [--edge-port 4566] [--host 127.0.0.1]
                          [--data-dir DIR] [--assembly cdk.out] [--stack NAME] [--max-workers N] [--verbose]
                          [--parameters Name=Value]... [--records-retention DAYS] [--openapi FILE]
       npm run local -- schedules [--edge-port 4566] [--host 127.0.0.1]
       npm run local -- fire <rule> [--edge-port 4566] [--host 127.0.0.1]
       npm run local -- user <email> [--admin] [--password P] [--name N] [--phone +1...] [--pool ID] [--json]
  up             serve cdk.out (npm start = cdk synth, then up)
  schedules      list the schedule rules of the local cloud running on --edge-port
  fire <rule>    fire a schedule rule of that local cloud now: its targets get a Scheduled
                 Event (schedules do not run on a timer locally); <rule> as \`schedules\` names it
  user <email>   create a user in that local cloud's user pool (the only one, or --pool): email
                 verified, permanent password (generated unless --password), confirmed (the
                 PostConfirmation trigger runs), in group admins with --admin, signed in; prints
                 its sub, the password if generated, the id token and a curl; --json: all as JSON
       npm run local -- ${CHAOS_USAGE}
  chaos          fault injection (LocalStack's Chaos API) in that local cloud: list the rules, add one,
                 set them all, clear them (and the latency), set the latency or the seed
  --max-workers  most worker processes per function (default: see packages/local-cloud/README.md)
  --parameters   a value for a template parameter (CfnParameter), as \`cdk deploy --parameters\`; repeatable
  --data-dir     keep data between runs; everything the cloud writes (records, outputs.json, pid) goes there.
                 Without it, state goes to .local-cloud/ beside the assembly (<app>/cdk.out -> <app>/.local-cloud)
  --records-retention
                 days of invocation records invocations.ndjson keeps (default 7; also at most the newest
                 100,000): older ones are dropped at start and whenever the file outgrows that cap by a tenth
  --openapi      an OpenAPI document (JSON) of the app: served at <edge>/_console/openapi.json and listed
                 in the console's API view (checked at start)
  --verbose      at start, print every route, function, resource, schedule and what is not emulated
                 (the default is a short summary)`;

/** Commands and how many positionals each takes (the command included). */
const COMMANDS: Readonly<Record<string, number>> = { up: 1, schedules: 1, fire: 2, user: 2, chaos: -1 };

async function main(argv: string[]): Promise<void> {
  // This machine may run Node 20; the functions declare Node 22. The SDK's banner about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'api-port': { type: 'string', default: '3000' },
      'edge-port': { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      assembly: { type: 'string', default: 'cdk.out' },
      stack: { type: 'string' },
      'max-workers': { type: 'string' },
      parameters: { type: 'string', multiple: true },
      'records-retention': { type: 'string' },
      openapi: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      admin: { type: 'boolean' },
      password: { type: 'string' },
      name: { type: 'string' },
      phone: { type: 'string' },
      pool: { type: 'string' },
      json: { type: 'boolean' },
      service: { type: 'string' },
      region: { type: 'string' },
      operation: { type: 'string' },
      probability: { type: 'string' },
      code: { type: 'string' },
      status: { type: 'string' },
      function: { type: 'string' },
      kill: { type: 'boolean' },
      times: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const command = positionals[0] ?? '';
  if (values.help || !(command in COMMANDS)) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (command === 'chaos') {
    const edgePort = port(values['edge-port']!, '--edge-port');
    console.log((await runChaos({ edgeUrl: edgeUrlFor(values.host!, edgePort) }, positionals.slice(1), values)).join('\n'));
    return;
  }
  if (positionals.length !== COMMANDS[command]) {
    const usage =
      command === 'fire'
        ? 'fire <rule> [--edge-port 4566]   (`npm run local -- schedules` lists them)'
        : command === 'user'
          ? 'user <email> [--admin] [--password P] [--name N] [--phone +1...] [--pool ID] [--json]'
          : `${command} [options]; see --help`;
    console.error(`usage: npm run local -- ${usage}`);
    process.exitCode = 2;
    return;
  }
  if (command !== 'up') {
    const edgePort = port(values['edge-port']!, '--edge-port');
    if (edgePort === 0) throw new Error("--edge-port must be the port of the running local cloud's edge, not 0");
    const client = { edgeUrl: edgeUrlFor(values.host!, edgePort) };
    if (command === 'schedules') {
      console.log(formatSchedules(await listSchedules(client), client.edgeUrl).join('\n'));
      return;
    }
    if (command === 'user') {
      const created = await createUser(client, {
        email: positionals[1]!,
        ...(values.admin ? { admin: true } : {}),
        ...(values.password !== undefined ? { password: values.password } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.phone !== undefined ? { phone: values.phone } : {}),
        ...(values.pool !== undefined ? { pool: values.pool } : {}),
      });
      console.log(values.json ? JSON.stringify(created, null, 2) : formatCreatedUser(created).join('\n'));
      return;
    }
    const fired = await fireSchedule(client, positionals[1]!);
    console.log(formatFired(fired).join('\n'));
    process.exitCode = allDelivered(fired) ? 0 : 1;
    return;
  }
  const started = Date.now();
  const cloud = await startLocalCloud({
    apiPort: port(values['api-port']!, '--api-port'),
    edgePort: port(values['edge-port']!, '--edge-port'),
    host: values.host,
    dataDir: values['data-dir'],
    assemblyDir: values.assembly,
    stackName: values.stack,
    maxWorkersPerFunction: values['max-workers'] === undefined ? undefined : positive(values['max-workers'], '--max-workers'),
    parameters: parameterValues(values.parameters ?? []),
    ...(values['records-retention'] !== undefined ? { recordsRetention: { maxAgeDays: days(values['records-retention']) } } : {}),
    openapi: values.openapi,
    progress: (step) => console.log(`  ... ${step}`),
  });
  console.log(describeStart(cloud, Date.now() - started, { verbose: values.verbose }));
  stopOnSignals(cloud);
}

function port(value: string, option: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new Error(`${option} must be a port number, got "${value}"`);
  return parsed;
}

/** `--parameters Name=Value` (repeatable) as the `parameters` option; the value may contain `=`. */
function parameterValues(pairs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z0-9]+)=(.*)$/s.exec(pair);
    if (!match) throw new Error(`--parameters takes Name=Value (a template parameter's name, alphanumeric), got "${pair}"`);
    values[match[1]!] = match[2]!;
  }
  return values;
}

function positive(value: string, option: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${option} must be a whole number of at least 1, got "${value}"`);
  return parsed;
}

function days(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0) || !Number.isFinite(parsed))
    throw new Error(`--records-retention must be a positive number of days (e.g. 7, or 0.5 for 12 hours), got "${value}"`);
  return parsed;
}

function stopOnSignals(cloud: LocalCloud): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local cloud...`);
    cloud.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error while stopping: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Known failures (a port taken, no cdk.out, no local cloud to ask) are one line; DEBUG=1 adds the stack.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`local cloud: ${message}`);
  if (!(error instanceof PortError) && !(error instanceof ControlClientError) && process.env.DEBUG) console.error(error);
  process.exit(1);
});
