/**
 * The stack's REST APIs served locally (`http://localhost:3000`): the template's
 * resources and methods become routes; every integration type is called as API
 * Gateway calls it (integrations/); API keys are checked where a method requires
 * one, and API Gateway's own errors are answered as API Gateway answers them
 * (status, body, `x-amzn-ErrorType`), so that clients meet the same failures
 * locally as on AWS. Each method's authorization (Cognito user pools, Lambda
 * TOKEN / REQUEST) is enforced by `authorizers/` before any integration; what is
 * not emulated is refused, never let through. Which API a request is for, and
 * where the stage path and LocalStack's URL forms are served: dispatch.ts.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT_ID, type LambdaInvoker, type LocalStack, type Stoppable } from '../types';
import { Authorizers, methodArn, type AuthRequest, type AuthorizersOptions } from './authorizers';
import { resolveApi } from './dispatch';
import { integrate } from './integrations';
import { emptyModel, readApi, type ApiModel } from './model';
import { apigwId, headerValue, PAYLOAD_LIMIT, proxyEvent, readBody, requestIds } from './proxy-event';
import { FORBIDDEN, INTERNAL_ERROR, MISSING_AUTH_TOKEN, sendGatewayError } from './responses';
import { matchRoute } from './routing';

export interface ApiGatewayOptions {
  readonly stack: LocalStack;
  readonly invoker: LambdaInvoker;
  /** Port to listen on; 0 picks a free one (the chosen one is in `url`). */
  readonly port: number;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Which REST API is served at the root when the stack has several (logical or physical id); default the first. */
  readonly restApi?: string;
  /** The edge's URL, where AWS service integrations call the local services. */
  readonly edgeUrl?: string;
  /** API Gateway's integration timeout; default 29 s, or the integration's `TimeoutInMillis`. */
  readonly integrationTimeoutMs?: number;
  /** One line per request (method, path, status, time) and configuration notes. */
  readonly log?: (line: string) => void;
  /** The edge URL: a local user pool's token issuer is `<issuerBase>/<poolId>` (default `http://localhost:4566`). */
  readonly issuerBase?: string;
  /** Hands over a pool's JWKS by its URL without HTTP (the local Cognito in the same process); default: fetched. */
  readonly fetchJwks?: AuthorizersOptions['fetchJwks'];
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

/** One REST API of the stack and where it is served. */
export interface ServedApi {
  readonly logicalId: string;
  /** The API id (`<id>.execute-api...`). */
  readonly id: string;
  readonly stage: string;
  /** The invoke URL with its stage, as on AWS (`{base}/prod/`); the root API's on the API port, others in LocalStack's form. */
  readonly url: string;
  /** LocalStack's form on the API port: `{base}/restapis/<id>/<stage>/_user_request_/`. */
  readonly userRequestUrl: string;
  readonly routes: readonly ApiRoute[];
}

export interface ApiGatewayServer extends Stoppable {
  /** Base URL of the root API; its routes are served at the root (`POST {url}/users`) and under its stage (`{url}/prod/users`). */
  readonly url: string;
  /** The stage name the events report (`requestContext.stage`). */
  readonly stage: string;
  /** Every API key of the stack by name, with the value to send as `x-api-key` locally. */
  readonly apiKeys: Readonly<Record<string, string>>;
  readonly routes: readonly ApiRoute[];
  /** What the template asks for that this emulation does not do (refused authorizers, integrations), every API's. */
  readonly unsupported: readonly string[];
  /** Every REST API of the stack, the root one first. */
  readonly apis: readonly ServedApi[];
  /** Serves one request (the edge hands LocalStack's URL forms here). */
  readonly listener: http.RequestListener;
}

const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

/**
 * Starts serving the stack's REST API. Resolves once listening.
 *
 * Guarantees: an unknown path or method gets 403 `Missing Authentication Token`; then
 * the method's authorizer decides (its refusal answered as API Gateway does); a
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

  const models: ApiModel[] = [api, ...apis.filter((a) => a !== api)].flatMap((a) => (a ? [readApi(stack, a)] : []));
  const defaultModel = models[0] ?? emptyModel();
  const unsupported = models.flatMap((m) => m.unsupported.map((note) => (models.length > 1 ? `${m.api?.logicalId}: ${note}` : note)));
  for (const note of unsupported) log(`[ApiGateway] not emulated: ${note}`);
  const deps = {
    stack,
    invoker,
    edgeUrl: options.edgeUrl,
    timeoutMs: options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS,
    log,
  };
  const authorizers = new Authorizers({
    invoker,
    issuerBase: options.issuerBase ?? 'http://localhost:4566',
    ...(options.fetchJwks ? { fetchJwks: options.fetchJwks } : {}),
  });

  const listener: http.RequestListener = (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`[ApiGateway] ${req.method} ${req.url} failed in the local gateway: ${String(error)}`);
      if (!res.headersSent) sendGatewayError(res, INTERNAL_ERROR, randomUUID(), apigwId());
      else res.destroy();
    });
  };
  const server = http.createServer(listener);

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

    const target = resolveApi(models, defaultModel, url.pathname, headerValue(req, 'host'));
    const model = target?.model ?? defaultModel;
    const matched = target && matchRoute(model.routes, target.segments);
    const method =
      matched && (model.methods.get(`${httpMethod} ${matched.resourcePath}`) ?? model.methods.get(`ANY ${matched.resourcePath}`));
    if (!target || !matched || !method) {
      sendGatewayError(res, MISSING_AUTH_TOKEN, requestId, extendedRequestId);
      return done(MISSING_AUTH_TOKEN.status);
    }

    // The event as the authorizer sees it (API Gateway authorizes before it checks the API key).
    const accountId = stack.accountId || LOCAL_ACCOUNT_ID;
    const apiUrl = new URL(url);
    apiUrl.pathname = target.rawPath;
    const event = proxyEvent({
      req,
      url: apiUrl,
      body,
      method,
      pathParameters: matched.params,
      requestId,
      extendedRequestId,
      traceId,
      started,
      apiKey: undefined,
      model,
      accountId,
      serverPort: (server.address() as AddressInfo | null)?.port ?? options.port,
    });
    const arn = methodArn({
      region: stack.region,
      accountId,
      apiId: model.api?.physicalId ?? 'local',
      stage: model.stage,
      httpMethod,
      path: apiUrl.pathname,
    });
    const auth = await authorizers.authorize(method.auth, { ...(event as unknown as Omit<AuthRequest, 'methodArn'>), methodArn: arn });
    if (!auth.ok) {
      log(`[ApiGateway] ${httpMethod} ${url.pathname}: not authorized: ${auth.reason}`);
      sendGatewayError(res, auth, requestId, extendedRequestId);
      return done(auth.status);
    }

    let apiKey: { value: string; id: string } | undefined;
    if (method.apiKeyRequired) {
      const sent = model.apiKeySource === 'AUTHORIZER' ? auth.usageIdentifierKey : headerValue(req, 'x-api-key');
      apiKey = sent === undefined ? undefined : model.validKeys.get(sent);
      if (!apiKey) {
        sendGatewayError(res, FORBIDDEN, requestId, extendedRequestId);
        return done(FORBIDDEN.status);
      }
    }
    const requestContext = event.requestContext as Record<string, any>;
    if (apiKey) Object.assign(requestContext.identity, { apiKey: apiKey.value, apiKeyId: apiKey.id });
    if (auth.authorizer !== undefined) requestContext.authorizer = auth.authorizer;

    const status = await integrate(
      { req, res, model, method, body, event, requestId, extendedRequestId, traceId, where: `${httpMethod} ${url.pathname}` },
      deps,
      method.kind,
    );
    return done(status);
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

  const base = `http://${urlHost}:${port}`;
  const routesOf = (model: ApiModel): ApiRoute[] =>
    [...model.methods.values()].map((m) => ({
      httpMethod: m.httpMethod,
      resourcePath: m.resourcePath,
      apiKeyRequired: m.apiKeyRequired,
      integrationType: String(m.integration.Type ?? ''),
      ...(m.functionArn ? { functionArn: m.functionArn } : {}),
    }));
  const served = models.map((model, index): ServedApi => {
    const id = model.api?.physicalId ?? 'local';
    const userRequestUrl = `${base}/restapis/${id}/${encodeURIComponent(model.stage)}/_user_request_/`;
    return {
      logicalId: model.api?.logicalId ?? '',
      id,
      stage: model.stage,
      url: index === 0 ? `${base}/${encodeURIComponent(model.stage)}/` : userRequestUrl,
      userRequestUrl,
      routes: routesOf(model),
    };
  });

  return {
    url: base,
    stage: defaultModel.stage,
    apiKeys: Object.assign({}, ...models.map((m) => m.apiKeys)) as Record<string, string>,
    routes: routesOf(defaultModel),
    unsupported,
    apis: served,
    listener,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
