/**
 * The stack's REST API served locally (`http://localhost:3000`): the template's
 * resources and methods become routes, Lambda proxy integrations receive API Gateway's
 * proxy event (format 1.0), API keys are checked where a method requires one, and
 * API Gateway's own errors are answered as API Gateway answers them (status, body,
 * `x-amzn-ErrorType`), so that clients meet the same failures locally as on AWS.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT_ID, type LambdaInvoker, type LocalStack, type StackResource, type Stoppable } from './types';

export interface ApiGatewayOptions {
  readonly stack: LocalStack;
  readonly invoker: LambdaInvoker;
  /** Port to listen on; 0 picks a free one (the chosen one is in `url`). */
  readonly port: number;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Which REST API when the stack has several (logical or physical id); default the first. */
  readonly restApi?: string;
  /** API Gateway's integration timeout; default 29 s, or the integration's `TimeoutInMillis`. */
  readonly integrationTimeoutMs?: number;
  /** One line per request (method, path, status, time) and configuration notes. */
  readonly log?: (line: string) => void;
}

/** A route of the served API, as the template defines it. */
export interface ApiRoute {
  readonly httpMethod: string;
  readonly resourcePath: string;
  readonly apiKeyRequired: boolean;
  readonly integrationType: string;
  /** The function a Lambda proxy integration invokes (ARN, as the template resolves it). */
  readonly functionArn?: string;
}

export interface ApiGatewayServer extends Stoppable {
  /** Base URL; routes are served at its root with no stage prefix (`POST {url}/users`). */
  readonly url: string;
  /** The stage name the events report (`requestContext.stage`). */
  readonly stage: string;
  /** Every API key of the stack by name, with the value to send as `x-api-key` locally. */
  readonly apiKeys: Readonly<Record<string, string>>;
  readonly routes: readonly ApiRoute[];
  /** What the template asks for that this emulation does not do (authorizers, non-Lambda integrations). */
  readonly unsupported: readonly string[];
}

/** API Gateway's limit on a request payload. */
const PAYLOAD_LIMIT = 10 * 1024 * 1024;
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

interface Method {
  readonly httpMethod: string;
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly apiKeyRequired: boolean;
  readonly integration: Record<string, any>;
  readonly functionArn: string | undefined;
}

interface RouteNode {
  readonly literal: Map<string, RouteNode>;
  param?: { readonly name: string; readonly node: RouteNode };
  greedy?: { readonly name: string; readonly resourcePath: string };
  resourcePath?: string;
}

// API Gateway's default gateway responses, byte for byte (note the space in some bodies).
const MISSING_AUTH_TOKEN = { status: 403, body: '{"message":"Missing Authentication Token"}', errorType: 'MissingAuthenticationTokenException' };
const FORBIDDEN = { status: 403, body: '{"message":"Forbidden"}', errorType: 'ForbiddenException' };
const BAD_GATEWAY = { status: 502, body: '{"message": "Internal server error"}', errorType: 'InternalServerErrorException' };
const INTERNAL_ERROR = { status: 500, body: '{"message": "Internal server error"}', errorType: 'InternalServerErrorException' };
const TIMED_OUT = { status: 504, body: '{"message": "Endpoint request timed out"}', errorType: 'InternalServerErrorException' };
const REQUEST_TOO_LONG = { status: 413, body: '{"message": "Request Too Long"}', errorType: 'BadRequestException' };

/**
 * Starts serving the stack's REST API. Resolves once listening.
 *
 * Guarantees: an unknown path or method gets 403 `Missing Authentication Token`; a
 * method with `ApiKeyRequired` accepts only an enabled key attached to the API by a
 * usage plan (403 `Forbidden` otherwise); a Lambda error or a malformed proxy response
 * gets 502, an integration slower than 29 s gets 504, a payload over 10 MB gets 413; every
 * response carries `x-amzn-RequestId` and `x-amz-apigw-id`. OPTIONS is answered only by
 * OPTIONS methods of the template (CORS preflight is not invented).
 */
export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGatewayServer> {
  const { stack, invoker } = options;
  const log = options.log ?? (() => undefined);
  const apis = stack.byType('AWS::ApiGateway::RestApi');
  const api = options.restApi ? apis.find((a) => a.logicalId === options.restApi || a.physicalId === options.restApi) : apis[0];
  if (options.restApi && !api) throw new Error(`No AWS::ApiGateway::RestApi ${options.restApi} in stack ${stack.stackName}`);

  const model = api ? readApi(stack, api) : emptyModel();
  for (const note of model.unsupported) log(`[ApiGateway] not emulated: ${note}`);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`[ApiGateway] ${req.method} ${req.url} failed in the local gateway: ${String(error)}`);
      if (!res.headersSent) sendGatewayError(res, INTERNAL_ERROR, randomUUID(), apigwId());
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const { extendedRequestId, traceId } = requestIds(started);
    const httpMethod = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const done = (status: number) => log(`[ApiGateway] ${httpMethod} ${url.pathname} ${status} ${Date.now() - started} ms`);

    const body = await readBody(req);
    if (body === 'too-large') {
      res.writeHead(413, {
        'content-type': 'text; charset=utf-8',
        connection: 'close',
        'x-amzn-RequestId': requestId,
        'x-amz-apigw-id': extendedRequestId,
      });
      res.end(`HTTP content length exceeded ${PAYLOAD_LIMIT} bytes.`);
      return done(413);
    }

    const segments = url.pathname.split('/').filter((s) => s !== '').map(safeDecode);
    const matched = matchRoute(model.routes, segments);
    const method = matched && (model.methods.get(`${httpMethod} ${matched.resourcePath}`) ?? model.methods.get(`ANY ${matched.resourcePath}`));
    if (!matched || !method) {
      sendGatewayError(res, MISSING_AUTH_TOKEN, requestId, extendedRequestId);
      return done(MISSING_AUTH_TOKEN.status);
    }

    let apiKey: { value: string; id: string } | undefined;
    if (method.apiKeyRequired) {
      const sent = headerValue(req, 'x-api-key');
      apiKey = sent === undefined ? undefined : model.validKeys.get(sent);
      if (!apiKey) {
        sendGatewayError(res, FORBIDDEN, requestId, extendedRequestId);
        return done(FORBIDDEN.status);
      }
    }

    const type = String(method.integration.Type ?? '').toUpperCase();
    if (type === 'MOCK') {
      const status = sendMock(res, method, requestId, extendedRequestId);
      return done(status);
    }
    if (type !== 'AWS_PROXY' || !method.functionArn) {
      sendGatewayError(res, INTERNAL_ERROR, requestId, extendedRequestId);
      return done(INTERNAL_ERROR.status);
    }

    const event = proxyEvent({
      req,
      url,
      body,
      method,
      pathParameters: matched.params,
      requestId,
      extendedRequestId,
      traceId,
      started,
      apiKey,
      model,
      accountId: stack.accountId || LOCAL_ACCOUNT_ID,
      serverPort: (server.address() as AddressInfo | null)?.port ?? options.port,
    });

    const timeoutMs = Number(method.integration.TimeoutInMillis ?? options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      invoker.invoke(method.functionArn, event).then(
        (result) => ({ kind: 'result' as const, result }),
        (error: unknown) => ({ kind: 'failed' as const, error }),
      ),
      new Promise<{ kind: 'timeout' }>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs))),
    ]).finally(() => clearTimeout(timer));

    let failure: typeof BAD_GATEWAY | undefined;
    if (outcome.kind === 'timeout') {
      failure = TIMED_OUT;
    } else if (outcome.kind === 'failed') {
      log(`[ApiGateway] ${httpMethod} ${url.pathname}: cannot invoke ${method.functionArn}: ${String(outcome.error)}`);
      failure = INTERNAL_ERROR; // what API Gateway answers when it cannot invoke the function
    } else if (outcome.result.error) {
      const { errorType } = outcome.result.error;
      failure =
        errorType === 'TooManyRequestsException'
          ? INTERNAL_ERROR
          : errorType === 'RequestEntityTooLargeException'
            ? REQUEST_TOO_LONG
            : BAD_GATEWAY;
    }
    if (failure) {
      sendGatewayError(res, failure, requestId, extendedRequestId);
      return done(failure.status);
    }

    const response = outcome.kind === 'result' ? parseProxyResponse(outcome.result.payload) : undefined;
    if (!response) {
      log(`[ApiGateway] ${httpMethod} ${url.pathname}: Execution failed due to configuration error: Malformed Lambda proxy response`);
      sendGatewayError(res, BAD_GATEWAY, requestId, extendedRequestId);
      return done(BAD_GATEWAY.status);
    }
    sendProxyResponse(res, response, req, model.binaryMediaTypes, requestId, extendedRequestId, traceId);
    return done(response.statusCode);
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    stage: model.stage,
    apiKeys: model.apiKeys,
    routes: [...model.methods.values()].map((m) => ({
      httpMethod: m.httpMethod,
      resourcePath: m.resourcePath,
      apiKeyRequired: m.apiKeyRequired,
      integrationType: String(m.integration.Type ?? ''),
      ...(m.functionArn ? { functionArn: m.functionArn } : {}),
    })),
    unsupported: model.unsupported,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ------------------------------------------------------------------ the API model

interface ApiModel {
  readonly api: StackResource | undefined;
  readonly stage: string;
  readonly deploymentId: string;
  readonly stageVariables: Record<string, string> | null;
  readonly binaryMediaTypes: readonly string[];
  readonly methods: Map<string, Method>;
  readonly routes: RouteNode;
  readonly validKeys: Map<string, { value: string; id: string }>;
  readonly apiKeys: Record<string, string>;
  readonly unsupported: string[];
}

function emptyModel(): ApiModel {
  return {
    api: undefined,
    stage: 'local',
    deploymentId: 'local',
    stageVariables: null,
    binaryMediaTypes: [],
    methods: new Map(),
    routes: newNode(),
    validKeys: new Map(),
    apiKeys: {},
    unsupported: [],
  };
}

/** True when a resolved reference (Ref, GetAtt or a physical id) designates `resource`. */
function refersTo(value: unknown, resource: StackResource): boolean {
  return (
    typeof value === 'string' &&
    (value === resource.logicalId || value === resource.physicalId || Object.values(resource.attributes).includes(value))
  );
}

function readApi(stack: LocalStack, api: StackResource): ApiModel {
  const ofApi = (type: string) => stack.byType(type).filter((r) => refersTo(r.properties.RestApiId, api));
  const unsupported: string[] = [];

  // Resource tree: each resource's full path from its PathPart and parent chain.
  const resources = ofApi('AWS::ApiGateway::Resource');
  const isRoot = (ref: unknown) =>
    typeof ref === 'string' && (ref === api.attributes.RootResourceId || stack.find(ref)?.logicalId === api.logicalId);
  const pathCache = new Map<string, string>();
  const pathOf = (ref: unknown, depth = 0): string | undefined => {
    if (isRoot(ref)) return '/';
    const resource = resources.find((r) => refersTo(ref, r));
    if (!resource || depth > 100) return undefined;
    const cached = pathCache.get(resource.logicalId);
    if (cached) return cached;
    const parent = pathOf(resource.properties.ParentId, depth + 1);
    if (parent === undefined) return undefined;
    const full = `${parent === '/' ? '' : parent}/${String(resource.properties.PathPart)}`;
    pathCache.set(resource.logicalId, full);
    return full;
  };

  const methods = new Map<string, Method>();
  const routes = newNode();
  for (const m of ofApi('AWS::ApiGateway::Method')) {
    const p = m.properties;
    const resourcePath = pathOf(p.ResourceId);
    if (resourcePath === undefined) {
      unsupported.push(`${m.logicalId}: its ResourceId does not lead to the API's root`);
      continue;
    }
    const httpMethod = String(p.HttpMethod ?? 'ANY').toUpperCase();
    const integration = (p.Integration ?? {}) as Record<string, any>;
    const type = String(integration.Type ?? '').toUpperCase();
    const functionArn = type === 'AWS_PROXY' ? functionArnOf(integration.Uri) : undefined;
    if (type !== 'AWS_PROXY' && type !== 'MOCK') unsupported.push(`${httpMethod} ${resourcePath}: ${type || 'no'} integration (answered 500)`);
    else if (type === 'AWS_PROXY' && !functionArn) unsupported.push(`${httpMethod} ${resourcePath}: integration URI is not a Lambda function`);
    const authorization = String(p.AuthorizationType ?? 'NONE').toUpperCase();
    if (authorization !== 'NONE') unsupported.push(`${httpMethod} ${resourcePath}: ${authorization} authorization (requests are let through)`);
    const resourceId = isRoot(p.ResourceId) ? (api.attributes.RootResourceId ?? 'root') : (stack.find(String(p.ResourceId))?.physicalId ?? String(p.ResourceId));
    methods.set(`${httpMethod} ${resourcePath}`, {
      httpMethod,
      resourcePath,
      resourceId,
      apiKeyRequired: p.ApiKeyRequired === true || p.ApiKeyRequired === 'true',
      integration,
      functionArn,
    });
    addRoute(routes, resourcePath);
  }

  // Stage: the Stage resource of this API, or a Deployment's StageName.
  const stageResource = ofApi('AWS::ApiGateway::Stage')[0];
  const deployment = ofApi('AWS::ApiGateway::Deployment')[0];
  const stage = String(stageResource?.properties.StageName ?? deployment?.properties.StageName ?? 'local');
  const variables = stageResource?.properties.Variables as Record<string, unknown> | undefined;

  // API keys: a key is accepted when it is enabled and a usage plan of this API holds it.
  const apiKeys: Record<string, string> = {};
  const validKeys = new Map<string, { value: string; id: string }>();
  const plans = stack
    .byType('AWS::ApiGateway::UsagePlan')
    .filter((plan) => {
      const stages = plan.properties.ApiStages as { ApiId?: unknown }[] | undefined;
      return !stages || stages.some((s) => refersTo(s.ApiId, api));
    });
  const planKeys = stack.byType('AWS::ApiGateway::UsagePlanKey').filter((k) => plans.some((plan) => refersTo(k.properties.UsagePlanId, plan)));
  for (const key of stack.byType('AWS::ApiGateway::ApiKey')) {
    const p = key.properties;
    const value =
      typeof p.Value === 'string' && p.Value !== ''
        ? p.Value
        : (key.attributes.Value ?? generatedKey(stack, key)); // assembly.ts derives the local value
    apiKeys[String(p.Name ?? key.physicalId ?? key.logicalId)] = value;
    const enabled = p.Enabled !== false && p.Enabled !== 'false';
    const attached =
      planKeys.some((k) => refersTo(k.properties.KeyId, key)) ||
      ((p.StageKeys as { RestApiId?: unknown }[] | undefined) ?? []).some((s) => refersTo(s.RestApiId, api));
    if (enabled && attached) validKeys.set(value, { value, id: key.physicalId || key.logicalId });
  }

  const binaryMediaTypes = ((api.properties.BinaryMediaTypes as unknown[] | undefined) ?? []).map((t) => String(t).replaceAll('~1', '/'));
  return {
    api,
    stage,
    deploymentId: deployment?.physicalId ?? 'local',
    stageVariables: variables ? Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])) : null,
    binaryMediaTypes,
    methods,
    routes,
    validKeys,
    apiKeys,
    unsupported,
  };
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations` → the function ARN. */
function functionArnOf(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri);
  return match?.[1];
}

/** A key value that stays the same across restarts of the same stack, so clients can keep it. */
function generatedKey(stack: LocalStack, key: StackResource): string {
  return createHash('sha256').update(`${stack.stackName}/${key.logicalId}`).digest('hex').slice(0, 40);
}

// ------------------------------------------------------------------ routing

function newNode(): RouteNode {
  return { literal: new Map() };
}

function addRoute(root: RouteNode, resourcePath: string): void {
  let node = root;
  for (const part of resourcePath.split('/').filter((s) => s !== '')) {
    const greedy = /^\{(.+)\+\}$/.exec(part);
    const param = /^\{(.+)\}$/.exec(part);
    if (greedy) {
      node.greedy = { name: greedy[1]!, resourcePath };
      return;
    }
    if (param) {
      node.param ??= { name: param[1]!, node: newNode() };
      node = node.param.node;
    } else {
      let next = node.literal.get(part);
      if (!next) node.literal.set(part, (next = newNode()));
      node = next;
    }
  }
  node.resourcePath = resourcePath;
}

/** API Gateway's precedence: a literal segment, then a `{param}`, then a greedy `{proxy+}`. */
function matchRoute(
  node: RouteNode,
  segments: readonly string[],
  index = 0,
  params: Record<string, string> = {},
): { resourcePath: string; params: Record<string, string> } | undefined {
  if (index === segments.length) return node.resourcePath ? { resourcePath: node.resourcePath, params } : undefined;
  const segment = segments[index]!;
  const literal = node.literal.get(segment);
  const viaLiteral = literal && matchRoute(literal, segments, index + 1, params);
  if (viaLiteral) return viaLiteral;
  const viaParam = node.param && matchRoute(node.param.node, segments, index + 1, { ...params, [node.param.name]: segment });
  if (viaParam) return viaParam;
  if (node.greedy) return { resourcePath: node.greedy.resourcePath, params: { ...params, [node.greedy.name]: segments.slice(index).join('/') } };
  return undefined;
}

// ------------------------------------------------------------------ requests

/** Reads the body; past API Gateway's 10 MB limit, drains the rest and reports it. */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > PAYLOAD_LIMIT;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > PAYLOAD_LIMIT) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Request headers with the client's casing: last value per name, and every value. */
function requestHeaders(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const names = new Map<string, string>();
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const raw = req.rawHeaders[i]!;
    const name = names.get(raw.toLowerCase()) ?? raw;
    names.set(raw.toLowerCase(), name);
    (multi[name] ??= []).push(req.rawHeaders[i + 1]!);
  }
  const single = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1)!]));
  return { single, multi };
}

function mediaTypeMatches(contentType: string | undefined, patterns: readonly string[]): boolean {
  if (!contentType) return false;
  const types = contentType.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  return patterns.some((pattern) => {
    const [pType, pSub] = pattern.toLowerCase().split('/');
    return types.some((t) => {
      const [type, sub] = t.split('/');
      return (pType === '*' || pType === type) && (pSub === '*' || pSub === sub);
    });
  });
}

interface EventInput {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly method: Method;
  readonly pathParameters: Record<string, string>;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly traceId: string;
  readonly started: number;
  readonly apiKey: { value: string; id: string } | undefined;
  readonly model: ApiModel;
  readonly accountId: string;
  readonly serverPort: number;
}

/** API Gateway's Lambda proxy event (payload format 1.0) for one request. */
function proxyEvent(input: EventInput): Record<string, unknown> {
  const { req, url, body, method, model } = input;
  const { single, multi } = requestHeaders(req);
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const { traceId } = input;
  const forwardedFor = headerValue(req, 'x-forwarded-for');
  const added: Record<string, string> = {
    'X-Forwarded-For': forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp,
    'X-Forwarded-Port': String(input.serverPort),
    'X-Forwarded-Proto': 'http',
    'X-Amzn-Trace-Id': traceId,
  };
  for (const [name, value] of Object.entries(added)) {
    const existing = Object.keys(single).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing) {
      delete single[existing];
      delete multi[existing];
    }
    single[name] = value;
    multi[name] = [value];
  }

  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  const hasQuery = Object.keys(query).length > 0;

  const binary = mediaTypeMatches(headerValue(req, 'content-type'), model.binaryMediaTypes);
  const path = url.pathname.split('/').map(safeDecode).join('/');
  const host = headerValue(req, 'host') ?? `localhost:${input.serverPort}`;
  const domainName = host.replace(/:\d+$/, '');

  return {
    resource: method.resourcePath,
    path,
    httpMethod: (req.method ?? 'GET').toUpperCase(),
    headers: single,
    multiValueHeaders: multi,
    queryStringParameters: hasQuery ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.at(-1)!])) : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: Object.keys(input.pathParameters).length > 0 ? input.pathParameters : null,
    stageVariables: model.stageVariables,
    requestContext: {
      resourceId: method.resourceId,
      resourcePath: method.resourcePath,
      httpMethod: (req.method ?? 'GET').toUpperCase(),
      extendedRequestId: input.extendedRequestId,
      requestTime: requestTime(new Date(input.started)),
      path: `/${model.stage}${path}`,
      accountId: input.accountId,
      protocol: `HTTP/${req.httpVersion}`,
      stage: model.stage,
      domainPrefix: domainName.split('.')[0],
      requestTimeEpoch: input.started,
      requestId: input.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: headerValue(req, 'user-agent') ?? null,
        user: null,
        ...(input.apiKey ? { apiKey: input.apiKey.value, apiKeyId: input.apiKey.id } : {}),
      },
      domainName,
      deploymentId: model.deploymentId,
      apiId: model.api?.physicalId ?? 'local',
    },
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: body.length > 0 && binary,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `$context.requestTime`: `27/Nov/2026:10:15:30 +0000`. */
function requestTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** `x-amz-apigw-id` / `extendedRequestId`: 16 characters of base64, like `IOIGVEoIrPEFfJg=`. */
function apigwId(): string {
  return randomBytes(11).toString('base64');
}

/** A request's `extendedRequestId` and X-Ray trace id (`Root=1-<epoch hex>-<24 hex>`), from one draw of randomness. */
function requestIds(started: number): { extendedRequestId: string; traceId: string } {
  const random = randomBytes(23);
  return {
    extendedRequestId: random.subarray(0, 11).toString('base64'),
    traceId: `Root=1-${Math.floor(started / 1000).toString(16)}-${random.subarray(11).toString('hex')}`,
  };
}

// ------------------------------------------------------------------ responses

interface ProxyResponse {
  readonly statusCode: number;
  readonly headers: Map<string, { name: string; values: string[] }>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The function's answer read as API Gateway reads it; undefined when API Gateway would call it malformed. */
function parseProxyResponse(payload: unknown): ProxyResponse | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const statusCode = typeof p.statusCode === 'string' && /^\d+$/.test(p.statusCode) ? Number(p.statusCode) : p.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (p.body !== undefined && p.body !== null && typeof p.body !== 'string') return undefined;
  if (p.isBase64Encoded !== undefined && p.isBase64Encoded !== null && typeof p.isBase64Encoded !== 'boolean') return undefined;

  const headers = new Map<string, { name: string; values: string[] }>();
  if (p.headers !== undefined && p.headers !== null) {
    if (typeof p.headers !== 'object' || Array.isArray(p.headers)) return undefined;
    for (const [name, value] of Object.entries(p.headers)) {
      if (value === null) continue;
      if (!isScalar(value)) return undefined;
      headers.set(name.toLowerCase(), { name, values: [String(value)] });
    }
  }
  if (p.multiValueHeaders !== undefined && p.multiValueHeaders !== null) {
    if (typeof p.multiValueHeaders !== 'object' || Array.isArray(p.multiValueHeaders)) return undefined;
    for (const [name, values] of Object.entries(p.multiValueHeaders)) {
      if (values === null) continue;
      if (!Array.isArray(values) || !values.every(isScalar)) return undefined;
      // A header in both maps: API Gateway keeps the multi-value list.
      headers.set(name.toLowerCase(), { name, values: values.map(String) });
    }
  }
  return { statusCode, headers, body: (p.body as string | null | undefined) ?? '', isBase64Encoded: p.isBase64Encoded === true };
}

function sendProxyResponse(
  res: ServerResponse,
  response: ProxyResponse,
  req: IncomingMessage,
  binaryMediaTypes: readonly string[],
  requestId: string,
  extendedRequestId: string,
  traceId: string,
): void {
  const contentType = response.headers.get('content-type')?.values[0];
  // As on AWS, a base64 body is decoded only for a binary media type of the API.
  const decode =
    response.isBase64Encoded &&
    (mediaTypeMatches(headerValue(req, 'accept'), binaryMediaTypes) || mediaTypeMatches(contentType, binaryMediaTypes));
  const body = decode ? Buffer.from(response.body, 'base64') : Buffer.from(response.body, 'utf8');
  for (const { name, values } of response.headers.values()) {
    if (['content-length', 'connection', 'transfer-encoding'].includes(name.toLowerCase())) continue;
    res.setHeader(name, values.length === 1 ? values[0]! : values);
  }
  if (!contentType) res.setHeader('Content-Type', 'application/json');
  res.setHeader('x-amzn-RequestId', requestId);
  res.setHeader('x-amz-apigw-id', extendedRequestId);
  res.setHeader('X-Amzn-Trace-Id', `${traceId};Sampled=0`);
  res.setHeader('Content-Length', body.length);
  res.statusCode = response.statusCode;
  res.end(body);
}

function sendGatewayError(res: ServerResponse, error: { status: number; body: string; errorType: string }, requestId: string, extendedRequestId: string): void {
  res.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(error.body),
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': error.errorType,
    'x-amz-apigw-id': extendedRequestId,
  });
  res.end(error.body);
}

/** A MOCK integration (CORS preflight from `defaultCorsPreflightOptions`): its default integration response. */
function sendMock(res: ServerResponse, method: Method, requestId: string, extendedRequestId: string): number {
  const responses = (method.integration.IntegrationResponses ?? []) as Record<string, any>[];
  const chosen = responses.find((r) => !r.SelectionPattern) ?? responses[0];
  const status = Number(chosen?.StatusCode ?? 200);
  for (const [key, value] of Object.entries((chosen?.ResponseParameters ?? {}) as Record<string, unknown>)) {
    const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
    const literal = typeof value === 'string' ? /^'(.*)'$/s.exec(value)?.[1] : undefined;
    if (name && literal !== undefined) res.setHeader(name, literal);
  }
  const template = (chosen?.ResponseTemplates as Record<string, unknown> | undefined)?.['application/json'];
  const body = typeof template === 'string' && !/[$#]/.test(template) ? template : '';
  if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/json');
  res.setHeader('x-amzn-RequestId', requestId);
  res.setHeader('x-amz-apigw-id', extendedRequestId);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.statusCode = status;
  res.end(body);
  return status;
}
