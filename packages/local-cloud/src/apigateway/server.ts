/**
 * The stack's REST API served locally (`http://localhost:3000`): the template's
 * resources and methods become routes, Lambda proxy integrations receive API Gateway's
 * proxy event (format 1.0), API keys are checked where a method requires one, and
 * API Gateway's own errors are answered as API Gateway answers them (status, body,
 * `x-amzn-ErrorType`), so that clients meet the same failures locally as on AWS.
 * Each method's authorization (Cognito user pools, Lambda TOKEN / REQUEST) is
 * enforced by `authorizers/`; what is not emulated is refused, never let through.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT_ID, type LambdaInvoker, type LocalStack, type Stoppable } from '../types';
import { Authorizers, methodArn, type AuthRequest, type AuthorizersOptions } from './authorizers';
import { emptyModel, readApi } from './model';
import { apigwId, headerValue, PAYLOAD_LIMIT, proxyEvent, readBody, requestIds, safeDecode } from './proxy-event';
import {
  BAD_GATEWAY,
  FORBIDDEN,
  INTERNAL_ERROR,
  MISSING_AUTH_TOKEN,
  parseProxyResponse,
  REQUEST_TOO_LONG,
  sendGatewayError,
  sendMock,
  sendProxyResponse,
  TIMED_OUT,
} from './responses';
import { matchRoute } from './routing';

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

export interface ApiGatewayServer extends Stoppable {
  /** Base URL; routes are served at its root with no stage prefix (`POST {url}/users`). */
  readonly url: string;
  /** The stage name the events report (`requestContext.stage`). */
  readonly stage: string;
  /** Every API key of the stack by name, with the value to send as `x-api-key` locally. */
  readonly apiKeys: Readonly<Record<string, string>>;
  readonly routes: readonly ApiRoute[];
  /** What the template asks for that this emulation does not do (refused authorizers, non-Lambda integrations). */
  readonly unsupported: readonly string[];
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

  const model = api ? readApi(stack, api) : emptyModel();
  for (const note of model.unsupported) log(`[ApiGateway] not emulated: ${note}`);
  const authorizers = new Authorizers({
    invoker,
    issuerBase: options.issuerBase ?? 'http://localhost:4566',
    ...(options.fetchJwks ? { fetchJwks: options.fetchJwks } : {}),
  });

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

    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map(safeDecode);
    const matched = matchRoute(model.routes, segments);
    const method =
      matched && (model.methods.get(`${httpMethod} ${matched.resourcePath}`) ?? model.methods.get(`ANY ${matched.resourcePath}`));
    if (!matched || !method) {
      sendGatewayError(res, MISSING_AUTH_TOKEN, requestId, extendedRequestId);
      return done(MISSING_AUTH_TOKEN.status);
    }

    // The event as the authorizer sees it (API Gateway authorizes before it checks the API key).
    const accountId = stack.accountId || LOCAL_ACCOUNT_ID;
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
      path: url.pathname,
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

    const type = String(method.integration.Type ?? '').toUpperCase();
    if (type === 'MOCK') {
      const status = sendMock(res, method, requestId, extendedRequestId);
      return done(status);
    }
    if (type !== 'AWS_PROXY' || !method.functionArn) {
      sendGatewayError(res, INTERNAL_ERROR, requestId, extendedRequestId);
      return done(INTERNAL_ERROR.status);
    }

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
