/**
 * Identity end to end: a small CDK app of its own (a user pool with a client,
 * an `admins` group, a PostConfirmation trigger, a resource server, a domain
 * and a machine client; a REST API with a Cognito-authorized method, a scoped
 * method and a Lambda TOKEN authorizer method), synthesised in-process and
 * served by `startLocalCloud` on free ports. Real SDK calls to the edge, real
 * HTTP to the API and the token endpoint, and the `user` CLI command spawned.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startLocalCloud, type LocalCloud } from '../../src/cloud';

const PACKAGE = path.join(__dirname, '..', '..');

const TRIGGER = `exports.handler = async (event) => {
  require('fs').appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n');
  return event;
};`;
const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ authorizer: event.requestContext.authorizer ?? null }) });`;
const TOKEN_AUTHORIZER = `exports.handler = async (event) => {
  if (event.authorizationToken !== 'allow' && event.authorizationToken !== 'deny') throw new Error('Unauthorized');
  const Effect = event.authorizationToken === 'allow' ? 'Allow' : 'Deny';
  return { principalId: 'robot', context: { tier: 'gold' },
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect, Resource: event.methodArn }] } };
};`;

function synth(root: string, outFile: string): string {
  const code = (name: string, source: string) => {
    const dir = path.join(root, 'code', name);
    require('node:fs').mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.js'), source);
    return lambda.Code.fromAsset(dir);
  };
  const outdir = path.join(root, 'cdk.out');
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'IdentityTest', { env: { region: 'us-east-1', account: '000000000000' } });
  const fn = (id: string, source: string, environment: Record<string, string> = {}) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: code(id, source),
      environment,
      timeout: Duration.seconds(10),
    });

  const postConfirmation = fn('RegisterProfile', TRIGGER, { OUT: outFile });
  const pool = new cognito.UserPool(stack, 'Pool', {
    selfSignUpEnabled: true,
    signInAliases: { email: true },
    autoVerify: { email: true },
    lambdaTriggers: { postConfirmation },
  });
  const client = pool.addClient('Web', { authFlows: { userPassword: true, userSrp: true } });
  pool.addGroup('Admins', { groupName: 'admins' });
  const read = new cognito.ResourceServerScope({ scopeName: 'read', scopeDescription: 'read' });
  const write = new cognito.ResourceServerScope({ scopeName: 'write', scopeDescription: 'write' });
  const server = pool.addResourceServer('Api', { identifier: 'api', scopes: [read, write] });
  const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: 'itest-shop' } });
  const machine = pool.addClient('Machine', {
    generateSecret: true,
    authFlows: {},
    oAuth: {
      flows: { clientCredentials: true },
      scopes: [cognito.OAuthScope.resourceServer(server, read), cognito.OAuthScope.resourceServer(server, write)],
    },
  });

  const api = new apigw.RestApi(stack, 'Api');
  const echo = new apigw.LambdaIntegration(fn('Echo', ECHO));
  const users = new apigw.CognitoUserPoolsAuthorizer(stack, 'Users', { cognitoUserPools: [pool] });
  api.root.addResource('me').addMethod('GET', echo, { authorizer: users, authorizationType: apigw.AuthorizationType.COGNITO });
  api.root
    .addResource('machine')
    .addMethod('GET', echo, { authorizer: users, authorizationType: apigw.AuthorizationType.COGNITO, authorizationScopes: ['api/read'] });
  const tokenAuthorizer = new apigw.TokenAuthorizer(stack, 'Robots', {
    handler: fn('RobotsFn', TOKEN_AUTHORIZER),
    resultsCacheTtl: Duration.seconds(0),
  });
  api.root.addResource('robots').addMethod('GET', echo, { authorizer: tokenAuthorizer });

  new CfnOutput(stack, 'TokenUrl', { value: `${domain.baseUrl()}/oauth2/token` });
  new CfnOutput(stack, 'ClientId', { value: client.userPoolClientId });
  new CfnOutput(stack, 'MachineClientId', { value: machine.userPoolClientId });
  new CfnOutput(stack, 'PoolArn', { value: pool.userPoolArn });
  app.synth();
  return outdir;
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

describe('identity on the local cloud', () => {
  let root: string;
  let outFile: string;
  let cloud: LocalCloud;
  let idp: CognitoIdentityProviderClient;
  let poolId: string;
  const email = 'ada@example.com';
  const password = 'Correct-Horse-9';
  let idToken: string;
  let accessToken: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'identity-it-'));
    outFile = path.join(root, 'post-confirmation.ndjson');
    const assemblyDir = synth(root, outFile);
    cloud = await startLocalCloud({ assemblyDir, apiPort: 0, edgePort: 0, stateDir: path.join(root, 'state'), log: () => undefined });
    poolId = cloud.cognito.poolIds()[0]!;
    idp = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: cloud.edgeUrl });
  }, 120_000);

  afterAll(async () => {
    idp?.destroy();
    await cloud?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (route: string, authorization?: string) =>
    fetch(`${cloud.apiUrl}${route}`, { headers: authorization === undefined ? {} : { authorization } });

  test('the pool id in tokens is the last segment of the pool ARN the assembly resolves; the token URL of the domain is local', () => {
    expect(cloud.outputs.PoolArn).toBe(`arn:aws:cognito-idp:us-east-1:000000000000:userpool/${poolId}`);
    expect(poolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(cloud.notEmulated.map((n) => n.type).join(' ')).not.toMatch(/Cognito|Authorizer/);
    expect(cloud.outputs.TokenUrl).toBe(`${cloud.edgeUrl}/_cognito/itest-shop/oauth2/token`);
  });

  test('sign up, confirm and sign in with the SDK against the edge; the PostConfirmation trigger ran', async () => {
    const clientId = cloud.outputs.ClientId!;
    const signedUp = await idp.send(
      new SignUpCommand({ ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
    );
    expect(signedUp.UserConfirmed).toBe(false);
    const code = cloud.cognito.confirmationCode(poolId, email)!;
    await idp.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
    await cloud.idle();
    const events = readFileSync(outFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userPoolId: poolId,
      request: { userAttributes: { email, sub: signedUp.UserSub } },
    });
    await cloud.cognito.operations.AdminAddUserToGroup({ UserPoolId: poolId, Username: email, GroupName: 'admins' });
    const auth = await idp.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    idToken = auth.AuthenticationResult!.IdToken!;
    accessToken = auth.AuthenticationResult!.AccessToken!;
    expect(claimsOf(idToken)).toMatchObject({ iss: `${cloud.edgeUrl}/${poolId}`, sub: signedUp.UserSub, 'cognito:groups': ['admins'] });
  });

  test('an unsigned non-public call is refused; a raw unsigned SignUp-style call routes to cognito (not S3)', async () => {
    const raw = (target: string, body: object) =>
      fetch(cloud.edgeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
        body: JSON.stringify(body),
      });
    const admin = await raw('AdminGetUser', { UserPoolId: poolId, Username: email });
    expect(admin.status).toBe(400);
    expect(await admin.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const getUser = await raw('GetUser', { AccessToken: accessToken });
    expect(getUser.status).toBe(200);
    expect(await getUser.json()).toMatchObject({ UserAttributes: expect.arrayContaining([{ Name: 'email', Value: email }]) });
    const preflight = await fetch(cloud.edgeUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://shop.test', 'access-control-request-headers': 'content-type,x-amz-target' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    // Signed admin calls (the SDK with credentials) still go through.
    expect((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }))).UserStatus).toBe('CONFIRMED');
  });

  test('the Cognito-authorized method gets the claims; no token, a forged one or an access token get 401', async () => {
    const ok = await get('/me', idToken);
    expect(ok.status).toBe(200);
    const { authorizer } = (await ok.json()) as { authorizer: { claims: Record<string, string> } };
    expect(authorizer.claims).toMatchObject({ sub: claimsOf(idToken).sub, 'cognito:groups': 'admins', email, token_use: 'id' });
    expect(await get('/me', `Bearer ${idToken}`).then((r) => r.status)).toBe(200);

    const none = await get('/me');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    expect(none.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    const [h, p] = idToken.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...claimsOf(idToken), 'cognito:groups': ['root'] })).toString('base64url');
    expect(await get('/me', `${h}.${forgedPayload}.${idToken.split('.')[2]}`).then((r) => r.status)).toBe(401);
    expect(await get('/me', `${h}.${p}.AAAA`).then((r) => r.status)).toBe(401);
    expect(await get('/me', accessToken).then((r) => r.status)).toBe(401);
  });

  test('client_credentials at the domain token endpoint: the scoped method takes the token with its scope, 401 without', async () => {
    const tokenUrl = cloud.outputs.TokenUrl!;
    const described = await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: cloud.outputs.MachineClientId }));
    const secret = described.UserPoolClient!.ClientSecret!;
    const basic = Buffer.from(`${cloud.outputs.MachineClientId}:${secret}`).toString('base64');
    const token = (scope: string | undefined, headers: Record<string, string> = { authorization: `Basic ${basic}` }, extra = '') =>
      fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}${extra}`,
      });
    const granted = await token('api/read');
    expect(granted.status).toBe(200);
    const body = (await granted.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(claimsOf(body.access_token)).toMatchObject({
      sub: cloud.outputs.MachineClientId,
      client_id: cloud.outputs.MachineClientId,
      token_use: 'access',
      scope: 'api/read',
      iss: `${cloud.edgeUrl}/${poolId}`,
      version: 2,
    });
    const onScoped = await get('/machine', body.access_token);
    expect(onScoped.status).toBe(200);
    expect(((await onScoped.json()) as { authorizer: { claims: Record<string, string> } }).authorizer.claims.scope).toBe('api/read');

    const writeOnly = (await (await token('api/write')).json()) as { access_token: string };
    expect(await get('/machine', writeOnly.access_token).then((r) => r.status)).toBe(401);
    expect(await get('/machine', idToken).then((r) => r.status)).toBe(401);

    const all = (await (await token(undefined)).json()) as { access_token: string };
    expect(claimsOf(all.access_token).scope).toBe('api/read api/write');
    const inBody = await token('api/read', {}, `&client_id=${cloud.outputs.MachineClientId}&client_secret=${encodeURIComponent(secret)}`);
    expect(inBody.status).toBe(200);

    const wrongSecret = await token('api/read', {
      authorization: `Basic ${Buffer.from(`${cloud.outputs.MachineClientId}:nope`).toString('base64')}`,
    });
    expect([wrongSecret.status, await wrongSecret.json()]).toEqual([401, { error: 'invalid_client' }]);
    const badScope = await token('api/admin');
    expect([badScope.status, await badScope.json()]).toEqual([400, { error: 'invalid_scope' }]);
    const badGrant = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=password',
    });
    expect([badGrant.status, await badGrant.json()]).toEqual([400, { error: 'unsupported_grant_type' }]);
    const userClient = await token('api/read', { authorization: `Basic ${Buffer.from(`${cloud.outputs.ClientId}:x`).toString('base64')}` });
    expect(userClient.status).toBe(401);
  });

  test('the Lambda TOKEN authorizer allows, denies and refuses', async () => {
    const allowed = await get('/robots', 'allow');
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { authorizer: Record<string, unknown> }).authorizer).toMatchObject({
      principalId: 'robot',
      tier: 'gold',
    });
    const denied = await get('/robots', 'deny');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ Message: 'User is not authorized to access this resource with an explicit deny' });
    expect(await get('/robots', 'who').then((r) => r.status)).toBe(401);
    expect(await get('/robots').then((r) => r.status)).toBe(401);
  });

  test('the JWKS served at the issuer URL is the pool JWKS, and verifies the tokens', async () => {
    const issuer = `${cloud.edgeUrl}/${poolId}`;
    const served = await fetch(`${issuer}/.well-known/jwks.json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(cloud.cognito.jwks(poolId));
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), { issuer });
    expect(payload.token_use).toBe('id');
    const config = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(config.issuer).toBe(issuer);
  });

  test('`local-cloud user` creates a confirmed, signed-in admin through the edge', async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.join(PACKAGE, 'bin', 'local-cloud.cjs'), 'user', ...args, '--edge-port', new URL(cloud.edgeUrl).port],
          { cwd: root },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const short = await run('grace@example.com', '--admin', '--name', 'Grace Hopper', '--phone', '+15555550100');
    expect(short.stderr).toBe('');
    expect(short.code).toBe(0);
    const lines = short.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Created grace@example.com in ${poolId} \\(groups: admins\\): confirmed, signed in`));
    const generated = /password {2}(\S+)/.exec(short.stdout)![1]!;
    const id = /id token {2}(\S+)/.exec(short.stdout)![1]!;
    expect(lines.at(-1)).toBe(`curl -H "Authorization: ${id}" ${cloud.apiUrl}/users/me`);
    expect(claimsOf(id)).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      'cognito:groups': ['admins'],
      email_verified: true,
    });
    await cloud.idle();
    expect(readFileSync(outFile, 'utf8')).toContain('grace@example.com');
    // The generated password signs in.
    const again = await idp.send(
      new InitiateAuthCommand({
        ClientId: cloud.outputs.ClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'grace@example.com', PASSWORD: generated },
      }),
    );
    expect(again.AuthenticationResult?.IdToken).toBeDefined();
    expect(await get('/me', id).then((r) => r.status)).toBe(200);

    const json = await run('linus@example.com', '--password', 'Penguin-Power-1', '--json');
    expect(json.code).toBe(0);
    const created = JSON.parse(json.stdout) as {
      sub: string;
      generatedPassword?: string;
      tokens: { IdToken: string; AccessToken: string };
    };
    expect(created.generatedPassword).toBeUndefined();
    expect(claimsOf(created.tokens.IdToken).sub).toBe(created.sub);

    const taken = await run('linus@example.com');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/UsernameExistsException/);
    expect(existsSync(outFile)).toBe(true);
  }, 60_000);
});
