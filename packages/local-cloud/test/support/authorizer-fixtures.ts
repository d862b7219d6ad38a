/**
 * Real parts for the authorizer tests and bench: RS256 keys and tokens made with jose,
 * a JWKS served over HTTP on port 0 (like the Cognito emulator's), template resources
 * as assembly.ts resolves them, and a LambdaInvoker that records its calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { methodArn, type AuthRequest } from '../../src/apigateway/authorizers';
import type { InvocationRecord, InvokeResult, LambdaInvoker, StackResource } from '../../src/types';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const API_ID = 'api123';
export const STAGE = 'dev';
export const POOL_ID = 'us-east-1_Pool1';
export const OTHER_POOL_ID = 'us-east-1_Pool2';
export const CLIENT_ID = 'client1';

export function resource(
  logicalId: string,
  type: string,
  properties: Record<string, any>,
  physicalId = logicalId,
  attributes: Record<string, string> = {},
): StackResource {
  return { logicalId, type, properties, physicalId, attributes, metadata: {} };
}

export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
export const authorizerUri = (name: string) => `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn(name)}/invocations`;
export const poolArn = (poolId: string) => `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${poolId}`;

/** An `AWS::ApiGateway::Authorizer` as assembly.ts resolves it (physical id = AuthorizerId attribute). */
export function authorizerResource(logicalId: string, properties: Record<string, any>): StackResource {
  const id = `az-${logicalId}`;
  return resource(logicalId, 'AWS::ApiGateway::Authorizer', { RestApiId: API_ID, Name: logicalId, ...properties }, id, {
    AuthorizerId: id,
  });
}

export function methodResource(logicalId: string, properties: Record<string, any>): StackResource {
  return resource(logicalId, 'AWS::ApiGateway::Method', {
    RestApiId: API_ID,
    ResourceId: 'res1',
    HttpMethod: 'GET',
    Integration: { Type: 'AWS_PROXY', Uri: authorizerUri('handler') },
    ...properties,
  });
}

export interface RequestInput {
  readonly httpMethod?: string;
  readonly path?: string;
  readonly resource?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly stageVariables?: Record<string, string>;
}

/** A request as the gateway hands it to `authorize` (same fields as its proxy event). */
export function request(input: RequestInput = {}): AuthRequest {
  const httpMethod = input.httpMethod ?? 'GET';
  const path = input.path ?? '/users/42';
  const headers = input.headers ?? {};
  const query = input.query;
  return {
    methodArn: methodArn({ region: REGION, accountId: ACCOUNT, apiId: API_ID, stage: STAGE, httpMethod, path }),
    resource: input.resource ?? '/users/{id}',
    path,
    httpMethod,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: input.pathParameters ?? null,
    stageVariables: input.stageVariables ?? null,
    requestContext: {
      resourceId: 'res1',
      resourcePath: input.resource ?? '/users/{id}',
      httpMethod,
      stage: STAGE,
      requestId: 'req-1',
      accountId: ACCOUNT,
      apiId: API_ID,
      identity: { sourceIp: '127.0.0.1', userAgent: 'test' },
    },
  };
}

// ---------------------------------------------------------------- Lambda

export interface RecordedCall {
  readonly functionRef: string;
  readonly event: any;
}

/** A LambdaInvoker whose function answers with `handler(event)`; a thrown error becomes a Lambda error. */
export function fakeInvoker(handler: (event: any) => unknown): LambdaInvoker & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const record: InvocationRecord = {
    timestamp: new Date(0).toISOString(),
    functionName: 'authorizer',
    logicalId: 'Authorizer',
    requestId: 'r',
    memorySizeMb: 128,
    durationMs: 1,
    billedDurationMs: 1,
    maxMemoryUsedMb: 1,
    status: 'success',
  };
  return {
    calls,
    async invoke(functionRef: string, event: unknown): Promise<InvokeResult> {
      calls.push({ functionRef, event });
      try {
        return { payload: await handler(event), record };
      } catch (error) {
        const e = error as Error;
        return { error: { errorType: e.name || 'Error', errorMessage: e.message }, record: { ...record, status: 'error' } };
      }
    },
    async invokeAsync() {
      throw new Error('not used');
    },
  };
}

/** An authorizer answer allowing (or denying) `resource`. */
export function policy(
  effect: 'Allow' | 'Deny',
  resourceArn: string | string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    principalId: 'user-1',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resourceArn }] },
    ...extra,
  };
}

export const arnFor = (httpMethod: string, path: string) =>
  methodArn({ region: REGION, accountId: ACCOUNT, apiId: API_ID, stage: STAGE, httpMethod, path });

// ---------------------------------------------------------------- Cognito

export interface UserPools {
  /** The issuer base: `http://127.0.0.1:<port>` (a pool's issuer is `<base>/<poolId>`). */
  readonly base: string;
  readonly privateKey: KeyLike;
  readonly kid: string;
  /** JWKS requests served, by path. */
  readonly fetches: string[];
  /** Replaces the keys a pool publishes (rotation). */
  publish(poolId: string, jwks: { keys: JWK[] }): void;
  close(): Promise<void>;
}

/** Serves `<base>/<poolId>/.well-known/jwks.json` for POOL_ID and OTHER_POOL_ID, with one RS256 key each (the same). */
export async function startUserPools(): Promise<UserPools> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = 'key-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const published = new Map<string, { keys: JWK[] }>([
    [POOL_ID, { keys: [jwk] }],
    [OTHER_POOL_ID, { keys: [jwk] }],
  ]);
  const fetches: string[] = [];
  const server = http.createServer((req, res) => {
    fetches.push(req.url ?? '');
    const poolId = /^\/([^/]+)\/\.well-known\/jwks\.json$/.exec(req.url ?? '')?.[1];
    const jwks = poolId ? published.get(poolId) : undefined;
    res.writeHead(jwks ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks ?? { message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    privateKey,
    kid,
    fetches,
    publish: (poolId, jwks) => published.set(poolId, jwks),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface TokenInput {
  readonly issuer: string;
  readonly claims?: Record<string, unknown>;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly expiresIn?: number;
  readonly key: KeyLike;
  readonly kid: string;
}

/** A Cognito-shaped token signed RS256. */
export function signToken(input: TokenInput): Promise<string> {
  return new SignJWT({ ...input.claims })
    .setProtectedHeader({ alg: 'RS256', kid: input.kid })
    .setIssuer(input.issuer)
    .setIssuedAt(input.iat)
    .setExpirationTime(input.iat + (input.expiresIn ?? 3600))
    .sign(input.key);
}

export const idClaims = (extra: Record<string, unknown> = {}) => ({
  sub: 'b1c2d3e4-0000-4000-8000-000000000001',
  aud: CLIENT_ID,
  token_use: 'id',
  'cognito:username': 'alice',
  email: 'alice@example.com',
  email_verified: true,
  auth_time: 1_700_000_000,
  'cognito:groups': ['admins', 'users'],
  ...extra,
});

export const accessClaims = (scope: string, extra: Record<string, unknown> = {}) => ({
  sub: 'b1c2d3e4-0000-4000-8000-000000000001',
  client_id: CLIENT_ID,
  token_use: 'access',
  scope,
  username: 'alice',
  auth_time: 1_700_000_000,
  ...extra,
});
