import { SignJWT, generateKeyPair, type KeyLike } from 'jose';
import { Authorizers, readMethodAuth, renderClaims, type AuthOutcome, type MethodAuth } from '../../src/apigateway/authorizers';
import {
  CLIENT_ID,
  OTHER_POOL_ID,
  POOL_ID,
  accessClaims,
  authorizerResource,
  fakeInvoker,
  idClaims,
  methodResource,
  poolArn,
  request,
  signToken,
  startUserPools,
  type UserPools,
} from '../support/authorizer-fixtures';
import { localStack } from '../support/local-stack';

const NOW_MS = Date.UTC(2026, 2, 8, 22, 35, 26);
const NOW = NOW_MS / 1000;

let pools: UserPools;
beforeAll(async () => {
  pools = await startUserPools();
});
afterAll(() => pools.close());

const clock = { now: NOW_MS };
beforeEach(() => {
  clock.now = NOW_MS;
});

function setup(
  options: { scopes?: string[]; validation?: string; clientIds?: Record<string, string[]>; header?: string; pool?: string } = {},
) {
  const authorizer = authorizerResource('PoolAuthorizer', {
    Type: 'COGNITO_USER_POOLS',
    ProviderARNs: [poolArn(options.pool ?? POOL_ID)],
    IdentitySource: `method.request.header.${options.header ?? 'Authorization'}`,
    ...(options.validation ? { IdentityValidationExpression: options.validation } : {}),
  });
  const method = methodResource('GetUser', {
    AuthorizationType: 'COGNITO_USER_POOLS',
    AuthorizerId: authorizer.physicalId,
    ...(options.scopes ? { AuthorizationScopes: options.scopes } : {}),
  });
  const stack = localStack([authorizer, method]);
  const auth = readMethodAuth(stack, method, 'GET /users/{id}');
  const engine = new Authorizers({
    invoker: fakeInvoker(() => {
      throw new Error('a Cognito authorizer invokes nothing');
    }),
    issuerBase: pools.base,
    stack,
    now: () => clock.now,
    ...(options.clientIds ? { clientIds: options.clientIds } : {}),
  });
  return { engine, auth };
}

const issuer = (poolId = POOL_ID) => `${pools.base}/${poolId}`;
const idToken = (
  extra: Record<string, unknown> = {},
  overrides: { iat?: number; expiresIn?: number; issuer?: string; key?: KeyLike } = {},
) =>
  signToken({
    issuer: overrides.issuer ?? issuer(),
    claims: idClaims(extra),
    iat: overrides.iat ?? NOW - 60,
    ...(overrides.expiresIn !== undefined ? { expiresIn: overrides.expiresIn } : {}),
    key: overrides.key ?? pools.privateKey,
    kid: pools.kid,
  });
const accessToken = (scope: string) =>
  signToken({ issuer: issuer(), claims: accessClaims(scope), iat: NOW - 60, key: pools.privateKey, kid: pools.kid });

const call = (engine: Authorizers, auth: MethodAuth, authorization?: string, headerName = 'Authorization') =>
  engine.authorize(auth, request({ headers: authorization === undefined ? {} : { [headerName]: authorization } }));

function expectRefused(outcome: AuthOutcome, status: number, body: string, errorType: string, why?: RegExp): void {
  expect(outcome.ok).toBe(false);
  if (outcome.ok) return;
  if (why) expect(outcome.reason).toMatch(why);
  expect({ status: outcome.status, body: outcome.body, errorType: outcome.errorType, headers: outcome.headers }).toEqual({
    status,
    body,
    errorType,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorType },
  });
}
const UNAUTHORIZED: [number, string, string] = [401, '{"message":"Unauthorized"}', 'UnauthorizedException'];
const unauthorized = (why: RegExp): [number, string, string, RegExp] => [...UNAUTHORIZED, why];

describe('Cognito user pool authorizer: refusals', () => {
  it('no token: 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    expectRefused(await call(engine, auth), ...unauthorized(/no token/));
    expectRefused(await call(engine, auth, ''), ...UNAUTHORIZED);
  });

  it('a header that is not a JWT: 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    expectRefused(await call(engine, auth, 'not-a-token'), ...unauthorized(/not a JWT/));
    expectRefused(await call(engine, auth, 'a.b.c'), ...UNAUTHORIZED);
  });

  it('a forged token (signed by another key under the same kid): 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    expectRefused(await call(engine, auth, await idToken({}, { key: otherKey })), ...unauthorized(/signature verification failed/));
  });

  it('a tampered payload (signature no longer matches): 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    const [header, , signature] = (await idToken()).split('.');
    const payload = Buffer.from(
      JSON.stringify({ ...idClaims({ 'cognito:groups': ['root'] }), iss: issuer(), iat: NOW, exp: NOW + 3600 }),
    ).toString('base64url');
    expectRefused(await call(engine, auth, `${header}.${payload}.${signature}`), ...unauthorized(/signature verification failed/));
  });

  it('a token signed HS256 or unsigned: 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    const hs = await new SignJWT(idClaims())
      .setProtectedHeader({ alg: 'HS256', kid: pools.kid })
      .setIssuer(issuer())
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 60)
      .sign(new Uint8Array(32));
    expectRefused(await call(engine, auth, hs), ...unauthorized(/does not verify/));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...idClaims(), iss: issuer(), exp: NOW + 60 })).toString('base64url')}.`;
    expectRefused(await call(engine, auth, none), ...unauthorized(/does not verify/));
  });

  it('an expired token: 401 "The incoming token has expired"', async () => {
    const { engine, auth } = setup();
    const expired = await idToken({}, { iat: NOW - 7200, expiresIn: 3600 });
    expectRefused(await call(engine, auth, expired), 401, '{"message":"The incoming token has expired"}', 'UnauthorizedException');
  });

  it('an expired token that is also forged: 401 Unauthorized (the signature is checked first)', async () => {
    const { engine, auth } = setup();
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const token = await idToken({}, { iat: NOW - 7200, expiresIn: 3600, key: otherKey });
    expectRefused(await call(engine, auth, token), ...unauthorized(/signature verification failed/));
  });

  it('a token accepted once, later past its exp: 401 "The incoming token has expired"', async () => {
    const { engine, auth } = setup();
    const token = await idToken({}, { expiresIn: 120 });
    expect((await call(engine, auth, token)).ok).toBe(true);
    clock.now += 61_000;
    expectRefused(await call(engine, auth, token), 401, '{"message":"The incoming token has expired"}', 'UnauthorizedException');
  });

  it('a token accepted for one pool is not accepted by an authorizer of another pool', async () => {
    const pool1 = setup();
    const pool2 = setup({ pool: OTHER_POOL_ID });
    const token = await idToken();
    expect((await call(pool1.engine, pool1.auth, token)).ok).toBe(true);
    expectRefused(await call(pool1.engine, pool2.auth, token), ...unauthorized(/issuer/));
  });

  it('a token of another pool, or of another issuer base: 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    expectRefused(await call(engine, auth, await idToken({}, { issuer: issuer(OTHER_POOL_ID) })), ...unauthorized(/issuer/));
    expectRefused(
      await call(engine, auth, await idToken({}, { issuer: `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}` })),
      ...UNAUTHORIZED,
    );
  });

  it('a pool whose JWKS cannot be fetched: 401 Unauthorized', async () => {
    const { engine, auth } = setup({ pool: 'us-east-1_Unknown' });
    expectRefused(await call(engine, auth, await idToken({}, { issuer: issuer('us-east-1_Unknown') })), ...unauthorized(/does not verify/));
  });

  it('an access token where an id token is needed (no AuthorizationScopes): 401 Unauthorized', async () => {
    const { engine, auth } = setup();
    expectRefused(await call(engine, auth, await accessToken('aws.cognito.signin.user.admin')), ...unauthorized(/takes an id token/));
  });

  it('an id token where AuthorizationScopes need an access token: 401 Unauthorized', async () => {
    const { engine, auth } = setup({ scopes: ['orders/read'] });
    expectRefused(await call(engine, auth, await idToken()), ...unauthorized(/takes an access token/));
  });

  it('an access token without any of the method scopes: 401 Unauthorized', async () => {
    const { engine, auth } = setup({ scopes: ['orders/read', 'orders/admin'] });
    expectRefused(await call(engine, auth, await accessToken('orders/write openid')), ...unauthorized(/has none of/));
    expectRefused(await call(engine, auth, await accessToken('orders/reader')), ...unauthorized(/has none of/));
  });

  it('an aud that is not a listed app client, or does not match IdentityValidationExpression: 401', async () => {
    const listed = setup({ clientIds: { [POOL_ID]: ['another-client'] } });
    expectRefused(await call(listed.engine, listed.auth, await idToken()), ...unauthorized(/not an app client/));
    const validated = setup({ validation: 'web-.*' });
    expectRefused(await call(validated.engine, validated.auth, await idToken()), ...unauthorized(/IdentityValidationExpression/));
    expect((await call(validated.engine, validated.auth, await idToken({ aud: 'web-app' }))).ok).toBe(true);
  });
});

describe('Cognito user pool authorizer: accepted tokens', () => {
  it('an id token: claims in requestContext.authorizer.claims, every value a string as API Gateway renders it', async () => {
    const { engine, auth } = setup();
    const outcome = await call(engine, auth, await idToken({ 'custom:tier': 'gold', 'custom:score': 7 }));
    expect(outcome).toEqual({
      ok: true,
      authorizer: {
        claims: {
          sub: 'b1c2d3e4-0000-4000-8000-000000000001',
          aud: CLIENT_ID,
          token_use: 'id',
          'cognito:username': 'alice',
          email: 'alice@example.com',
          email_verified: 'true',
          auth_time: '1700000000',
          'cognito:groups': 'admins,users',
          'custom:tier': 'gold',
          'custom:score': '7',
          iss: issuer(),
          iat: 'Sun Mar 08 22:34:26 UTC 2026',
          exp: 'Sun Mar 08 23:34:26 UTC 2026',
        },
      },
    });
  });

  it('takes "Bearer <token>" as well as the raw token, from any casing of the header', async () => {
    const { engine, auth } = setup({ header: 'X-Id-Token' });
    const token = await idToken();
    expect((await call(engine, auth, `Bearer ${token}`, 'x-id-token')).ok).toBe(true);
    expect((await call(engine, auth, token, 'X-ID-TOKEN')).ok).toBe(true);
  });

  it('an access token with one of the method scopes', async () => {
    const { engine, auth } = setup({ scopes: ['orders/read', 'orders/admin'] });
    const outcome = await call(engine, auth, await accessToken('openid orders/admin'));
    expect(outcome.ok && (outcome.authorizer as any).claims).toMatchObject({
      token_use: 'access',
      scope: 'openid orders/admin',
      client_id: CLIENT_ID,
    });
  });

  it('fetches a pool JWKS once, not per request', async () => {
    const { engine, auth } = setup();
    const before = pools.fetches.length;
    const token = await idToken();
    for (let i = 0; i < 20; i++) expect((await call(engine, auth, token)).ok).toBe(true);
    expect(pools.fetches.slice(before)).toEqual([`/${POOL_ID}/.well-known/jwks.json`]);
  });

  it('with fetchJwks: keys from it, fetched again when a token names a new key (rotation)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const { exportJWK } = await import('jose');
    let keys = [{ ...(await exportJWK(publicKey)), kid: 'old', alg: 'RS256' }];
    const urls: string[] = [];
    const method = setup();
    const engine = new Authorizers({
      invoker: fakeInvoker(() => undefined),
      issuerBase: pools.base,
      now: () => NOW_MS,
      fetchJwks: async (url) => (urls.push(url), { keys }),
    });
    const sign = (kid: string, key: KeyLike) => signToken({ issuer: issuer(), claims: idClaims(), iat: NOW - 60, key, kid });
    expect((await call(engine, method.auth, await sign('old', privateKey))).ok).toBe(true);
    const rotated = await generateKeyPair('RS256');
    keys = [...keys, { ...(await exportJWK(rotated.publicKey)), kid: 'new', alg: 'RS256' }];
    expect((await call(engine, method.auth, await sign('new', rotated.privateKey))).ok).toBe(true);
    expect(urls).toEqual([`${issuer()}/.well-known/jwks.json`, `${issuer()}/.well-known/jwks.json`]);
  });
});

describe('renderClaims', () => {
  it('renders nested objects as JSON and leaves out nulls', () => {
    expect(renderClaims({ a: { b: 1 }, n: null as unknown as string, f: false, list: [1, 'x'] })).toEqual({
      a: '{"b":1}',
      f: 'false',
      list: '1,x',
    });
  });
});
