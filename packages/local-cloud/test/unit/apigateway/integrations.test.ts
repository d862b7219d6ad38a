/**
 * HTTP, HTTP_PROXY and MOCK integrations against a real local HTTP backend, the
 * method's authorizer enforced in front of each integration type, and the
 * integration options that are refused rather than served.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApiGateway, type ApiGatewayServer } from '../../../src/apigateway/server';
import type { InvokeResult, LambdaInvoker, StackResource } from '../../../src/types';
import { localStack } from '../../support/local-stack';

const API = 'api123';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const lambdaUri = (name: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn(name)}/invocations`;
const resource = (
  logicalId: string,
  type: string,
  properties: Record<string, any>,
  physicalId = logicalId,
  attributes = {},
): StackResource => ({
  logicalId,
  type,
  properties,
  physicalId,
  attributes,
  metadata: {},
});
const child = (id: string, part: string) =>
  resource(id, 'AWS::ApiGateway::Resource', { RestApiId: API, ParentId: 'root1', PathPart: part }, `res-${id}`);
const method = (id: string, httpMethod: string, resourceId: string, integration: Record<string, any>, extra: Record<string, any> = {}) =>
  resource(id, 'AWS::ApiGateway::Method', {
    RestApiId: API,
    ResourceId: resourceId,
    HttpMethod: httpMethod,
    AuthorizationType: 'NONE',
    Integration: integration,
    ...extra,
  });

const record = {
  timestamp: '',
  functionName: '',
  logicalId: '',
  requestId: 'r',
  memorySizeMb: 128,
  durationMs: 1,
  billedDurationMs: 1,
  maxMemoryUsedMb: 1,
  status: 'success' as const,
};

/** The TOKEN authorizer function: allows the token `allow`, denies any other. */
const invoker: LambdaInvoker = {
  async invoke(_ref: string, event: any): Promise<InvokeResult> {
    const effect = event.authorizationToken === 'allow' ? 'Allow' : 'Deny';
    return {
      record,
      payload: {
        principalId: 'u-1',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }] },
        context: { tier: 'gold' },
      },
    };
  },
  async invokeAsync() {},
};

let backend: http.Server;
let backendUrl: string;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let gateway: ApiGatewayServer;
const logs: string[] = [];

beforeAll(async () => {
  backend = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const status = req.url!.includes('missing') ? 404 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-backend': 'yes' });
      res.end(JSON.stringify({ got: req.url, status }));
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

  const stack = localStack([
    resource('Api', 'AWS::ApiGateway::RestApi', { Name: 'Api' }, API, { RootResourceId: 'root1' }),
    resource('Stage', 'AWS::ApiGateway::Stage', { RestApiId: API, StageName: 'prod', Variables: { backend: 'b1' } }, 'prod'),
    resource(
      'Tok',
      'AWS::ApiGateway::Authorizer',
      {
        RestApiId: API,
        Name: 'Tok',
        Type: 'TOKEN',
        AuthorizerUri: lambdaUri('Auth'),
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 0,
      },
      'az-Tok',
      { AuthorizerId: 'az-Tok' },
    ),
    child('Proxy', 'proxy'),
    resource('Greedy', 'AWS::ApiGateway::Resource', { RestApiId: API, ParentId: 'res-Proxy', PathPart: '{proxy+}' }, 'res-Greedy'),
    child('Mapped', 'mapped'),
    child('Mock', 'mock'),
    child('Guarded', 'guarded'),
    child('Converted', 'converted'),
    method('ProxyAny', 'ANY', 'res-Greedy', {
      Type: 'HTTP_PROXY',
      IntegrationHttpMethod: 'ANY',
      Uri: `${backendUrl}/up/{proxy}`,
      RequestParameters: {
        'integration.request.path.proxy': 'method.request.path.proxy',
        'integration.request.header.X-Stage': 'stageVariables.backend',
      },
    }),
    method('MappedPost', 'POST', 'res-Mapped', {
      Type: 'HTTP',
      IntegrationHttpMethod: 'PUT',
      Uri: `${backendUrl}/things/{id}`,
      RequestParameters: {
        'integration.request.path.id': 'method.request.querystring.id',
        'integration.request.header.X-Caller': "'gateway'",
      },
      RequestTemplates: { 'application/json': `{"wrapped":$input.json('$')}` },
      IntegrationResponses: [
        {
          StatusCode: '200',
          ResponseParameters: { 'method.response.header.X-From': 'integration.response.header.x-backend' },
          ResponseTemplates: { 'application/json': `{"backend":$input.json('$.got')}` },
        },
        { StatusCode: '404', SelectionPattern: '404', ResponseTemplates: { 'application/json': '{"message":"no such thing"}' } },
      ],
    }),
    method('MockGet', 'GET', 'res-Mock', { Type: 'MOCK', RequestTemplates: { 'application/json': '{"statusCode": 200}' } }),
    method(
      'GuardedGet',
      'GET',
      'res-Guarded',
      {
        Type: 'MOCK',
        RequestTemplates: { 'application/json': '{"statusCode": 200}' },
        IntegrationResponses: [{ StatusCode: '200', ResponseTemplates: { 'application/json': '{"tier":"$context.authorizer.tier"}' } }],
      },
      { AuthorizationType: 'CUSTOM', AuthorizerId: 'az-Tok' },
    ),
    method('ConvertedGet', 'GET', 'res-Converted', { Type: 'HTTP', Uri: `${backendUrl}/x`, ContentHandling: 'CONVERT_TO_BINARY' }),
  ]);
  gateway = await startApiGateway({ stack, invoker, port: 0, log: (line) => logs.push(line) });
});
afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => backend?.close(resolve));
});

describe('HTTP_PROXY', () => {
  it('forwards method, greedy path, query, headers and body, and answers with the backend as it is', async () => {
    const response = await fetch(`${gateway.url}/prod/proxy/a/b%20c?x=1&x=2`, {
      method: 'PATCH',
      headers: { 'x-client': 'c1' },
      body: 'raw body',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-backend')).toBe('yes');
    expect(await response.json()).toEqual({ got: '/up/a/b%20c?x=1&x=2', status: 200 });
    expect(seen.at(-1)).toMatchObject({ method: 'PATCH', body: 'raw body', headers: { 'x-client': 'c1', 'x-stage': 'b1' } });
  });
});

describe('HTTP (non-proxy)', () => {
  it('sends the rendered template with the mapped path and headers, and maps the answer', async () => {
    const response = await fetch(`${gateway.url}/mapped?id=t-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client': 'no' },
      body: '{"n":1}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-from')).toBe('yes');
    expect(await response.json()).toEqual({ backend: '/things/t-1' });
    const sent = seen.at(-1)!;
    expect(sent).toMatchObject({ method: 'PUT', body: '{"wrapped":{"n":1}}', headers: { 'x-caller': 'gateway' } });
    expect(sent.headers['x-client']).toBeUndefined(); // only mapped headers reach a non-proxy backend
  });

  it("selects the integration response by the backend's status code", async () => {
    const response = await fetch(`${gateway.url}/mapped?id=missing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'no such thing' });
  });
});

describe('MOCK', () => {
  it('answers 500 when no integration response matches and none is the default, as API Gateway does', async () => {
    const response = await fetch(`${gateway.url}/mock`);
    expect(response.status).toBe(500);
    expect(logs.some((l) => l.includes('No match for output mapping'))).toBe(true);
  });
});

describe('authorizers in front of non-proxy integrations', () => {
  it("refuses a denied token before the integration, and hands an allowed one's context to the templates", async () => {
    const denied = await fetch(`${gateway.url}/guarded`, { headers: { authorization: 'deny' } });
    expect(denied.status).toBe(403);
    const missing = await fetch(`${gateway.url}/guarded`);
    expect(missing.status).toBe(401);
    const allowed = await fetch(`${gateway.url}/guarded`, { headers: { authorization: 'allow' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ tier: 'gold' });
  });
});

describe('integration options not emulated', () => {
  it('are listed at start and answered 500, never passed to the backend', async () => {
    expect(gateway.unsupported).toEqual(['GET /converted: ContentHandling CONVERT_TO_BINARY (answered 500)']);
    const before = seen.length;
    const response = await fetch(`${gateway.url}/converted`);
    expect(response.status).toBe(500);
    expect(seen.length).toBe(before);
  });
});
