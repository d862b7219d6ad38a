/**
 * What `local-cloud up` (and the root's `npm start` / `npm run dev`) prints once
 * the cloud is up: a short summary — the API URL and how to make a first call,
 * the edge endpoint, counts of functions, resources and what is not emulated —
 * and, with `--verbose`, the full tables behind those counts (endpoints,
 * routes, functions, resources, schedules, everything not emulated).
 */
import type { LocalCloud } from './cloud';
import { formatSchedules } from './control-client';
import { scheduleViews } from './eventbridge/schedules';
import { formatTable } from './text-table';

export interface StartOutputOptions {
  /** Add the full tables (default false: the summary only). */
  readonly verbose?: boolean;
  /** How to run the CLI in the summary's hints (default `npm run local --`). */
  readonly cli?: string;
}

/** The summary, then (verbose) the tables, then where logs go. */
export function describeStart(cloud: LocalCloud, startMs: number, options: StartOutputOptions = {}): string {
  const lines = summary(cloud, startMs, options.cli ?? 'npm run local --');
  if (options.verbose) lines.push(...describe(cloud));
  lines.push('', "Function logs follow, prefixed with each function's name. Ctrl-C stops everything.", '');
  return lines.join('\n');
}

/** The few lines a newcomer needs: where the API is and how to call it. */
export function summary(cloud: LocalCloud, startMs: number, cli: string): string[] {
  const notEmulated = cloud.notEmulated.reduce((n, entry) => n + entry.logicalIds.length, 0);
  const emulated = emulatedResources(cloud).length;
  const edgePort = new URL(cloud.edgeUrl).port;
  const userCommand = `${cli} user you@example.com${edgePort === '4566' ? '' : ` --edge-port ${edgePort}`}`;
  return [
    '',
    `Local cloud for ${cloud.stack.stackName} is up (${(startMs / 1000).toFixed(1)} s).`,
    '',
    `  API   ${cloud.apiUrl}   (${cloud.api.routes.length} routes)`,
    `        first call: ${userCommand}   prints an id token and a ready-to-paste curl:`,
    `        curl -s ${cloud.apiUrl}/users/me -H "authorization: $ID_TOKEN"`,
    ...Object.entries(cloud.apiKeys).map(([name, value]) => `        API key ${name}: ${value}  (send as x-api-key)`),
    `  AWS   ${cloud.edgeUrl}   export AWS_ENDPOINT_URL=${cloud.edgeUrl}`,
    `  Console  ${cloud.consoleUrl}   (functions, invocations and logs, events, dead letters, tables, chaos rules)`,
    ...(cloud.openapiUrl ? [`  OpenAPI  ${cloud.openapiUrl}   (listed in the console: ${cloud.consoleUrl}#api)`] : []),
    `  ${cloud.functions.length} functions, ${emulated} resources emulated; not emulated: ${notEmulated} resources of ` +
      `${cloud.notEmulated.length} types and ${cloud.featuresNotEmulated.length} properties (no local behaviour, never served as if they worked):`,
    ...notEmulatedLines(cloud),
    `  --verbose prints every endpoint, route, function, resource and schedule.`,
  ];
}

/**
 * What the template has and the local cloud does not do, each with its detail: one line a
 * resource type (with its logical ids) or unsupported part, and one line a feature, the same
 * feature of several resources (tracing on every function...) naming them all.
 */
export function notEmulatedLines(cloud: LocalCloud): string[] {
  const lines: string[] = [];
  for (const { type, logicalIds, details } of cloud.notEmulated) {
    if (details) for (const detail of details) lines.push(`    ${type}: ${detail}`);
    else lines.push(`    ${type} x${logicalIds.length}: ${abbreviate(logicalIds)}`);
  }
  const features = new Map<string, string[]>();
  for (const { type, logicalId, feature, detail } of cloud.featuresNotEmulated) {
    const key = `${type}\u0000${feature}\u0000${detail}`;
    features.set(key, [...(features.get(key) ?? []), logicalId]);
  }
  for (const [key, logicalIds] of features) {
    const [type, feature, detail] = key.split('\u0000');
    lines.push(`    ${type} ${abbreviate(logicalIds)}: ${feature} (${detail})`);
  }
  return lines;
}

/** Up to four names, then how many more. */
function abbreviate(names: readonly string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;
}

function emulatedResources(cloud: LocalCloud) {
  return cloud.stack.resources.filter(
    (r) => !cloud.notEmulated.some((n) => n.logicalIds.includes(r.logicalId)) && r.type !== 'AWS::CDK::Metadata',
  );
}

/** The full tables: where everything is, and what is not emulated. */
export function describe(cloud: LocalCloud): string[] {
  const lines: string[] = [];
  const table = (rows: string[][]) => lines.push(...formatTable(rows));
  lines.push('');
  table([
    ['endpoint', 'url'],
    ['REST API', cloud.apiUrl],
    // Each API at its invoke URL with the stage (the first on the API port, others in LocalStack's form).
    ...cloud.api.apis.map((a) => [`  ${a.logicalId} (stage ${a.stage})`, a.url]),
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
    ['function', 'runtime', 'memory', 'timeout', 'local name'],
    ...cloud.functions.map((fn) => [
      fn.logicalId,
      fn.notRunnable ? `${fn.runtime} (not runnable)` : fn.runtime,
      `${fn.memorySizeMb} MB`,
      `${fn.timeoutSeconds} s`,
      fn.functionName,
    ]),
  ]);
  lines.push('', 'Resources:');
  const emulated = emulatedResources(cloud);
  const skip = new Set(['AWS::Lambda::Function', 'AWS::ApiGateway::Resource', 'AWS::ApiGateway::Method']);
  table([
    ['type', 'logical id', 'local name'],
    ...emulated.filter((r) => !skip.has(r.type)).map((r) => [r.type, r.logicalId, r.physicalId]),
  ]);
  lines.push('', 'Schedules:');
  lines.push(...formatSchedules(scheduleViews(cloud.events, cloud.stack), cloud.edgeUrl));
  lines.push('', `State: ${cloud.stateDir}   (invocation records: ${cloud.recordsFile})`);
  return lines;
}
