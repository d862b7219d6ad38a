/**
 * The local Cognito through the real @aws-sdk/client-cognito-identity-provider
 * (AWS JSON 1.1) against CognitoService's EdgeHandler served on a free port,
 * provisioned from resources shaped like a synthesised template; tokens are
 * verified with jose against the JWKS the handler serves over HTTP.
 */
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ChangePasswordCommand,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  ListUsersCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import {
  CognitoService,
  cognitoIssuer,
  isUnsignedCognitoCall,
  userPoolClientIdentity,
  userPoolGroupIdentity,
  userPoolIdentity,
  verifyCognitoToken,
} from '../../src/cognito';
import type { InvokeResult, LambdaInvoker, StackResource } from '../../src/types';
import { serveEdgeHandler, type ServedHandler } from '../support/edge-handler';
import { localStack } from '../support/local-stack';

// ---------------------------------------------------------------- template

const naming = (logicalId: string) => ({
  region: 'us-east-1',
  accountId: '000000000000',
  stackName: 'Shop',
  logicalId,
  edgeUrl: 'http://localhost:4566',
});
const pool = userPoolIdentity(naming('UserPool6BA7E5F2'));
const webClient = userPoolClientIdentity(naming('UserPoolWebClient'), 'web');
const srpClient = userPoolClientIdentity(naming('UserPoolSrpClient'), 'storefront');
const serverClient = userPoolClientIdentity(naming('UserPoolServerClient'), 'backoffice');
const postConfirmationArn = 'arn:aws:lambda:us-east-1:000000000000:function:Shop-PostConfirmation';
const preTokenArn = 'arn:aws:lambda:us-east-1:000000000000:function:Shop-PreToken';

function resources(lambdaConfig: Record<string, unknown>): StackResource[] {
  return [
    {
      logicalId: 'UserPool6BA7E5F2',
      type: 'AWS::Cognito::UserPool',
      properties: {
        UserPoolName: 'shop-users',
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: {
          PasswordPolicy: {
            MinimumLength: 10,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: false,
            TemporaryPasswordValidityDays: 3,
          },
        },
        Schema: [{ Name: 'email', Mutable: true, Required: true }],
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        LambdaConfig: lambdaConfig,
      },
      physicalId: pool.physicalId,
      attributes: pool.attributes,
      metadata: {},
    },
    {
      logicalId: 'UserPoolWebClient',
      type: 'AWS::Cognito::UserPoolClient',
      properties: {
        UserPoolId: pool.physicalId,
        ClientName: 'web',
        ExplicitAuthFlows: [
          'ALLOW_USER_PASSWORD_AUTH',
          'ALLOW_ADMIN_USER_PASSWORD_AUTH',
          'ALLOW_USER_SRP_AUTH',
          'ALLOW_REFRESH_TOKEN_AUTH',
        ],
        AllowedOAuthFlowsUserPoolClient: false,
        IdTokenValidity: 30,
        AccessTokenValidity: 30,
        TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
        PreventUserExistenceErrors: 'LEGACY',
      },
      physicalId: webClient.physicalId,
      attributes: webClient.attributes,
      metadata: {},
    },
    {
      logicalId: 'UserPoolSrpClient',
      type: 'AWS::Cognito::UserPoolClient',
      properties: {
        UserPoolId: pool.physicalId,
        ClientName: 'storefront',
        ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
      },
      physicalId: srpClient.physicalId,
      attributes: srpClient.attributes,
      metadata: {},
    },
    {
      logicalId: 'UserPoolServerClient',
      type: 'AWS::Cognito::UserPoolClient',
      properties: {
        UserPoolId: pool.physicalId,
        ClientName: 'backoffice',
        GenerateSecret: true,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      },
      physicalId: serverClient.physicalId,
      attributes: serverClient.attributes,
      metadata: {},
    },
    {
      logicalId: 'AdminsGroup',
      type: 'AWS::Cognito::UserPoolGroup',
      properties: { UserPoolId: pool.physicalId, GroupName: 'admins', Precedence: 1, Description: 'Shop administrators' },
      physicalId: userPoolGroupIdentity(naming('AdminsGroup'), 'admins').physicalId,
      attributes: {},
      metadata: {},
    },
    {
      logicalId: 'SupportGroup',
      type: 'AWS::Cognito::UserPoolGroup',
      properties: { UserPoolId: pool.physicalId, GroupName: 'support', Precedence: 5 },
      physicalId: 'support',
      attributes: {},
      metadata: {},
    },
  ];
}

// ---------------------------------------------------------------- fake functions

interface Call {
  readonly functionRef: string;
  readonly event: any;
}

const record = (functionName: string): InvokeResult['record'] => ({
  timestamp: new Date().toISOString(),
  functionName,
  logicalId: functionName,
  requestId: 'r',
  memorySizeMb: 128,
  durationMs: 1,
  billedDurationMs: 1,
  maxMemoryUsedMb: 10,
  status: 'success',
});

/** Records each invocation; `answer` decides what the "function" returns (default: the event back, as Cognito triggers do). */
function fakeInvoker(
  calls: Call[],
  answer: (functionRef: string, event: any) => Partial<InvokeResult> = (_f, event) => ({ payload: event }),
): LambdaInvoker {
  return {
    async invoke(functionRef, event) {
      calls.push({ functionRef, event: structuredClone(event) });
      return { record: record(functionRef), ...answer(functionRef, event) };
    },
    async invokeAsync() {
      throw new Error('Cognito triggers are synchronous');
    },
  };
}

// ---------------------------------------------------------------- setup

let served: ServedHandler;
let cognito: CognitoService;
let sdk: CognitoIdentityProviderClient;
let calls: Call[];
let logLines: string[];
let answer: ((functionRef: string, event: any) => Partial<InvokeResult>) | undefined;

async function start(
  options: { lambdaConfig?: Record<string, unknown>; dataDir?: string; issuerBase?: string; now?: () => number } = {},
): Promise<void> {
  calls = [];
  logLines = [];
  let current: CognitoService | undefined = undefined;
  served = await serveEdgeHandler((request) => current!.handler(request), 'cognito-idp');
  current = cognito = new CognitoService({
    stack: localStack(resources(options.lambdaConfig ?? { PostConfirmation: postConfirmationArn })),
    invoker: fakeInvoker(calls, (f, e) => (answer ? answer(f, e) : { payload: e })),
    issuerBase: options.issuerBase ?? served.url,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.now ? { now: options.now } : {}),
    log: (line) => logLines.push(line),
  });
  sdk = new CognitoIdentityProviderClient({ endpoint: served.url, region: 'us-east-1' });
}

beforeEach(async () => {
  answer = undefined;
  await start();
});

afterEach(async () => {
  sdk.destroy();
  await served.close();
});

const PASSWORD = 'Correct-Horse1';

async function signUpConfirmed(email: string, password = PASSWORD): Promise<string> {
  const { UserSub } = await sdk.send(
    new SignUpCommand({
      ClientId: webClient.physicalId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'name', Value: 'Ada' }],
    }),
  );
  const code = cognito.confirmationCode(pool.physicalId, email)!;
  await sdk.send(new ConfirmSignUpCommand({ ClientId: webClient.physicalId, Username: email, ConfirmationCode: code }));
  return UserSub!;
}

async function signIn(email: string, password = PASSWORD, clientId = webClient.physicalId) {
  const { AuthenticationResult } = await sdk.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  return AuthenticationResult!;
}

const issuer = () => cognitoIssuer(served.url, pool.physicalId);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

// ---------------------------------------------------------------- tests

describe('sign-up, confirmation and sign-in', () => {
  test('sign up -> confirm -> USER_PASSWORD_AUTH gives RS256 tokens with Cognito claims that verify against the served JWKS', async () => {
    const signUp = await sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'ada@example.com', Password: PASSWORD }));
    expect(signUp.UserConfirmed).toBe(false);
    expect(signUp.UserSub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(signUp.CodeDeliveryDetails).toEqual({ Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = cognito.confirmationCode(pool.physicalId, 'ada@example.com');
    expect(code).toMatch(/^\d{6}$/);
    expect(logLines.some((l) => l.includes('ada@example.com') && l.includes(code!))).toBe(true);

    await sdk.send(new ConfirmSignUpCommand({ ClientId: webClient.physicalId, Username: 'ada@example.com', ConfirmationCode: code }));
    const tokens = await signIn('ADA@example.com');
    expect(tokens).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 1800 });
    expect(typeof tokens.RefreshToken).toBe('string');

    const id = await verifyCognitoToken(tokens.IdToken!, { issuer: issuer(), tokenUse: 'id', clientIds: [webClient.physicalId] });
    expect(decodeProtectedHeader(tokens.IdToken!)).toEqual({ alg: 'RS256', kid: cognito.jwks(pool.physicalId)!.keys[0].kid });
    expect(id).toMatchObject({
      sub: signUp.UserSub,
      iss: `${served.url}/${pool.physicalId}`,
      aud: webClient.physicalId,
      token_use: 'id',
      email: 'ada@example.com',
      email_verified: true,
      'cognito:username': signUp.UserSub,
    });
    expect(id.exp! - id.iat!).toBe(1800);
    expect(id.auth_time).toBe(id.iat);
    for (const claim of ['event_id', 'jti', 'origin_jti']) expect(typeof id[claim]).toBe('string');
    expect(id['cognito:groups']).toBeUndefined();

    const access = await verifyCognitoToken(tokens.AccessToken!, {
      issuer: issuer(),
      tokenUse: 'access',
      clientIds: [webClient.physicalId],
    });
    expect(access).toMatchObject({
      sub: signUp.UserSub,
      client_id: webClient.physicalId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: signUp.UserSub,
      origin_jti: id.origin_jti,
      event_id: id.event_id,
    });
    await expect(verifyCognitoToken(tokens.IdToken!, { issuer: issuer(), tokenUse: 'access' })).rejects.toThrow('expected an access token');
    await expect(verifyCognitoToken(tokens.IdToken!, { issuer: issuer(), clientIds: [srpClient.physicalId] })).rejects.toThrow(
      'another app client',
    );

    const me = await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
    expect(me.Username).toBe(signUp.UserSub);
    expect(me.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'sub', Value: signUp.UserSub },
        { Name: 'email', Value: 'ada@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ]),
    );
  });

  test('the JWKS and the OpenID configuration are served under the issuer', async () => {
    const jwks = (await (await fetch(`${issuer()}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const openid = (await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(openid).toMatchObject({ issuer: issuer(), jwks_uri: `${issuer()}/.well-known/jwks.json` });
    expect((await fetch(`${served.url}/us-east-1_Nope/.well-known/jwks.json`)).status).toBe(501); // not ours: left to the edge
  });

  test('wrong password, unknown user, unconfirmed user, wrong code', async () => {
    await sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'bob@example.com', Password: PASSWORD }));
    await expect(signIn('bob@example.com')).rejects.toMatchObject({
      name: 'UserNotConfirmedException',
      message: 'User is not confirmed.',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(signIn('bob@example.com', 'Wrong-Password1')).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    await expect(
      sdk.send(
        new ConfirmSignUpCommand({
          ClientId: webClient.physicalId,
          Username: 'bob@example.com',
          ConfirmationCode: '000000' === cognito.confirmationCode(pool.physicalId, 'bob@example.com') ? '111111' : '000000',
        }),
      ),
    ).rejects.toMatchObject({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
    await expect(signIn('nobody@example.com')).rejects.toMatchObject({ name: 'UserNotFoundException', message: 'User does not exist.' });
    // A client with PreventUserExistenceErrors ENABLED answers as for a wrong password.
    await expect(
      sdk.send(
        new InitiateAuthCommand({
          ClientId: srpClient.physicalId,
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: 'nobody@example.com', SRP_A: 'abc' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });

    await sdk.send(
      new ConfirmSignUpCommand({
        ClientId: webClient.physicalId,
        Username: 'bob@example.com',
        ConfirmationCode: cognito.confirmationCode(pool.physicalId, 'bob@example.com'),
      }),
    );
    await expect(
      sdk.send(new ConfirmSignUpCommand({ ClientId: webClient.physicalId, Username: 'bob@example.com', ConfirmationCode: '123456' })),
    ).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'User cannot be confirmed. Current status is CONFIRMED',
    });
    await expect(signIn('bob@example.com', 'Wrong-Password1')).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  test('duplicate username, password policy, username must be an email, unknown client', async () => {
    await signUpConfirmed('cy@example.com');
    await expect(
      sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'CY@example.com', Password: PASSWORD })),
    ).rejects.toMatchObject({
      name: 'UsernameExistsException',
      message: 'An account with the given email already exists.',
    });
    await expect(
      sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'dee@example.com', Password: 'Short1' })),
    ).rejects.toMatchObject({
      name: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password not long enough',
    });
    await expect(
      sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'dee@example.com', Password: 'longenough1' })),
    ).rejects.toMatchObject({
      name: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password must have uppercase characters',
    });
    // RequireSymbols: false in the template.
    await sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'dee@example.com', Password: 'LongEnough1' }));
    await expect(
      sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'dee', Password: PASSWORD })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Username should be an email.',
    });
    await expect(sdk.send(new SignUpCommand({ ClientId: 'nope', Username: 'e@example.com', Password: PASSWORD }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('USER_PASSWORD_AUTH is refused when the client does not allow it', async () => {
    await signUpConfirmed('eve@example.com');
    await expect(signIn('eve@example.com', PASSWORD, srpClient.physicalId)).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'USER_PASSWORD_AUTH flow not enabled for this client',
    });
  });
});

describe('passwords and client secrets', () => {
  test('ForgotPassword -> ConfirmForgotPassword, then ChangePassword with the access token', async () => {
    await signUpConfirmed('wes@example.com');
    const forgot = await sdk.send(new ForgotPasswordCommand({ ClientId: webClient.physicalId, Username: 'wes@example.com' }));
    expect(forgot.CodeDeliveryDetails).toEqual({ Destination: 'w***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = cognito.confirmationCode(pool.physicalId, 'wes@example.com')!;
    expect(cognito.messages(pool.physicalId).at(-1)).toMatchObject({ kind: 'ForgotPassword', code, destination: 'wes@example.com' });
    await sdk.send(
      new ConfirmForgotPasswordCommand({
        ClientId: webClient.physicalId,
        Username: 'wes@example.com',
        ConfirmationCode: code,
        Password: 'Reset-Password1',
      }),
    );
    expect(calls.map((c) => c.event.triggerSource)).toEqual(['PostConfirmation_ConfirmSignUp', 'PostConfirmation_ConfirmForgotPassword']);
    await expect(signIn('wes@example.com')).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    const tokens = await signIn('wes@example.com', 'Reset-Password1');
    await expect(
      sdk.send(
        new ChangePasswordCommand({
          AccessToken: tokens.AccessToken,
          PreviousPassword: 'Wrong-Password1',
          ProposedPassword: 'Changed-Password1',
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    await sdk.send(
      new ChangePasswordCommand({
        AccessToken: tokens.AccessToken,
        PreviousPassword: 'Reset-Password1',
        ProposedPassword: 'Changed-Password1',
      }),
    );
    await signIn('wes@example.com', 'Changed-Password1');
  });

  test('a client with a secret requires SecretHash = HMAC-SHA256(secret, username + clientId)', async () => {
    const secretHash = (username: string) =>
      createHmac('sha256', serverClient.attributes.ClientSecret)
        .update(username + serverClient.physicalId)
        .digest('base64');
    await expect(
      sdk.send(new SignUpCommand({ ClientId: serverClient.physicalId, Username: 'xia@example.com', Password: PASSWORD })),
    ).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: `Client ${serverClient.physicalId} is configured for secret but secret was not received`,
    });
    await expect(
      sdk.send(
        new SignUpCommand({
          ClientId: serverClient.physicalId,
          Username: 'xia@example.com',
          Password: PASSWORD,
          SecretHash: secretHash('someone-else'),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: `Unable to verify secret hash for client ${serverClient.physicalId}`,
    });
    await sdk.send(
      new SignUpCommand({
        ClientId: serverClient.physicalId,
        Username: 'xia@example.com',
        Password: PASSWORD,
        SecretHash: secretHash('xia@example.com'),
      }),
    );
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.physicalId, Username: 'xia@example.com' }));
    const { AuthenticationResult } = await sdk.send(
      new InitiateAuthCommand({
        ClientId: serverClient.physicalId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'xia@example.com', PASSWORD, SECRET_HASH: secretHash('xia@example.com') },
      }),
    );
    expect(claimsOf(AuthenticationResult!.AccessToken!).client_id).toBe(serverClient.physicalId);
  });
});

describe('groups, refresh and sign-out', () => {
  test('groups appear in cognito:groups of both tokens, by precedence, and leave with the user', async () => {
    await signUpConfirmed('fay@example.com');
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.physicalId, Username: 'fay@example.com', GroupName: 'support' }));
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.physicalId, Username: 'fay@example.com', GroupName: 'admins' }));
    const tokens = await signIn('fay@example.com');
    expect(claimsOf(tokens.IdToken!)['cognito:groups']).toEqual(['admins', 'support']);
    expect(claimsOf(tokens.AccessToken!)['cognito:groups']).toEqual(['admins', 'support']);
    const { Groups } = await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: pool.physicalId, Username: 'fay@example.com' }));
    expect(Groups!.map((g) => [g.GroupName, g.Precedence, g.UserPoolId])).toEqual([
      ['admins', 1, pool.physicalId],
      ['support', 5, pool.physicalId],
    ]);
    expect(Groups![0].CreationDate).toBeInstanceOf(Date);
    await sdk.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: pool.physicalId, Username: 'fay@example.com', GroupName: 'support' }));
    expect(claimsOf((await signIn('fay@example.com')).IdToken!)['cognito:groups']).toEqual(['admins']);
    await expect(
      sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.physicalId, Username: 'fay@example.com', GroupName: 'nope' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('REFRESH_TOKEN_AUTH issues new id and access tokens of the same session, without a new refresh token', async () => {
    await signUpConfirmed('gus@example.com');
    const first = await signIn('gus@example.com');
    const { AuthenticationResult } = await sdk.send(
      new InitiateAuthCommand({
        ClientId: webClient.physicalId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: first.RefreshToken! },
      }),
    );
    expect(AuthenticationResult!.RefreshToken).toBeUndefined();
    const before = claimsOf(first.IdToken!);
    const after = await verifyCognitoToken(AuthenticationResult!.IdToken!, { issuer: issuer() });
    expect(after.origin_jti).toBe(before.origin_jti);
    expect(after.auth_time).toBe(before.auth_time);
    expect(after.jti).not.toBe(before.jti);
    await expect(
      sdk.send(
        new InitiateAuthCommand({
          ClientId: srpClient.physicalId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: first.RefreshToken! },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });

  test('GlobalSignOut revokes the refresh tokens and the access tokens issued before; a new sign-in works', async () => {
    await signUpConfirmed('hal@example.com');
    const a = await signIn('hal@example.com');
    const b = await signIn('hal@example.com');
    await sdk.send(new GlobalSignOutCommand({ AccessToken: a.AccessToken }));
    for (const tokens of [a, b]) {
      await expect(sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Access Token has been revoked',
      });
      await expect(
        sdk.send(
          new InitiateAuthCommand({
            ClientId: webClient.physicalId,
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
          }),
        ),
      ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    }
    const c = await signIn('hal@example.com');
    expect((await sdk.send(new GetUserCommand({ AccessToken: c.AccessToken }))).Username).toBeDefined();
    await expect(sdk.send(new GetUserCommand({ AccessToken: 'not.a.token' }))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Invalid Access Token',
    });
  });
});

describe('expiry', () => {
  test("access tokens, refresh tokens and temporary passwords expire on the pool's clock", async () => {
    await served.close();
    sdk.destroy();
    let clock = Date.now();
    await start({ now: () => clock });
    await signUpConfirmed('ula@example.com');
    const tokens = await signIn('ula@example.com');
    await sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.physicalId,
        Username: 'vic@example.com',
        TemporaryPassword: 'Temporary-Pass1',
        MessageAction: 'SUPPRESS',
      }),
    );
    clock += 31 * 60_000; // the client's AccessTokenValidity is 30 minutes
    await expect(sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Access Token has expired',
    });
    const { AuthenticationResult } = await sdk.send(
      new InitiateAuthCommand({
        ClientId: webClient.physicalId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
      }),
    );
    expect((await sdk.send(new GetUserCommand({ AccessToken: AuthenticationResult!.AccessToken }))).Username).toBeDefined();
    clock += 30 * 86_400_000; // RefreshTokenValidity: 30 days by default
    await expect(
      sdk.send(
        new InitiateAuthCommand({
          ClientId: webClient.physicalId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has expired' });
    // TemporaryPasswordValidityDays: 3 in the template.
    await expect(signIn('vic@example.com', 'Temporary-Pass1')).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Temporary password has expired and must be reset by an administrator.',
    });
  });
});

describe('admin users', () => {
  test('AdminCreateUser (SUPPRESS, TemporaryPassword) -> NEW_PASSWORD_REQUIRED -> RespondToAuthChallenge -> tokens', async () => {
    const { User } = await sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.physicalId,
        Username: 'ivy@example.com',
        TemporaryPassword: 'Temporary-Pass1',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'ivy@example.com' },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    expect(User).toMatchObject({ UserStatus: 'FORCE_CHANGE_PASSWORD', Enabled: true });
    expect(User!.UserCreateDate).toBeInstanceOf(Date);
    expect(cognito.messages(pool.physicalId)).toEqual([]);
    await expect(
      sdk.send(new AdminCreateUserCommand({ UserPoolId: pool.physicalId, Username: 'ivy@example.com', MessageAction: 'SUPPRESS' })),
    ).rejects.toMatchObject({ name: 'UsernameExistsException' });

    const challenge = await sdk.send(
      new InitiateAuthCommand({
        ClientId: webClient.physicalId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'ivy@example.com', PASSWORD: 'Temporary-Pass1' },
      }),
    );
    expect(challenge.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(challenge.AuthenticationResult).toBeUndefined();
    expect(JSON.parse(challenge.ChallengeParameters!.userAttributes)).toMatchObject({ email: 'ivy@example.com' });
    await expect(
      sdk.send(
        new RespondToAuthChallengeCommand({
          ClientId: webClient.physicalId,
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: challenge.Session,
          ChallengeResponses: { USERNAME: 'ivy@example.com', NEW_PASSWORD: 'weak' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPasswordException' });
    const answered = await sdk.send(
      new RespondToAuthChallengeCommand({
        ClientId: webClient.physicalId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: 'ivy@example.com', NEW_PASSWORD: 'Brand-New-Pass1', 'userAttributes.name': 'Ivy' },
      }),
    );
    expect(claimsOf(answered.AuthenticationResult!.IdToken!)).toMatchObject({
      email: 'ivy@example.com',
      name: 'Ivy',
      email_verified: true,
    });
    const got = await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.physicalId, Username: 'ivy@example.com' }));
    expect(got.UserStatus).toBe('CONFIRMED');
    // The admin create path never fires PostConfirmation.
    expect(calls).toEqual([]);
  });

  test('AdminSetUserPassword (Permanent) confirms; AdminInitiateAuth; ListUsers filter; AdminDeleteUser', async () => {
    await sdk.send(new AdminCreateUserCommand({ UserPoolId: pool.physicalId, Username: 'jo@example.com', MessageAction: 'SUPPRESS' }));
    await expect(
      sdk.send(
        new AdminSetUserPasswordCommand({ UserPoolId: pool.physicalId, Username: 'jo@example.com', Password: 'nope', Permanent: true }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPasswordException' });
    await sdk.send(
      new AdminSetUserPasswordCommand({ UserPoolId: pool.physicalId, Username: 'jo@example.com', Password: PASSWORD, Permanent: true }),
    );
    expect((await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.physicalId, Username: 'jo@example.com' }))).UserStatus).toBe(
      'CONFIRMED',
    );
    const admin = await sdk.send(
      new AdminInitiateAuthCommand({
        UserPoolId: pool.physicalId,
        ClientId: webClient.physicalId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'jo@example.com', PASSWORD },
      }),
    );
    expect(admin.AuthenticationResult?.AccessToken).toBeDefined();

    await signUpConfirmed('kim@example.com');
    const { Users } = await sdk.send(new ListUsersCommand({ UserPoolId: pool.physicalId, Filter: 'email ^= "ki"' }));
    expect(Users!.map((u) => u.Attributes!.find((a) => a.Name === 'email')!.Value)).toEqual(['kim@example.com']);
    expect((await sdk.send(new ListUsersCommand({ UserPoolId: pool.physicalId }))).Users).toHaveLength(2);

    await sdk.send(new AdminDeleteUserCommand({ UserPoolId: pool.physicalId, Username: 'jo@example.com' }));
    await expect(sdk.send(new AdminGetUserCommand({ UserPoolId: pool.physicalId, Username: 'jo@example.com' }))).rejects.toMatchObject({
      name: 'UserNotFoundException',
      message: 'User does not exist.',
    });
    await expect(sdk.send(new GetUserCommand({ AccessToken: admin.AuthenticationResult!.AccessToken }))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });
});

describe('Lambda triggers', () => {
  test("PostConfirmation gets Cognito's event after ConfirmSignUp and after AdminConfirmSignUp", async () => {
    const sub = await signUpConfirmed('lou@example.com');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      functionRef: postConfirmationArn,
      event: {
        version: '1',
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        region: 'us-east-1',
        userPoolId: pool.physicalId,
        userName: sub,
        callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: webClient.physicalId },
        request: {
          userAttributes: { sub, email: 'lou@example.com', email_verified: 'true', name: 'Ada', 'cognito:user_status': 'CONFIRMED' },
        },
        response: {},
      },
    });

    const { UserSub } = await sdk.send(
      new SignUpCommand({ ClientId: webClient.physicalId, Username: 'max@example.com', Password: PASSWORD }),
    );
    await sdk.send(
      new AdminConfirmSignUpCommand({ UserPoolId: pool.physicalId, Username: 'max@example.com', ClientMetadata: { source: 'test' } }),
    );
    expect(calls[1].event).toMatchObject({
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userName: UserSub,
      callerContext: { clientId: 'CLIENT_ID_NOT_APPLICABLE' },
      request: { userAttributes: { email_verified: 'false', 'cognito:user_status': 'CONFIRMED' }, clientMetadata: { source: 'test' } },
    });
  });

  test('a failing PostConfirmation fails the call with UserLambdaValidationException; the user stays confirmed, as on AWS', async () => {
    answer = () => ({ error: { errorType: 'Error', errorMessage: 'users table unavailable' } });
    await sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'ned@example.com', Password: PASSWORD }));
    await expect(
      sdk.send(
        new ConfirmSignUpCommand({
          ClientId: webClient.physicalId,
          Username: 'ned@example.com',
          ConfirmationCode: cognito.confirmationCode(pool.physicalId, 'ned@example.com'),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'UserLambdaValidationException',
      message: 'PostConfirmation failed with error users table unavailable.',
      $metadata: { httpStatusCode: 400 },
    });
    expect((await sdk.send(new AdminGetUserCommand({ UserPoolId: pool.physicalId, Username: 'ned@example.com' }))).UserStatus).toBe(
      'CONFIRMED',
    );
    expect(logLines.some((l) => l.includes('PostConfirmation') && l.includes('users table unavailable'))).toBe(true);
  });

  test('PreSignUp can auto-confirm (PostConfirmation then fires at sign-up); PreSignUp errors refuse the sign-up; PreTokenGeneration adds claims', async () => {
    await served.close();
    sdk.destroy();
    const preSignUpArn = 'arn:aws:lambda:us-east-1:000000000000:function:Shop-PreSignUp';
    await start({ lambdaConfig: { PreSignUp: preSignUpArn, PostConfirmation: postConfirmationArn, PreTokenGeneration: preTokenArn } });
    answer = (functionRef, event) => {
      if (functionRef === preSignUpArn) {
        if (event.request.userAttributes.email.endsWith('@blocked.example'))
          return { error: { errorType: 'Error', errorMessage: 'domain not allowed' } };
        return { payload: { ...event, response: { autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false } } };
      }
      if (functionRef === preTokenArn)
        return { payload: { ...event, response: { claimsOverrideDetails: { claimsToAddOrOverride: { tier: 'gold', sub: 'forged' } } } } };
      return { payload: event };
    };
    const signUp = await sdk.send(
      new SignUpCommand({
        ClientId: webClient.physicalId,
        Username: 'oz@example.com',
        Password: PASSWORD,
        ValidationData: [{ Name: 'invite', Value: 'x1' }],
      }),
    );
    expect(signUp.UserConfirmed).toBe(true);
    expect(signUp.CodeDeliveryDetails).toBeUndefined();
    expect(calls.map((c) => c.event.triggerSource)).toEqual(['PreSignUp_SignUp', 'PostConfirmation_ConfirmSignUp']);
    expect(calls[0].event.request).toEqual({ userAttributes: { email: 'oz@example.com' }, validationData: { invite: 'x1' } });
    const id = claimsOf((await signIn('oz@example.com')).IdToken!);
    expect(calls[2].event).toMatchObject({
      triggerSource: 'TokenGeneration_Authentication',
      request: { groupConfiguration: { groupsToOverride: [] } },
    });
    expect(id).toMatchObject({ tier: 'gold', sub: signUp.UserSub, email_verified: true });
    await expect(
      sdk.send(new SignUpCommand({ ClientId: webClient.physicalId, Username: 'x@blocked.example', Password: PASSWORD })),
    ).rejects.toMatchObject({
      name: 'UserLambdaValidationException',
      message: 'PreSignUp failed with error domain not allowed.',
    });
    await expect(sdk.send(new AdminGetUserCommand({ UserPoolId: pool.physicalId, Username: 'x@blocked.example' }))).rejects.toMatchObject({
      name: 'UserNotFoundException',
    });
  });
});

describe('edge boundary', () => {
  test("isUnsignedCognitoCall: unsigned calls with Cognito's target, not signed ones nor other services", () => {
    const unsigned = {
      method: 'POST',
      url: '/',
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth', 'content-type': 'application/x-amz-json-1.1' },
    };
    expect(isUnsignedCognitoCall(unsigned)).toBe(true);
    expect(cognito.routes(unsigned)).toBe(true);
    const signed = {
      ...unsigned,
      headers: {
        ...unsigned.headers,
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=x',
      },
    };
    expect(isUnsignedCognitoCall(signed)).toBe(false);
    expect(isUnsignedCognitoCall({ method: 'POST', url: '/', headers: { 'x-amz-target': 'AmazonSQS.SendMessage' } })).toBe(false);
    expect(cognito.routes({ method: 'GET', url: `/${pool.physicalId}/.well-known/jwks.json`, headers: {} })).toBe(true);
    expect(cognito.routes({ method: 'GET', url: '/some-bucket/.well-known/jwks.json', headers: {} })).toBe(false);
    expect(
      cognito.routes({
        method: 'OPTIONS',
        url: '/',
        headers: { 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' },
      }),
    ).toBe(true);
  });

  test('an unsigned public call is served; an unsigned admin call is refused', async () => {
    const call = (target: string, body: object) =>
      fetch(served.url, {
        method: 'POST',
        headers: { 'x-amz-target': `AWSCognitoIdentityProviderService.${target}`, 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify(body),
      });
    const signUp = await call('SignUp', { ClientId: webClient.physicalId, Username: 'pat@example.com', Password: PASSWORD });
    expect(signUp.status).toBe(200);
    expect(signUp.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const wrong = await call('InitiateAuth', {
      ClientId: webClient.physicalId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'pat@example.com', PASSWORD: 'x' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('x-amzn-errortype')).toBe('NotAuthorizedException');
    expect(await wrong.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    const admin = await call('AdminGetUser', { UserPoolId: pool.physicalId, Username: 'pat@example.com' });
    expect(admin.status).toBe(400);
    expect(((await admin.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });

  test('the operation table answers directly, for the shared protocol layer', async () => {
    await expect(cognito.operations.AdminGetUser({ UserPoolId: 'us-east-1_Missing', Username: 'x' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      status: 400,
      message: 'User pool us-east-1_Missing does not exist.',
    });
  });
});

describe('data dir', () => {
  test('users, sessions and keys survive a restart: old tokens still verify and refresh', async () => {
    // A fixed issuer base, as the edge's port is across restarts (the served port here is not).
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cognito-'));
    try {
      await served.close();
      sdk.destroy();
      await start({ dataDir, issuerBase: 'http://localhost:4566' });
      await signUpConfirmed('quin@example.com');
      const tokens = await signIn('quin@example.com');
      const kid = cognito.jwks(pool.physicalId)!.keys[0].kid;
      await served.close();
      sdk.destroy();
      await start({ dataDir, issuerBase: 'http://localhost:4566' });
      expect(cognito.jwks(pool.physicalId)!.keys[0].kid).toBe(kid);
      expect((await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).Username).toBe(
        claimsOf(tokens.AccessToken!).username,
      );
      const refreshed = await sdk.send(
        new InitiateAuthCommand({
          ClientId: webClient.physicalId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
        }),
      );
      expect(refreshed.AuthenticationResult?.IdToken).toBeDefined();
      await signIn('quin@example.com');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
