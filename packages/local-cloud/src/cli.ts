/**
 * `npm start` (= `cdk synth` then `local up`) and `npm run local -- <command>`.
 *
 *   up         serve cdk.out: prints the endpoints table, then every function's logs
 *              options: --api-port 3000 --edge-port 4566 --host 127.0.0.1
 *                       --data-dir DIR --assembly cdk.out --stack NAME --max-workers N
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
import { scheduleViews } from './eventbridge/schedules';
import { PortError } from './ports';

const USAGE = `usage: npm run local -- up [--api-port 3000] [--edge-port 4566] [--host 127.0.0.1]
                          [--data-dir DIR] [--assembly cdk.out] [--stack NAME] [--max-workers N]
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
  --max-workers  most worker processes per function (default: see packages/local-cloud/README.md)
  chaos          fault injection (LocalStack's Chaos API) in that local cloud: list the rules, add one,
                 set them all, clear them (and the latency), set the latency or the seed`;

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
    progress: (step) => console.log(`  ... ${step}`),
  });
  console.log(describe(cloud, Date.now() - started));
  stopOnSignals(cloud);
}

function port(value: string, option: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new Error(`${option} must be a port number, got "${value}"`);
  return parsed;
}

function positive(value: string, option: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${option} must be a whole number of at least 1, got "${value}"`);
  return parsed;
}

/** The endpoints table: where everything is, and what is not emulated. */
export function describe(cloud: LocalCloud, startMs: number): string {
  const lines: string[] = [];
  const table = (rows: string[][]) => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const [index, row] of rows.entries()) {
      lines.push(
        `  ${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}`,
      );
      if (index === 0) lines.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    }
  };
  lines.push('', `Local cloud for ${cloud.stack.stackName} is up (${startMs} ms).`, '');
  table([
    ['endpoint', 'url'],
    ['REST API', cloud.apiUrl],
    ['AWS endpoint (edge)', `${cloud.edgeUrl}   export AWS_ENDPOINT_URL=${cloud.edgeUrl}`],
    ['Console (browser)', cloud.consoleUrl],
    ['DynamoDB (dynalite)', `${cloud.emulators.dynamodb}   (through the edge: transactions, streams)`],
    ['Kinesis (kinesalite)', cloud.emulators.kinesis],
    ['S3 (s3rver)', cloud.emulators.s3],
  ]);
  for (const [name, value] of Object.entries(cloud.apiKeys)) lines.push(`  API key ${name}: ${value}  (send as x-api-key)`);
  lines.push('', 'Routes:');
  table([
    ['method', 'path', 'api key'],
    ...cloud.api.routes.map((r) => [r.httpMethod, r.resourcePath, r.apiKeyRequired ? 'required' : '']),
  ]);
  lines.push('', 'Functions:');
  table([
    ['function', 'memory', 'timeout', 'local name'],
    ...cloud.functions.map((fn) => [fn.logicalId, `${fn.memorySizeMb} MB`, `${fn.timeoutSeconds} s`, fn.functionName]),
  ]);
  lines.push('', 'Resources:');
  const emulated = cloud.stack.resources.filter(
    (r) => !cloud.notEmulated.some((n) => n.logicalIds.includes(r.logicalId)) && r.type !== 'AWS::CDK::Metadata',
  );
  const skip = new Set(['AWS::Lambda::Function', 'AWS::ApiGateway::Resource', 'AWS::ApiGateway::Method']);
  table([
    ['type', 'logical id', 'local name'],
    ...emulated.filter((r) => !skip.has(r.type)).map((r) => [r.type, r.logicalId, r.physicalId]),
  ]);
  lines.push('', 'Schedules:');
  lines.push(...formatSchedules(scheduleViews(cloud.events, cloud.stack), cloud.edgeUrl));
  lines.push('', 'Not emulated (present in the template, no local behaviour):');
  for (const { type, logicalIds } of cloud.notEmulated) lines.push(`  ${type} x${logicalIds.length}`);
  for (const feature of cloud.featuresNotEmulated) {
    lines.push(`  ${feature.type} ${feature.logicalId}: ${feature.feature} (${feature.detail})`);
  }
  lines.push(
    '',
    `Invocation records: ${cloud.recordsFile}`,
    "Function logs follow, prefixed with each function's name. Ctrl-C stops everything.",
    '',
  );
  return lines.join('\n');
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
