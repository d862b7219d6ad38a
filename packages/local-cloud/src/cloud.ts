/**
 * The local cloud, composed: emulators, the edge endpoint, the stack's
 * resources, functions, rules, queues, event source mappings and the REST API,
 * Cognito user pools and the API's authorizers, and the edge's control
 * endpoints (`/_local/schedules`, `/_local/cognito/users`).
 * `startLocalCloud` is what `npm start` (cli.ts) and the e2e suite call.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import * as path from 'node:path';
import { executeApiHandler, executeApiRoute, localOutputs } from './apigateway/edge-route';
import { startApiGateway, type ApiGatewayServer } from './apigateway/server';
import type { JSONWebKeySet } from 'jose';
import { loadAssembly } from './assembly/load';
import type { ChaosEngine } from './chaos/engine';
import { CognitoService } from './cognito';
import { CONSOLE_PATH, consoleHandler } from './console/server';
import { OPENAPI_PATH, readOpenApi } from './console/openapi';
import { ConsoleState } from './console/state';
import { cognitoControl } from './cognito/control';
import { cognitoNotEmulated } from './cognito/features';
import { DynamoDbLayer } from './dynamodb/layer';
import { streamedTablesOf } from './dynamodb/streams';
import { ttlTablesOf } from './dynamodb/ttl';
import { startEdge, type Edge } from './edge/server';
import { startEmulators, type Emulators } from './emulators';
import { FileCheckpoints } from './event-source-mappings/checkpoints';
import { EventSourceMappings } from './event-source-mappings/mappings';
import { EventBridgeService } from './eventbridge/service';
import { schedulesControl } from './eventbridge/schedules';
import { LambdaRuntime, type LocalFunction, type RecordsRetention } from './lambda/runtime';
import { functionsNotEmulated } from './lambda/not-emulated';
import { tracingNotEmulated } from './assembly/tracing';
import { PROVISIONED_TYPES, provision, unsupportedResources, type NotEmulatedFeature } from './provision';
import { SnsService } from './sns/service';
import { SqsService } from './sqs/service';
import { LambdaApi } from './lambda-api/service';
import { LogsService } from './logs/service';
import { logsNotEmulated } from './logs/features';
import { CloudWatchService } from './cloudwatch/service';
import { stsHandlers } from './sts/service';
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
  /**
   * Where invocation records, outputs.json and inline code are written. Default: `dataDir`
   * when given (everything the cloud writes is then inside it), else `.local-cloud/` next to
   * the assembly (`<app>/cdk.out` -> `<app>/.local-cloud`), so each app keeps its own records.
   */
  readonly stateDir?: string;
  /**
   * How long and how many invocation records `<stateDir>/invocations.ndjson` keeps: pruned at
   * start and whenever it outgrows the cap by a tenth (default 7 days, the newest 100,000).
   */
  readonly recordsRetention?: RecordsRetention;
  /** Values for the template's parameters (`CfnParameter`), by name: `--parameters Name=Value`. */
  readonly parameters?: Readonly<Record<string, string>>;
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
  /**
   * Serve on these already running emulators and edge instead of starting new
   * ones; `stop()` then leaves them running (hot reload: reload.ts keeps the data).
   * `cognitoDataDir`: where the user pools keep users and keys across reloads.
   */
  readonly reuse?: { readonly emulators: Emulators; readonly edge: Edge; readonly cognitoDataDir?: string };
  /**
   * An OpenAPI document of the app (a JSON file), served at `<edgeUrl>/_console/openapi.json`
   * and listed in the console's API view. Checked at start (a missing or malformed file fails it).
   */
  readonly openapi?: string;
}

/** A template resource type the local cloud does not emulate, with its resources. */
export interface NotEmulated {
  readonly type: string;
  readonly logicalIds: readonly string[];
  /** What of the type is not emulated when it is a part (a method's integration), not every resource of it. */
  readonly details?: readonly string[];
}

export interface LocalCloud extends Stoppable {
  readonly stack: LocalStack;
  /** Base URL of the REST API (routes at its root: `POST {apiUrl}/users`). */
  readonly apiUrl: string;
  /** The one AWS endpoint: set `AWS_ENDPOINT_URL` to it. */
  readonly edgeUrl: string;
  /** The local console, a web page on the edge (`<edgeUrl>/_console`): resources, invocations, events, DLQs, tables, chaos. */
  readonly consoleUrl: string;
  /** The app's OpenAPI document on the edge (`<consoleUrl>/openapi.json`), when started with one (`openapi`). */
  readonly openapiUrl?: string;
  /** API key values by key name (send as `x-api-key`). */
  readonly apiKeys: Readonly<Record<string, string>>;
  /** The stack's outputs resolved locally, with `ApiUrl` pointing at the local API. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly functions: readonly LocalFunction[];
  readonly emulators: Emulators;
  readonly lambda: LambdaRuntime;
  readonly events: EventBridgeService;
  readonly sqs: SqsService;
  /** Topics and subscriptions (`sns` at the edge, AWS Query). */
  readonly sns: SnsService;
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
  /** The folder the cloud writes its state to (records, outputs.json, inline code); see `LocalCloudOptions.stateDir`. */
  readonly stateDir: string;
  /** Resolves when no asynchronous work is left: rule targets, async invocations, stream batches. */
  idle(): Promise<void>;
  /** The Lambda API at the edge (versions, aliases, invoke). */
  readonly lambdaApi: LambdaApi;
  /** CloudWatch Logs: each function's output in its log group. */
  readonly logs: LogsService;
  /** CloudWatch metrics: `AWS/Lambda`, EMF, PutMetricData. */
  readonly metrics: CloudWatchService;
}

/** Types whose behaviour the local cloud provides. */
const EMULATED_TYPES = [
  ...PROVISIONED_TYPES,
  'AWS::Lambda::Function',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::SNS::TopicPolicy',
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
  const assemblyDir = options.assemblyDir === null ? null : path.resolve(options.assemblyDir ?? 'cdk.out');
  const stateDir = defaultStateDir(options, assemblyDir);
  const openapiFile = options.openapi === undefined ? undefined : checkedOpenApi(options.openapi);
  mkdirSync(stateDir, { recursive: true });
  const started: Stoppable[] = [];
  const stopAll = async () => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined);
  };

  try {
    if (!options.reuse) progress('starting emulators (dynalite, kinesalite, s3rver)');
    const emulators = options.reuse?.emulators ?? (await startEmulators({ dataDir: options.dataDir, host }));
    if (!options.reuse) started.push(emulators);

    const edge: Edge =
      options.reuse?.edge ??
      (await startEdge({
        port: options.edgePort ?? 4566,
        host,
        upstreams: { kinesis: emulators.kinesis, s3: emulators.s3 },
        portOption: '--edge-port',
      }));
    if (!options.reuse) started.push(edge);
    for (const [service, handler] of Object.entries(options.interceptors ?? {})) edge.use(service, handler);

    progress('reading the cloud assembly');
    const stack =
      options.assemblyDir === null
        ? noApp()
        : pickStack(loadAssembly(assemblyDir!, { edgeUrl: edge.url, parameters: options.parameters }), options.stackName);

    const dynamodb = new DynamoDbLayer({
      dynalite: emulators.listeners.dynamodb,
      streamedTables: streamedTablesOf(stack),
      ttlTables: ttlTablesOf(stack),
    });
    edge.use('dynamodb', dynamodb.handler);
    dynamodb.ttl.start();
    started.push(dynamodb.ttl);

    progress('creating tables, buckets and streams');
    const provisioned = await provision(stack, emulators);

    const sqs = new SqsService({
      stack,
      edgeUrl: edge.url,
      ...(options.dataDir ? { dataDir: path.resolve(options.dataDir, 'sqs') } : {}),
    });
    started.push(sqs);
    edge.use('sqs', sqs.handler);

    const recordsFile = path.join(stateDir, 'invocations.ndjson');
    const lambda = new LambdaRuntime({
      stack,
      endpointUrl: edge.url,
      queues: sqs,
      log,
      recordsFile,
      recordsRetention: options.recordsRetention,
      retryBaseDelayMs: options.retryBaseDelayMs,
      maxWorkersPerFunction: options.maxWorkersPerFunction,
      faults: edge.chaos,
      codeDir: path.join(stateDir, 'code', stack.stackName),
    });
    started.push(lambda);

    // The AWS APIs developers reach for: Lambda, CloudWatch Logs and metrics, STS.
    const logs = new LogsService({ stack, functions: lambda.list() });
    lambda.observe(logs.observer);
    edge.use('logs', logs.handler);
    const metrics = new CloudWatchService();
    lambda.observe(metrics.observer);
    for (const handler of metrics.handlers) edge.use('monitoring', handler);
    const lambdaApi = new LambdaApi(stack, lambda);
    edge.use('lambda', lambdaApi.handler);
    for (const handler of stsHandlers()) edge.use('sts', handler);

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
    edge.usePage(CONSOLE_PATH, consoleHandler({ state: consoleState, port: edge.port, edgeUrl: edge.url, openapiFile }));
    // Schedules never fire on a timer locally; a developer fires one through the edge (`npm run local -- fire <rule>`).
    edge.useControl('schedules', schedulesControl(events, stack));

    const sns = new SnsService({ stack, edgeUrl: edge.url, queues: sqs, lambda, log });
    started.push(sns);
    edge.use('sns', sns.handler);
    edge.useUnsignedRoute((request) => (SnsService.routes(request) ? 'sns' : undefined));

    const mappings = new EventSourceMappings({
      stack,
      invoker: lambda,
      queues: sqs,
      sqs,
      ...(options.dataDir ? { checkpoints: new FileCheckpoints(path.resolve(options.dataDir, 'event-source-mappings')) } : {}),
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
      dataDir: options.reuse?.cognitoDataDir ?? (options.dataDir && path.resolve(options.dataDir)),
      log,
    });
    edge.use('cognito-idp', cognito.handler);
    edge.useUnsignedRoute((request) => (cognito.routes(request) ? 'cognito-idp' : undefined));
    let apiUrl: string | undefined = undefined;
    edge.useControl('cognito', cognitoControl(cognito, { apiUrl: () => apiUrl }));

    // The REST APIs in LocalStack's URL forms on the edge (`/restapis/<id>/<stage>/_user_request_/...`).
    const apiServer: { listener?: RequestListener } = {};
    edge.useUnsignedRoute(executeApiRoute);
    edge.use(
      'execute-api',
      executeApiHandler(() => apiServer.listener),
    );

    progress('serving the REST API');
    const api = await startApiGateway({
      stack,
      invoker: lambda,
      port: options.apiPort ?? 3000,
      host,
      issuerBase: edge.url,
      edgeUrl: edge.url,
      fetchJwks: async (url) => {
        const poolId = new URL(url).pathname.split('/').slice(-3)[0] ?? '';
        const jwks = cognito.jwks(decodeURIComponent(poolId));
        if (!jwks) throw new Error(`no local user pool serves ${url}`);
        return jwks as unknown as JSONWebKeySet;
      },
    });
    started.push(api);
    apiUrl = api.url;
    apiServer.listener = api.listener;

    const outputs = { ...localOutputs(stack.outputs, api.apis), ApiUrl: api.url };
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
        await Promise.all([events.idle(), lambda.idle(), mappings.idle(), sns.idle()]);
        if (lambda.records().length + events.events().length === before) return;
      }
    };

    return {
      stack,
      apiUrl: api.url,
      edgeUrl: edge.url,
      consoleUrl: `${edge.url}${CONSOLE_PATH}`,
      ...(options.openapi ? { openapiUrl: `${edge.url}${CONSOLE_PATH}${OPENAPI_PATH}` } : {}),
      apiKeys: api.apiKeys,
      outputs,
      functions: lambda.list(),
      emulators,
      lambda,
      events,
      sqs,
      sns,
      dynamodb,
      mappings,
      api,
      cognito,
      chaos: edge.chaos,
      notEmulated: [
        ...notEmulated,
        ...(api.unsupported.length > 0 ? [{ type: 'AWS::ApiGateway::Method', logicalIds: [], details: [...api.unsupported] }] : []),
      ],
      featuresNotEmulated: [
        ...provisioned.notEmulated,
        ...cognitoNotEmulated(stack),
        ...functionsNotEmulated(stack, lambda.list()),
        ...tracingNotEmulated(stack),
        ...logsNotEmulated(stack),
        ...sns.notEmulated.map(({ logicalId, detail }) => ({ logicalId, type: 'AWS::SNS::Subscription', feature: 'Protocol', detail })),
        ...mappings.skipped.map(({ logicalId, reason }) => ({
          logicalId,
          type: 'AWS::Lambda::EventSourceMapping',
          feature: 'EventSourceArn',
          detail: `not served: ${reason}`,
        })),
      ],
      recordsFile,
      stateDir,
      idle,
      lambdaApi,
      logs,
      metrics,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `stateDir`, else `dataDir`, else `.local-cloud` beside the assembly (the working folder's when no app is served). */
function defaultStateDir(options: LocalCloudOptions, assemblyDir: string | null): string {
  if (options.stateDir) return path.resolve(options.stateDir);
  if (options.dataDir) return path.resolve(options.dataDir);
  return assemblyDir === null ? path.resolve('.local-cloud') : path.join(path.dirname(assemblyDir), '.local-cloud');
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

/** The OpenAPI file, once it has been read and checked (a broken one fails the start). */
function checkedOpenApi(file: string): string {
  readOpenApi(file);
  return path.resolve(file);
}
