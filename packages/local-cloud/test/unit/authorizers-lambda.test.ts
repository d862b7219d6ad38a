import { Authorizers, readMethodAuth, type AuthOutcome } from '../../src/apigateway/authorizers';
import {
  arnFor,
  authorizerResource,
  authorizerUri,
  fakeInvoker,
  fnArn,
  methodResource,
  policy,
  request,
  type RequestInput,
} from '../support/authorizer-fixtures';
import { localStack } from '../support/local-stack';

const START = Date.UTC(2026, 0, 1);

function setup(authorizerProps: Record<string, unknown>, handler: (event: any) => unknown, methodProps: Record<string, unknown> = {}) {
  const authorizer = authorizerResource('LambdaAuthorizer', { AuthorizerUri: authorizerUri('authorizer-fn'), ...authorizerProps });
  const method = methodResource('GetUser', { AuthorizationType: 'CUSTOM', AuthorizerId: authorizer.physicalId, ...methodProps });
  const stack = localStack([authorizer, method]);
  const invoker = fakeInvoker(handler);
  const clock = { now: START };
  const engine = new Authorizers({ invoker, issuerBase: 'http://127.0.0.1:1', stack, now: () => clock.now });
  const auth = readMethodAuth(stack, method, 'GET /users/{id}');
  return { engine, auth, invoker, clock, call: (input: RequestInput = {}) => engine.authorize(auth, request(input)) };
}

const TOKEN = { Type: 'TOKEN', IdentitySource: 'method.request.header.Authorization' };
const allowAll = () => policy('Allow', arnFor('*', '*').replace('/*/*', '/*'));

function refused(outcome: AuthOutcome): { status: number; body: string; errorType: string } | undefined {
  return outcome.ok ? undefined : { status: outcome.status, body: outcome.body, errorType: outcome.errorType };
}
const UNAUTHORIZED = { status: 401, body: '{"message":"Unauthorized"}', errorType: 'UnauthorizedException' };
const EXPLICIT_DENY = {
  status: 403,
  body: '{"Message":"User is not authorized to access this resource with an explicit deny"}',
  errorType: 'AccessDeniedException',
};
const IMPLICIT_DENY = {
  status: 403,
  body: '{"Message":"User is not authorized to access this resource"}',
  errorType: 'AccessDeniedException',
};
const CONFIGURATION_ERROR = { status: 500, body: '{"message":null}', errorType: 'AuthorizerConfigurationException' };

describe('TOKEN authorizer', () => {
  it('sends API Gateway event and passes principalId, context (as strings) and integrationLatency on', async () => {
    const t = setup(TOKEN, () =>
      policy('Allow', arnFor('GET', '/users/42'), {
        context: { tenant: 't-1', level: 3, admin: true, none: null },
        usageIdentifierKey: 'key-1',
      }),
    );
    const outcome = await t.call({ headers: { authorization: 'allow-me' } });
    expect(t.invoker.calls).toEqual([
      {
        functionRef: fnArn('authorizer-fn'),
        event: {
          type: 'TOKEN',
          authorizationToken: 'allow-me',
          methodArn: 'arn:aws:execute-api:us-east-1:000000000000:api123/dev/GET/users/42',
        },
      },
    ]);
    expect(outcome).toEqual({
      ok: true,
      principalId: 'user-1',
      usageIdentifierKey: 'key-1',
      authorizer: { tenant: 't-1', level: '3', admin: 'true', none: null, principalId: 'user-1', integrationLatency: 0 },
    });
  });

  it('identity source missing or empty: 401 without invoking', async () => {
    const t = setup(TOKEN, allowAll);
    expect(refused(await t.call())).toEqual(UNAUTHORIZED);
    expect(refused(await t.call({ headers: { Authorization: '' } }))).toEqual(UNAUTHORIZED);
    expect(t.invoker.calls).toHaveLength(0);
  });

  it('IdentityValidationExpression: a token not matching it (whole) is 401 without invoking', async () => {
    const t = setup({ ...TOKEN, IdentityValidationExpression: 'Bearer [a-z]+' }, allowAll);
    expect(refused(await t.call({ headers: { Authorization: 'Basic abc' } }))).toEqual(UNAUTHORIZED);
    expect(refused(await t.call({ headers: { Authorization: 'Bearer abc!' } }))).toEqual(UNAUTHORIZED);
    expect(t.invoker.calls).toHaveLength(0);
    expect((await t.call({ headers: { Authorization: 'Bearer abc' } })).ok).toBe(true);
    expect(t.invoker.calls).toHaveLength(1);
  });

  it('the function failing with "Unauthorized": 401; with anything else: 500 {"message":null}', async () => {
    const unauthorized = setup(TOKEN, () => {
      throw new Error('Unauthorized');
    });
    expect(refused(await unauthorized.call({ headers: { Authorization: 'x' } }))).toEqual(UNAUTHORIZED);
    const failing = setup(TOKEN, () => {
      throw new TypeError('cannot read properties of undefined');
    });
    expect(refused(await failing.call({ headers: { Authorization: 'x' } }))).toEqual(CONFIGURATION_ERROR);
    const lowercase = setup(TOKEN, () => {
      throw new Error('unauthorized');
    });
    expect(refused(await lowercase.call({ headers: { Authorization: 'x' } }))).toEqual(CONFIGURATION_ERROR);
  });

  it('the function cannot be invoked: 500', async () => {
    const t = setup(TOKEN, allowAll);
    t.invoker.invoke = () => Promise.reject(new Error('no such function'));
    const outcome = await t.call({ headers: { Authorization: 'x' } });
    expect(refused(outcome)).toEqual(CONFIGURATION_ERROR);
    expect(!outcome.ok && outcome.reason).toMatch(/no such function/);
  });

  it.each([
    ['no policyDocument', { principalId: 'u' }],
    ['a string', 'Allow'],
    ['Statement missing', { principalId: 'u', policyDocument: { Version: '2012-10-17' } }],
    [
      'Effect misspelled',
      { principalId: 'u', policyDocument: { Statement: [{ Effect: 'Alow', Action: 'execute-api:Invoke', Resource: '*' }] } },
    ],
    ['no Resource', { principalId: 'u', policyDocument: { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke' }] } }],
    ['context with an object', policy('Allow', '*', { context: { user: { id: 1 } } })],
    ['context with an array', policy('Allow', '*', { context: { roles: ['a'] } })],
    ['principalId an object', { ...policy('Allow', '*'), principalId: { id: 1 } }],
  ])('an answer API Gateway cannot use (%s): 500 {"message":null}', async (_name, answer) => {
    const t = setup(TOKEN, () => answer);
    expect(refused(await t.call({ headers: { Authorization: 'x' } }))).toEqual(CONFIGURATION_ERROR);
  });
});

describe('policy evaluation', () => {
  const decide = async (answer: Record<string, unknown>, input: RequestInput = {}) => {
    const t = setup({ ...TOKEN, AuthorizerResultTtlInSeconds: 0 }, () => answer);
    return refused(await t.call({ headers: { Authorization: 'x' }, ...input }));
  };
  const statements = (...s: Record<string, unknown>[]) => ({ principalId: 'u', policyDocument: { Version: '2012-10-17', Statement: s } });
  const allow = (Resource: unknown, Action: unknown = 'execute-api:Invoke') => ({ Effect: 'Allow', Action, Resource });
  const deny = (Resource: unknown, Action: unknown = 'execute-api:Invoke') => ({ Effect: 'Deny', Action, Resource });

  it('Allow of the method ARN, of wildcards (* across slashes, ? one character)', async () => {
    expect(await decide(policy('Allow', arnFor('GET', '/users/42')))).toBeUndefined();
    expect(await decide(statements(allow('arn:aws:execute-api:us-east-1:000000000000:api123/*/GET/users/*')))).toBeUndefined();
    expect(await decide(statements(allow('arn:aws:execute-api:*:*:api123/dev/*')))).toBeUndefined();
    expect(await decide(statements(allow('arn:aws:execute-api:us-east-1:000000000000:api123/dev/GET/users/4?')))).toBeUndefined();
    expect(await decide(statements(allow('*')))).toBeUndefined();
    expect(await decide(statements(allow(['arn:aws:s3:::b', arnFor('GET', '/users/42')])))).toBeUndefined();
    expect(await decide(statement1Object())).toBeUndefined();
  });
  const statement1Object = () => ({
    principalId: 'u',
    policyDocument: { Statement: { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' } },
  });

  it('no Allow matching the method ARN: 403 "User is not authorized to access this resource"', async () => {
    expect(await decide(policy('Allow', arnFor('POST', '/users/42')))).toEqual(IMPLICIT_DENY);
    expect(
      await decide(statements(allow('arn:aws:execute-api:us-east-1:000000000000:api123/dev/GET/users/4?')), { path: '/users/420' }),
    ).toEqual(IMPLICIT_DENY);
    expect(await decide(statements(allow('arn:aws:execute-api:us-east-1:000000000000:api123/prod/*')))).toEqual(IMPLICIT_DENY);
    expect(await decide(statements())).toEqual(IMPLICIT_DENY);
  });

  it('actions: execute-api:Invoke, execute-api:*, *, any casing; other actions allow nothing', async () => {
    expect(await decide(statements(allow('*', 'execute-api:*')))).toBeUndefined();
    expect(await decide(statements(allow('*', '*')))).toBeUndefined();
    expect(await decide(statements(allow('*', 'Execute-API:invoke')))).toBeUndefined();
    expect(await decide(statements(allow('*', ['s3:GetObject', 'execute-api:Invoke'])))).toBeUndefined();
    expect(await decide(statements(allow('*', 's3:*')))).toEqual(IMPLICIT_DENY);
    expect(await decide(statements(allow('*', 'execute-api:ManageConnections')))).toEqual(IMPLICIT_DENY);
  });

  it('a matching Deny: 403 with an explicit deny, whatever Allows there are', async () => {
    expect(await decide(policy('Deny', arnFor('GET', '/users/42')))).toEqual(EXPLICIT_DENY);
    expect(await decide(statements(allow('*'), deny('arn:aws:execute-api:*:*:*/*/GET/users/*')))).toEqual(EXPLICIT_DENY);
    expect(await decide(statements(deny('*'), allow(arnFor('GET', '/users/42'))))).toEqual(EXPLICIT_DENY);
    expect(await decide(statements(allow('*'), deny(arnFor('DELETE', '/users/42'))))).toBeUndefined();
  });

  it('NotResource / NotAction; a Condition is never taken for granted (Allow: no match, Deny: match)', async () => {
    expect(
      await decide(statements({ Effect: 'Allow', Action: 'execute-api:Invoke', NotResource: arnFor('DELETE', '/*') })),
    ).toBeUndefined();
    expect(await decide(statements(allow('*'), { Effect: 'Deny', NotAction: 's3:*', Resource: '*' }))).toEqual(EXPLICIT_DENY);
    expect(await decide(statements({ ...allow('*'), Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.1' } } }))).toEqual(IMPLICIT_DENY);
    expect(await decide(statements(allow('*'), { ...deny('*'), Condition: { Bool: { x: 'true' } } }))).toEqual(EXPLICIT_DENY);
  });
});

describe('result cache', () => {
  it('a cached answer skips the function and is evaluated again for another method ARN', async () => {
    const t = setup(TOKEN, () => policy('Allow', arnFor('GET', '/users/42'), { context: { n: 1 } }));
    const first = await t.call({ headers: { Authorization: 'tok' } });
    const again = await t.call({ headers: { Authorization: 'tok' } });
    const other = await t.call({ headers: { Authorization: 'tok' }, httpMethod: 'DELETE' });
    expect(t.invoker.calls).toHaveLength(1);
    expect(first.ok && again.ok).toBe(true);
    expect(again.ok && again.authorizer).toEqual({ n: '1', principalId: 'user-1', integrationLatency: 0 });
    expect(refused(other)).toEqual(IMPLICIT_DENY);
    await t.call({ headers: { Authorization: 'another-token' } });
    expect(t.invoker.calls).toHaveLength(2);
  });

  it('keeps an answer for AuthorizerResultTtlInSeconds (default 300 s)', async () => {
    const t = setup(TOKEN, allowAll);
    expect(t.auth.authorizer?.ttlSeconds).toBe(300);
    await t.call({ headers: { Authorization: 'tok' } });
    t.clock.now += 299_000;
    await t.call({ headers: { Authorization: 'tok' } });
    expect(t.invoker.calls).toHaveLength(1);
    t.clock.now += 1_000;
    await t.call({ headers: { Authorization: 'tok' } });
    expect(t.invoker.calls).toHaveLength(2);
  });

  it('a Deny is cached too; a failure is not', async () => {
    let answer: () => unknown = () => policy('Deny', '*');
    const t = setup({ ...TOKEN, AuthorizerResultTtlInSeconds: 60 }, () => answer());
    expect(refused(await t.call({ headers: { Authorization: 'tok' } }))).toEqual(EXPLICIT_DENY);
    expect(refused(await t.call({ headers: { Authorization: 'tok' } }))).toEqual(EXPLICIT_DENY);
    expect(t.invoker.calls).toHaveLength(1);
    answer = () => {
      throw new Error('Unauthorized');
    };
    expect(refused(await t.call({ headers: { Authorization: 'tok2' } }))).toEqual(UNAUTHORIZED);
    expect(refused(await t.call({ headers: { Authorization: 'tok2' } }))).toEqual(UNAUTHORIZED);
    expect(t.invoker.calls).toHaveLength(3);
  });

  it('TTL 0 disables caching', async () => {
    const t = setup({ ...TOKEN, AuthorizerResultTtlInSeconds: 0 }, allowAll);
    for (let i = 0; i < 3; i++) expect((await t.call({ headers: { Authorization: 'tok' } })).ok).toBe(true);
    expect(t.invoker.calls).toHaveLength(3);
  });
});

describe('REQUEST authorizer', () => {
  const REQUEST = {
    Type: 'REQUEST',
    IdentitySource: 'method.request.header.X-Tenant, method.request.querystring.key, stageVariables.env, context.identity.sourceIp',
  };
  const input: RequestInput = {
    httpMethod: 'POST',
    path: '/users/42',
    headers: { 'x-tenant': 't-1', 'Content-Type': 'application/json' },
    query: { key: 'k1' },
    pathParameters: { id: '42' },
    stageVariables: { env: 'local' },
  };

  it('sends the request (headers, query, path, stage variables, requestContext) with its method ARN', async () => {
    const t = setup(REQUEST, () => policy('Allow', arnFor('POST', '/users/*')));
    expect((await t.call(input)).ok).toBe(true);
    expect(t.invoker.calls[0]!.event).toEqual({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:000000000000:api123/dev/POST/users/42',
      resource: '/users/{id}',
      path: '/users/42',
      httpMethod: 'POST',
      headers: { 'x-tenant': 't-1', 'Content-Type': 'application/json' },
      multiValueHeaders: { 'x-tenant': ['t-1'], 'Content-Type': ['application/json'] },
      queryStringParameters: { key: 'k1' },
      multiValueQueryStringParameters: { key: ['k1'] },
      pathParameters: { id: '42' },
      stageVariables: { env: 'local' },
      requestContext: request(input).requestContext,
    });
  });

  it('empty parts are {} in the event, not null', async () => {
    const t = setup({ Type: 'REQUEST', IdentitySource: 'method.request.header.X-Tenant' }, () => policy('Allow', '*'));
    await t.call({ headers: { 'X-Tenant': 't' } });
    expect(t.invoker.calls[0]!.event).toMatchObject({
      queryStringParameters: {},
      multiValueQueryStringParameters: {},
      pathParameters: {},
      stageVariables: {},
    });
  });

  it.each([
    ['the header', { headers: { 'Content-Type': 'application/json' } }],
    ['the query parameter', { query: {} }],
    ['the stage variable', { stageVariables: {} }],
    ['an empty header', { headers: { 'x-tenant': '' } }],
  ])('any identity source missing (%s): 401 without invoking', async (_name, change) => {
    const t = setup(REQUEST, allowAll);
    expect(refused(await t.call({ ...input, ...change }))).toEqual(UNAUTHORIZED);
    expect(t.invoker.calls).toHaveLength(0);
  });

  it('caches by all identity source values together', async () => {
    const t = setup(REQUEST, () => policy('Allow', '*'));
    await t.call(input);
    await t.call({ ...input, headers: { 'X-TENANT': 't-1' } });
    expect(t.invoker.calls).toHaveLength(1);
    await t.call({ ...input, query: { key: 'k2' } });
    expect(t.invoker.calls).toHaveLength(2);
  });

  it('with TTL 0 and no identity source: invoked on every request', async () => {
    const t = setup({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 }, () => policy('Allow', '*'));
    await t.call();
    await t.call();
    expect(t.invoker.calls).toHaveLength(2);
  });
});

describe('what is not emulated is refused, never let through', () => {
  const stackWith = (methodProps: Record<string, unknown>, authorizerProps?: Record<string, unknown>) => {
    const authorizer = authorizerProps && authorizerResource('Az', authorizerProps);
    const method = methodResource('M', { ...(authorizer ? { AuthorizerId: authorizer.physicalId } : {}), ...methodProps });
    const stack = localStack(authorizer ? [authorizer, method] : [method]);
    const invoker = fakeInvoker(allowAll);
    const engine = new Authorizers({ invoker, issuerBase: 'http://127.0.0.1:1', stack });
    return { engine, invoker, auth: readMethodAuth(stack, method, 'GET /m') };
  };
  const MISSING_AUTH_TOKEN = {
    status: 403,
    body: '{"message":"Missing Authentication Token"}',
    errorType: 'MissingAuthenticationTokenException',
  };

  it('AWS_IAM: unsigned 403 Missing Authentication Token, signed 501; listed as not emulated', async () => {
    const t = stackWith({ AuthorizationType: 'AWS_IAM' });
    expect(refused(await t.engine.authorize(t.auth, request()))).toEqual(MISSING_AUTH_TOKEN);
    const signed = refused(await t.engine.authorize(t.auth, request({ headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=x' } })));
    expect(signed).toMatchObject({ status: 501, errorType: 'NotImplementedException' });
    expect(JSON.parse(signed!.body).message).toMatch(/AWS_IAM authorization is not emulated/);
    expect(t.engine.notEmulated).toEqual([expect.stringMatching(/^M: AWS_IAM authorization is not emulated/)]);
    expect(t.auth.notEmulated).toEqual([expect.stringMatching(/^GET \/m: AWS_IAM/)]);
  });

  it.each([
    ['an unknown authorization type', { AuthorizationType: 'MUTUAL_TLS' }, undefined, 501],
    ['an unknown authorizer type', { AuthorizationType: 'CUSTOM' }, { Type: 'JWT', IdentitySource: 'method.request.header.A' }, 501],
    ['an authorizer that is not in the stack', { AuthorizationType: 'CUSTOM', AuthorizerId: 'nope' }, undefined, 500],
    [
      'an AuthorizerUri that is no function',
      { AuthorizationType: 'CUSTOM' },
      { Type: 'TOKEN', IdentitySource: 'method.request.header.A', AuthorizerUri: 'https://x' },
      500,
    ],
    [
      'a Cognito method with a Lambda authorizer',
      { AuthorizationType: 'COGNITO_USER_POOLS' },
      { Type: 'TOKEN', IdentitySource: 'method.request.header.A', AuthorizerUri: authorizerUri('f') },
      500,
    ],
    [
      'Cognito ProviderARNs that are no user pools',
      { AuthorizationType: 'COGNITO_USER_POOLS' },
      { Type: 'COGNITO_USER_POOLS', IdentitySource: 'method.request.header.A', ProviderARNs: ['x'] },
      500,
    ],
    [
      'an identity source the engine cannot read',
      { AuthorizationType: 'CUSTOM' },
      { Type: 'REQUEST', IdentitySource: 'method.request.body.x', AuthorizerUri: authorizerUri('f') },
      500,
    ],
  ])('%s: every request refused, listed as not emulated', async (_name, methodProps, authorizerProps, status) => {
    const t = stackWith(methodProps, authorizerProps);
    const outcome = await t.engine.authorize(t.auth, request({ headers: { A: 'token', Authorization: 'token' } }));
    expect(outcome.ok).toBe(false);
    expect(refused(outcome)?.status).toBe(status);
    expect(t.invoker.calls).toHaveLength(0);
    expect(t.auth.notEmulated).toHaveLength(1);
    expect(t.engine.notEmulated).toHaveLength(1);
  });

  it('NONE: let through with no authorizer, nothing listed', async () => {
    const t = stackWith({ AuthorizationType: 'NONE' });
    expect(await t.engine.authorize(t.auth, request())).toEqual({ ok: true });
    expect(t.engine.notEmulated).toEqual([]);
  });

  it('reads TTL as AWS does: default 300, 0 kept, at most 3600', () => {
    const ttl = (value: unknown) =>
      stackWith({ AuthorizationType: 'CUSTOM' }, { ...TOKEN, AuthorizerUri: authorizerUri('f'), AuthorizerResultTtlInSeconds: value }).auth
        .authorizer?.ttlSeconds;
    expect([ttl(undefined), ttl(0), ttl('60'), ttl(7200)]).toEqual([300, 0, 60, 3600]);
  });
});
