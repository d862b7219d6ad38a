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
    `  ${cloud.functions.length} functions, ${emulated} resources emulated; not emulated: ${notEmulated} resources of ` +
      `${cloud.notEmulated.length} types (IAM, alarms...) and ${cloud.featuresNotEmulated.length} properties. --verbose lists everything.`,
  ];
}

function emulatedResources(cloud: LocalCloud) {
  return cloud.stack.resources.filter(
    (r) => !cloud.notEmulated.some((n) => n.logicalIds.includes(r.logicalId)) && r.type !== 'AWS::CDK::Metadata',
  );
}

/** The full tables: where everything is, and what is not emulated. */
export function describe(cloud: LocalCloud): string[] {
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
  lines.push('');
  table([
    ['endpoint', 'url'],
    ['REST API', cloud.apiUrl],
    ['AWS endpoint (edge)', `${cloud.edgeUrl}   export AWS_ENDPOINT_URL=${cloud.edgeUrl}`],
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
  const emulated = emulatedResources(cloud);
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
  lines.push('', `Invocation records: ${cloud.recordsFile}`);
  return lines;
}
