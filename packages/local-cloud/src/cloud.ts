/**
 * The local cloud, composed: emulators, the edge endpoint, the stack's
 * resources, functions, rules, queues, event source mappings and the REST API,
 * Cognito user pools and the API's authorizers, and the edge's control
 * endpoints (`/_local/schedules`, `/_local/cognito/users`).
 * `startLocalCloud` is what `npm start` (cli.ts) and the e2e suite call.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startApiGateway, type ApiGatewayServer } from './apigateway/server';
import type { JSONWebKeySet } from 'jose';
import { loadAssembly } from './assembly/load';
import type { ChaosEngine } from './chaos/engine';
import { CognitoService } from './cognito';
import { CONSOLE_PATH, consoleHandler } from './console/server';
import { ConsoleState } from './console/state';
import { cognitoControl } from './cognito/control';
import { cognitoNotEmulated } from './cognito/features';
import { DynamoDbLayer } from './dynamodb/layer';
import { streamedTablesOf } from './dynamodb/streams';
import { startEdge, type Edge } from './edge/server';
import { startEmulators, type Emulators } from './emulators';
import { EventSourceMappings } from './event-source-mappings/mappings';
import { EventBridgeService } from './eventbridge/service';
import { schedulesControl } from './eventbridge/schedules';
import { LambdaRuntime, readFunctions, type LocalFunction } from './lambda/runtime';
import { PROVISIONED_TYPES, provision, unsupportedResources, type NotEmulatedFeature } from './provision';
import { SqsService } from './sqs/service';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type EdgeHandler, type LocalStack, type Stoppable } from './types';

export interface LocalCloudOptions {
  /**
   * The cloud assembly `cdk synth` wrote (default `cdk.out`). `null` serves no
   * app: only the AWS services behind the edge, for tests that create their own
   * tables, streams and buckets with the SDK.
   */
  readonly assemblyDir?: string | null;
  /** Which stack to serve when the assembly has several (default: the only one, or the first). */
  readonly stackName?: string;
  /** REST API port (default 3000; 0 for any free port). */
  readonly apiPort?: number;
  /** Edge (AWS endpoint) port (default 4566; 0 for any free port). */
  readonly edgePort?: number;
  /** Interface every server listens on (default 127.0.0.1: nothing is exposed to the network). */
  readonly host?: string;
  /** Keep emulator data here between runs (in memory when absent). */
  readonly dataDir?: string;
  /** Where invocation records and outputs.json are written (default `.local-cloud`). */
  readonly stateDir?: string;
  /** Function output, REPORT lines and notes (default: stdout). */
  readonly log?: (line: string) => void;
  /** First delay between asynchronous retries (default 1 s; tests use less). */
  readonly retryBaseDelayMs?: number;
  /** Most worker processes (execution environments) per function; see `LambdaRuntimeOptions`. */
  readonly maxWorkersPerFunction?: number;
  /** Progress while starting, one line a step (default: nothing). */
  readonly progress?: (step: string) => void;
  /**
   * Handlers the edge consults first for a service's calls (by SigV4 service
   * name, e.g. `events`), before the local cloud's own; one that answers
   * `undefined` passes the call on. For tests that observe or fail calls.
   */
  readonly interceptors?: Readonly<Record<string, EdgeHandler>>;
}

/** A template resource type the local cloud does not emulate, with its resources. */
export interface NotEmulated {
  readonly type: string;
  readonly logicalIds: readonly string[];
}

export interface LocalCloud extends Stoppable {
  readonly stack: LocalStack;
  /** Base URL of the REST API (routes at its root: `POST {apiUrl}/users`). */
  readonly apiUrl: string;
  /** The one AWS endpoint: set `AWS_ENDPOINT_URL` to it. */
  readonly edgeUrl: string;
  /** The local console, a web page on the edge (`<edgeUrl>/_console`): resources, invocations, events, DLQs, tables, chaos. */
  readonly consoleUrl: string;
  /** API key values by key name (send as `x-api-key`). */
  readonly apiKeys: Readonly<Record<string, string>>;
  /** The stack's outputs resolved locally, with `ApiUrl` pointing at the local API. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly functions: readonly LocalFunction[];
  readonly emulators: Emulators;
  readonly lambda: LambdaRuntime;
  readonly events: EventBridgeService;
  readonly sqs: SqsService;
  readonly dynamodb: DynamoDbLayer;
  readonly mappings: EventSourceMappings;
  readonly api: ApiGatewayServer;
  /** The user pools (`cognito-idp` at the edge; tokens, codes and JWKS for tests). */
  readonly cognito: CognitoService;
  /** Fault injection (LocalStack's Chaos API, also at `/_localstack/chaos/...`): rules and effects for tests. */
  readonly chaos: ChaosEngine;
  /** Resource types with no local behaviour (IAM is not enforced, alarms never fire...). */
  readonly notEmulated: readonly NotEmulated[];
  /** Properties of emulated resources that are not honoured locally (e.g. bucket lifecycle). */
  readonly featuresNotEmulated: readonly NotEmulatedFeature[];
  /** Where each invocation's REPORT record is appended (NDJSON; read by `npm run optimize -- --source local`). */
  readonly recordsFile: string;
  /** Resolves when no asynchronous work is left: rule targets, async invocations, stream batches. */
  idle(): Promise<void>;
}

/** Types whose behaviour the local cloud provides. */
const EMULATED_TYPES = [
  ...PROVISIONED_TYPES,
  'AWS::Lambda::Function',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::SQS::Queue',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::ApiKey',
  'AWS::ApiGateway::UsagePlan',
  'AWS::ApiGateway::UsagePlanKey',
  'AWS::ApiGateway::Authorizer',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolClient',
  'AWS::Cognito::UserPoolGroup',
  'AWS::Cognito::UserPoolResourceServer',
  'AWS::Cognito::UserPoolDomain',
];

/**
 * Starts everything for one stack of the assembly. If any step fails, what was
 * already started is stopped before the error is thrown (no orphan servers or
 * worker processes).
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const host = options.host ?? '127.0.0.1';
  const printLog = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let consoleState: ConsoleState | undefined; // the local console keeps the recent log lines
  const log = (line: string) => {
    printLog(line);
    consoleState?.logLine(line);
  };
  const progress = options.progress ?? (() => undefined);
  const stateDir = path.resolve(options.stateDir ?? '.local-cloud');
  mkdirSync(stateDir, { recursive: true });
  const started: Stoppable[] = [];
  const stopAll = async () => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined);
  };

  try {
    progress('starting emulators (dynalite, kinesalite, s3rver)');
    const emulators = await startEmulators({ dataDir: options.dataDir, host });
    started.push(emulators);

    const edge: Edge = await startEdge({
      port: options.edgePort ?? 4566,
      host,
      upstreams: { kinesis: emulators.kinesis, s3: emulators.s3 },
      portOption: '--edge-port',
    });
    started.push(edge);
    for (const [service, handler] of Object.entries(options.interceptors ?? {})) edge.use(service, handler);

    progress('reading the cloud assembly');
    const stack =
      options.assemblyDir === null
        ? noApp()
        : pickStack(loadAssembly(path.resolve(options.assemblyDir ?? 'cdk.out'), { edgeUrl: edge.url }), options.stackName);

    const dynamodb = new DynamoDbLayer({ dynalite: emulators.listeners.dynamodb, streamedTables: streamedTablesOf(stack) });
    edge.use('dynamodb', dynamodb.handler);

    progress('creating tables, buckets and streams');
    const provisioned = await provision(stack, emulators);

    const sqs = new SqsService({ stack, edgeUrl: edge.url });
    started.push(sqs);
    edge.use('sqs', sqs.handler);

    const recordsFile = path.join(stateDir, 'invocations.ndjson');
    const lambda = new LambdaRuntime({
      stack,
      endpointUrl: edge.url,
      queues: sqs,
      log,
      recordsFile,
      retryBaseDelayMs: options.retryBaseDelayMs,
      maxWorkersPerFunction: options.maxWorkersPerFunction,
      faults: edge.chaos,
    });
    started.push(lambda);

    const events = new EventBridgeService({
      stack,
      lambda,
      queues: sqs,
      log,
      retryBaseDelayMs: options.retryBaseDelayMs,
    });
    started.push(events);
    edge.use('events', events.handler);
    consoleState = new ConsoleState({ stack, lambda, events, sqs, chaos: edge.chaos });
    edge.usePage(CONSOLE_PATH, consoleHandler({ state: consoleState, port: edge.port, edgeUrl: edge.url }));
    // Schedules never fire on a timer locally; a developer fires one through the edge (`npm run local -- fire <rule>`).
    edge.useControl('schedules', schedulesControl(events, stack));

    const mappings = new EventSourceMappings({
      stack,
      invoker: lambda,
      queues: sqs,
      kinesisEndpoint: emulators.kinesis,
      dynamoDbStreams: dynamodb.streams,
      log,
    });
    await mappings.start();
    started.push(mappings);

    // Cognito user pools: unsigned calls (SignUp, InitiateAuth...), the pools' .well-known documents,
    // CORS preflights and the domains' token endpoints reach it by the edge's unsigned-route rule.
    const cognito = new CognitoService({
      stack,
      invoker: lambda,
      issuerBase: edge.url,
      dataDir: options.dataDir && path.resolve(options.dataDir),
      log,
    });
    edge.use('cognito-idp', cognito.handler);
    edge.useUnsignedRoute((request) => (cognito.routes(request) ? 'cognito-idp' : undefined));
    let apiUrl: string | undefined = undefined;
    edge.useControl('cognito', cognitoControl(cognito, { apiUrl: () => apiUrl }));

    progress('serving the REST API');
    const api = await startApiGateway({
      stack,
      invoker: lambda,
      port: options.apiPort ?? 3000,
      host,
      issuerBase: edge.url,
      fetchJwks: async (url) => {
        const poolId = new URL(url).pathname.split('/').slice(-3)[0] ?? '';
        const jwks = cognito.jwks(decodeURIComponent(poolId));
        if (!jwks) throw new Error(`no local user pool serves ${url}`);
        return jwks as unknown as JSONWebKeySet;
      },
    });
    started.push(api);
    apiUrl = api.url;

    const outputs = { ...stack.outputs, ApiUrl: api.url };
    const notEmulated = unsupportedResources(stack, EMULATED_TYPES);
    writeFileSync(
      path.join(stateDir, 'outputs.json'),
      `${JSON.stringify({ apiUrl: api.url, edgeUrl: edge.url, apiKeys: api.apiKeys, outputs }, null, 2)}\n`,
    );

    const idle = async () => {
      // Each part can hand work to another (rule -> function -> stream -> function...):
      // settle until a whole round finds nothing pending.
      for (let round = 0; round < 50; round++) {
        const before = lambda.records().length + events.events().length;
        await Promise.all([events.idle(), lambda.idle(), mappings.idle()]);
        if (lambda.records().length + events.events().length === before) return;
      }
    };

    return {
      stack,
      apiUrl: api.url,
      edgeUrl: edge.url,
      consoleUrl: `${edge.url}${CONSOLE_PATH}`,
      apiKeys: api.apiKeys,
      outputs,
      functions: readFunctions(stack),
      emulators,
      lambda,
      events,
      sqs,
      dynamodb,
      mappings,
      api,
      cognito,
      chaos: edge.chaos,
      notEmulated: [...notEmulated, ...api.unsupported.map((what) => ({ type: 'AWS::ApiGateway::Method (part)', logicalIds: [what] }))],
      featuresNotEmulated: [...provisioned.notEmulated, ...cognitoNotEmulated(stack)],
      recordsFile,
      idle,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function pickStack(stacks: LocalStack[], name?: string): LocalStack {
  if (stacks.length === 0) throw new Error('The cloud assembly has no stack; run `npx cdk synth` first');
  if (!name) return stacks[0]!;
  const found = stacks.find((stack) => stack.stackName === name);
  if (!found) {
    throw new Error(`No stack ${name} in the assembly; it has: ${stacks.map((s) => s.stackName).join(', ')}`);
  }
  return found;
}

/** The stack of a local cloud that serves no app: the services alone. */
function noApp(): LocalStack {
  return {
    stackName: 'none',
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    assemblyDir: '',
    resources: [],
    outputs: {},
    byType: () => [],
    find: () => undefined,
  };
}
