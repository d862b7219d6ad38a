import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiGateway, type ApiGatewayServer } from '../../../src/apigateway/server';
import { LambdaRuntime } from '../../../src/lambda/runtime';
import type { InvokeResult, LambdaInvoker, StackResource } from '../../../src/types';
import { localStack } from '../../support/local-stack';

// ---------------------------------------------------------------- helpers

const makeStack = localStack;

function resource(
  logicalId: string,
  type: string,
  properties: Record<string, any>,
  physicalId = logicalId,
  attributes: Record<string, string> = {},
): StackResource {
  return { logicalId, type, properties, physicalId, attributes, metadata: {} };
}

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const lambdaUri = (name: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn(name)}/invocations`;

/** The API of these tests: what CDK's RestApi synthesises, with references already resolved. */
function apiResources(): StackResource[] {
  const api = 'api123';
  const method = (id: string, httpMethod: string, resourceId: string, fn: string, extra: Record<string, any> = {}) =>
    resource(id, 'AWS::ApiGateway::Method', {
      RestApiId: api,
      ResourceId: resourceId,
      HttpMethod: httpMethod,
      AuthorizationType: 'NONE',
      ApiKeyRequired: false,
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri(fn) },
      ...extra,
    });
  const child = (id: string, parent: string, part: string) =>
    resource(id, 'AWS::ApiGateway::Resource', { RestApiId: api, ParentId: parent, PathPart: part }, `res-${id}`);
  return [
    resource('Api', 'AWS::ApiGateway::RestApi', { Name: 'RestApi', BinaryMediaTypes: ['image~1png'] }, api, { RootResourceId: 'root123' }),
    resource('Stage', 'AWS::ApiGateway::Stage', { RestApiId: api, StageName: 'dev', DeploymentId: 'dep1' }, 'dev'),
    child('Users', 'root123', 'users'),
    child('UserId', 'res-Users', '{userId}'),
    child('Me', 'res-Users', 'me'),
    child('Files', 'root123', 'files'),
    child('Proxy', 'res-Files', '{proxy+}'),
    child('Admin', 'root123', 'admin'),
    child('Boom', 'root123', 'boom'),
    child('Malformed', 'root123', 'malformed'),
    child('Slow', 'root123', 'slow'),
    child('Busy', 'root123', 'busy'),
    child('Binary', 'root123', 'binary'),
    method('RootGet', 'GET', 'root123', 'Echo'),
    method('UsersPost', 'POST', 'res-Users', 'Echo'),
    method('UserGet', 'GET', 'res-UserId', 'Echo'),
    method('MeGet', 'GET', 'res-Me', 'Echo'),
    method('FilesAny', 'ANY', 'res-Proxy', 'Echo'),
    method('AdminGet', 'GET', 'res-Admin', 'Echo', { ApiKeyRequired: true }),
    method('BoomGet', 'GET', 'res-Boom', 'Failing'),
    method('MalformedGet', 'GET', 'res-Malformed', 'Malformed'),
    method('SlowGet', 'GET', 'res-Slow', 'Slow', {
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri('Slow'), TimeoutInMillis: 200 },
    }),
    method('BusyGet', 'GET', 'res-Busy', 'Throttled'),
    method('BinaryGet', 'GET', 'res-Binary', 'Binary'),
    resource('UsersOptions', 'AWS::ApiGateway::Method', {
      RestApiId: api,
      ResourceId: 'res-Users',
      HttpMethod: 'OPTIONS',
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'MOCK',
        RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
        IntegrationResponses: [
          {
            StatusCode: '204',
            ResponseParameters: {
              'method.response.header.Access-Control-Allow-Headers': "'Content-Type,X-Api-Key'",
              'method.response.header.Access-Control-Allow-Origin': "'*'",
              'method.response.header.Access-Control-Allow-Methods': "'OPTIONS,POST'",
            },
          },
        ],
      },
    }),
    resource('Key1', 'AWS::ApiGateway::ApiKey', { Name: 'partner', Enabled: true, Value: 'partner-key-0123456789abcdef' }, 'key-id-1'),
    resource('Key2', 'AWS::ApiGateway::ApiKey', { Name: 'generated', Enabled: true }, 'key-id-2'),
    resource('Key3', 'AWS::ApiGateway::ApiKey', { Name: 'unattached', Enabled: true, Value: 'not-in-any-plan-0123456789' }, 'key-id-3'),
    resource('Key4', 'AWS::ApiGateway::ApiKey', { Name: 'disabled', Enabled: false, Value: 'disabled-key-0123456789ab' }, 'key-id-4'),
    resource('Plan', 'AWS::ApiGateway::UsagePlan', { ApiStages: [{ ApiId: api, Stage: 'dev' }] }, 'plan-id'),
    resource('PlanKey1', 'AWS::ApiGateway::UsagePlanKey', { KeyId: 'key-id-1', KeyType: 'API_KEY', UsagePlanId: 'plan-id' }),
    resource('PlanKey2', 'AWS::ApiGateway::UsagePlanKey', { KeyId: 'key-id-2', KeyType: 'API_KEY', UsagePlanId: 'plan-id' }),
    resource('PlanKey4', 'AWS::ApiGateway::UsagePlanKey', { KeyId: 'key-id-4', KeyType: 'API_KEY', UsagePlanId: 'plan-id' }),
  ];
}

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

/** Stands in for the Lambda runtime: answers by function name and remembers every event. */
class FakeInvoker implements LambdaInvoker {
  readonly calls: { functionRef: string; event: any }[] = [];
  async invoke(functionRef: string, event: unknown): Promise<InvokeResult> {
    this.calls.push({ functionRef, event });
    const name = functionRef.split(':').at(-1);
    switch (name) {
      case 'Echo':
        return {
          record,
          payload: {
            statusCode: 201,
            headers: { 'Content-Type': 'application/json', 'X-Single': 'one' },
            multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
            body: JSON.stringify({ ok: true }),
          },
        };
      case 'Failing':
        return { record, error: { errorType: 'Error', errorMessage: 'boom', trace: [] } };
      case 'Malformed':
        return { record, payload: { statusCode: 200, body: { not: 'a string' } } };
      case 'Throttled':
        return { record, error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' } };
      case 'Binary':
        return {
          record,
          payload: {
            statusCode: 200,
            headers: { 'Content-Type': 'image/png' },
            body: Buffer.from([0, 255, 7]).toString('base64'),
            isBase64Encoded: true,
          },
        };
      case 'Slow':
        return new Promise(() => undefined); // never answers
      default:
        throw new Error(`unexpected function ${functionRef}`);
    }
  }
  async invokeAsync(): Promise<void> {}
  last(): any {
    return this.calls.at(-1)!.event;
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One HTTP request; a header given as a list is sent as that many header lines. */
function request(
  base: string,
  method: string,
  target: string,
  options: { headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(target, base), { method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

// ---------------------------------------------------------------- tests against a fake invoker

describe('startApiGateway', () => {
  const invoker = new FakeInvoker();
  let gateway: ApiGatewayServer;
  const call = (method: string, target: string, options?: Parameters<typeof request>[3]) => request(gateway.url, method, target, options);

  beforeAll(async () => {
    gateway = await startApiGateway({ stack: makeStack(apiResources()), invoker, port: 0 });
  });
  afterAll(() => gateway.stop());

  it('routes a method to its function with a proxy event, and returns its response', async () => {
    const reply = await call('POST', '/users', { headers: { 'Content-Type': 'application/json' }, body: '{"name":"Ada"}' });
    expect(reply.status).toBe(201);
    expect(JSON.parse(reply.text)).toEqual({ ok: true });
    expect(reply.headers['x-single']).toBe('one');
    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);

    const { functionRef } = invoker.calls.at(-1)!;
    expect(functionRef).toBe(fnArn('Echo'));
    const event = invoker.last();
    expect(event).toMatchObject({
      resource: '/users',
      path: '/users',
      httpMethod: 'POST',
      body: '{"name":"Ada"}',
      isBase64Encoded: false,
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      headers: expect.objectContaining({ 'Content-Type': 'application/json' }),
      requestContext: {
        resourcePath: '/users',
        httpMethod: 'POST',
        stage: 'dev',
        path: '/dev/users',
        accountId: '000000000000',
        apiId: 'api123',
        requestId: reply.headers['x-amzn-requestid'],
        extendedRequestId: reply.headers['x-amz-apigw-id'],
        requestTimeEpoch: expect.any(Number),
        requestTime: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        identity: expect.objectContaining({ sourceIp: '127.0.0.1' }),
      },
    });
    expect(reply.headers['x-amz-apigw-id']).toMatch(/^[A-Za-z0-9+/]{15}=$/);
  });

  it('matches literal segments before {params}, and {proxy+} greedily', async () => {
    await call('GET', '/users/u-42');
    expect(invoker.last()).toMatchObject({ resource: '/users/{userId}', path: '/users/u-42', pathParameters: { userId: 'u-42' } });

    await call('GET', '/users/me');
    expect(invoker.last()).toMatchObject({ resource: '/users/me', pathParameters: null });

    await call('DELETE', '/files/reports/2026/nov.pdf');
    expect(invoker.last()).toMatchObject({
      resource: '/files/{proxy+}',
      httpMethod: 'DELETE',
      pathParameters: { proxy: 'reports/2026/nov.pdf' },
    });

    await call('GET', '/');
    expect(invoker.last()).toMatchObject({ resource: '/', path: '/' });
  });

  it('answers 403 Missing Authentication Token for an unknown path or method', async () => {
    for (const [method, target] of [
      ['GET', '/nope'],
      ['DELETE', '/users'],
      ['GET', '/users/u-1/orders'],
      ['OPTIONS', '/users/u-1'],
      ['GET', '/files'],
    ]) {
      const reply = await call(method!, target!);
      expect({ method, target, status: reply.status, body: reply.text, type: reply.headers['x-amzn-errortype'] }).toEqual({
        method,
        target,
        status: 403,
        body: '{"message":"Missing Authentication Token"}',
        type: 'MissingAuthenticationTokenException',
      });
      expect(reply.headers['x-amzn-requestid']).toBeDefined();
    }
  });

  it('requires an API key attached by a usage plan where the method asks for one', async () => {
    expect(gateway.apiKeys).toEqual({
      partner: 'partner-key-0123456789abcdef',
      generated: expect.stringMatching(/^[0-9a-f]{40}$/),
      unattached: 'not-in-any-plan-0123456789',
      disabled: 'disabled-key-0123456789ab',
    });

    const before = invoker.calls.length;
    for (const key of [undefined, 'wrong', gateway.apiKeys.unattached!, gateway.apiKeys.disabled!]) {
      const reply = await call('GET', '/admin', { headers: key ? { 'x-api-key': key } : {} });
      expect({ key, status: reply.status, body: reply.text, type: reply.headers['x-amzn-errortype'] }).toEqual({
        key,
        status: 403,
        body: '{"message":"Forbidden"}',
        type: 'ForbiddenException',
      });
    }
    expect(invoker.calls.length).toBe(before); // the function never ran

    const ok = await call('GET', '/admin', { headers: { 'X-API-Key': gateway.apiKeys.partner! } });
    expect(ok.status).toBe(201);
    expect(invoker.last().requestContext.identity).toMatchObject({ apiKey: 'partner-key-0123456789abcdef', apiKeyId: 'key-id-1' });
    expect((await call('GET', '/admin', { headers: { 'x-api-key': gateway.apiKeys.generated! } })).status).toBe(201);
    expect((await call('GET', '/users/u-1')).status).toBe(201); // methods without ApiKeyRequired need none
  });

  it('answers 502 for a function error or a malformed proxy response, 500 when Lambda throttles', async () => {
    for (const target of ['/boom', '/malformed']) {
      const reply = await call('GET', target);
      expect({ target, status: reply.status, body: reply.text, type: reply.headers['x-amzn-errortype'] }).toEqual({
        target,
        status: 502,
        body: '{"message": "Internal server error"}',
        type: 'InternalServerErrorException',
      });
    }
    const busy = await call('GET', '/busy');
    expect([busy.status, busy.text]).toEqual([500, '{"message": "Internal server error"}']);
  });

  it('answers 504 when the integration outlasts its timeout', async () => {
    const reply = await call('GET', '/slow');
    expect([reply.status, reply.text]).toEqual([504, '{"message": "Endpoint request timed out"}']);
  });

  it('passes query strings as single and multi-value parameters', async () => {
    await call('GET', '/users/u-1?a=1&b=2&b=3&empty=&q=caf%C3%A9');
    expect(invoker.last()).toMatchObject({
      queryStringParameters: { a: '1', b: '3', empty: '', q: 'café' },
      multiValueQueryStringParameters: { a: ['1'], b: ['2', '3'], empty: [''], q: ['café'] },
    });
  });

  it('passes repeated headers as the last value and as a multi-value list', async () => {
    await call('GET', '/users/u-1', { headers: { 'X-Tag': ['first', 'second'], Accept: 'application/json' } });
    const event = invoker.last();
    expect(event.headers).toMatchObject({ 'X-Tag': 'second', Accept: 'application/json' });
    expect(event.multiValueHeaders).toMatchObject({ 'X-Tag': ['first', 'second'], Accept: ['application/json'] });
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
  });

  it('base64-encodes bodies of the API binary media types only', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    await call('PUT', '/files/logo.png', { headers: { 'Content-Type': 'image/png' }, body: bytes });
    expect(invoker.last()).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });

    await call('PUT', '/files/notes.txt', { headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'héllo' });
    expect(invoker.last()).toMatchObject({ body: 'héllo', isBase64Encoded: false });

    await call('GET', '/files/x');
    expect(invoker.last()).toMatchObject({ body: null, isBase64Encoded: false });
  });

  it('decodes a base64 response of a binary media type', async () => {
    const reply = await call('GET', '/binary', { headers: { Accept: 'image/png' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/png');
    expect([...reply.body]).toEqual([0, 255, 7]);
  });

  it('answers 413 for a payload over 10 MB without invoking the function', async () => {
    const before = invoker.calls.length;
    const reply = await call('POST', '/users', {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(reply.status).toBe(413);
    expect(invoker.calls.length).toBe(before);
  });

  it('answers CORS preflight from the template OPTIONS method', async () => {
    const reply = await call('OPTIONS', '/users', {
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'OPTIONS,POST',
      'access-control-allow-headers': 'Content-Type,X-Api-Key',
    });
  });

  it('lists its routes', () => {
    expect(gateway.routes).toContainEqual({
      httpMethod: 'GET',
      resourcePath: '/users/{userId}',
      apiKeyRequired: false,
      integrationType: 'AWS_PROXY',
      functionArn: fnArn('Echo'),
    });
    expect(gateway.routes).toContainEqual(expect.objectContaining({ httpMethod: 'GET', resourcePath: '/admin', apiKeyRequired: true }));
    expect(gateway.stage).toBe('dev');
    expect(gateway.unsupported).toEqual([]);
  });
});

// ---------------------------------------------------------------- end to end with the real runtime

describe('startApiGateway with the local Lambda runtime', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'apigateway-'));
  let runtime: LambdaRuntime;
  let gateway: ApiGatewayServer;

  beforeAll(async () => {
    const fn = (name: string, code: string): StackResource => {
      mkdirSync(path.join(dir, `asset.${name}`));
      writeFileSync(path.join(dir, `asset.${name}`, 'index.mjs'), code);
      return {
        ...resource(name, 'AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs22.x' }, name, { Arn: fnArn(name) }),
        metadata: { 'aws:asset:path': `asset.${name}` },
      };
    };
    const resources = [
      ...apiResources(),
      fn(
        'Echo',
        `export const handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ params: event.pathParameters, requestId: context.awsRequestId }) });`,
      ),
      fn('Failing', `export const handler = async () => { throw new Error('boom'); };`),
    ];
    const stack = makeStack(resources, dir);
    runtime = new LambdaRuntime({ stack, endpointUrl: 'http://127.0.0.1:4566', log: () => undefined });
    gateway = await startApiGateway({ stack, invoker: runtime, port: 0 });
  });
  afterAll(async () => {
    await gateway.stop();
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the function behind a route and turns its error into a 502', async () => {
    const ok = await request(gateway.url, 'GET', '/users/u-7');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json');
    expect(JSON.parse(ok.text)).toEqual({ params: { userId: 'u-7' }, requestId: runtime.records().at(-1)!.requestId });

    const failed = await request(gateway.url, 'GET', '/boom');
    expect([failed.status, failed.text]).toEqual([502, '{"message": "Internal server error"}']);
  });
});
