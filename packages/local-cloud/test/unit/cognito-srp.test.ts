/**
 * The SRP flow (USER_SRP_AUTH + PASSWORD_VERIFIER) of the local Cognito driven
 * by amazon-cognito-identity-js, the client library whose SRP amplify uses:
 * proves the server side computes what a real client expects, unsigned calls
 * over fetch included.
 */
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  SignUpCommand,
  AdminConfirmSignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { CognitoService, cognitoIssuer, userPoolClientIdentity, userPoolIdentity, verifyCognitoToken } from '../../src/cognito';
import type { StackResource } from '../../src/types';
import { serveEdgeHandler, type ServedHandler } from '../support/edge-handler';
import { localStack } from '../support/local-stack';

const naming = (logicalId: string) => ({
  region: 'us-east-1',
  accountId: '000000000000',
  stackName: 'Shop',
  logicalId,
  edgeUrl: 'http://localhost:4566',
});
const pool = userPoolIdentity(naming('UserPool'));
const client = userPoolClientIdentity(naming('StorefrontClient'));

const resources: StackResource[] = [
  {
    logicalId: 'UserPool',
    type: 'AWS::Cognito::UserPool',
    properties: { UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], MfaConfiguration: 'OPTIONAL' },
    physicalId: pool.physicalId,
    attributes: pool.attributes,
    metadata: {},
  },
  {
    logicalId: 'StorefrontClient',
    type: 'AWS::Cognito::UserPoolClient',
    properties: { UserPoolId: pool.physicalId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
    physicalId: client.physicalId,
    attributes: client.attributes,
    metadata: {},
  },
];

let served: ServedHandler;
let cognito: CognitoService;
let sdk: CognitoIdentityProviderClient;
let userPool: CognitoUserPool;

beforeAll(async () => {
  let current: CognitoService | undefined = undefined;
  served = await serveEdgeHandler((request) => current!.handler(request), 'cognito-idp');
  current = cognito = new CognitoService({ stack: localStack(resources), issuerBase: served.url, log: () => {} });
  sdk = new CognitoIdentityProviderClient({ endpoint: served.url, region: 'us-east-1' });
  userPool = new CognitoUserPool({ UserPoolId: pool.physicalId, ClientId: client.physicalId, endpoint: served.url });
});

afterAll(async () => {
  sdk.destroy();
  await served.close();
});

type Outcome =
  | { session: CognitoUserSession }
  | { error: { code?: string; name?: string; message: string } }
  | { newPasswordRequired: Record<string, string> };

function authenticate(user: CognitoUser, username: string, password: string): Promise<Outcome> {
  return new Promise((resolve) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ session }),
      onFailure: (error) => resolve({ error }),
      newPasswordRequired: (userAttributes) => resolve({ newPasswordRequired: userAttributes }),
    });
  });
}

const PASSWORD = 'Correct-Horse-1';

test('USER_SRP_AUTH + PASSWORD_VERIFIER signs in with the password, refuses a wrong one', async () => {
  await sdk.send(new SignUpCommand({ ClientId: client.physicalId, Username: 'srp@example.com', Password: PASSWORD }));
  await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.physicalId, Username: 'srp@example.com' }));

  const wrong = await authenticate(new CognitoUser({ Username: 'srp@example.com', Pool: userPool }), 'srp@example.com', 'Wrong-Horse-1');
  expect(wrong).toMatchObject({ error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' } });

  const user = new CognitoUser({ Username: 'srp@example.com', Pool: userPool });
  const ok = await authenticate(user, 'srp@example.com', PASSWORD);
  if (!('session' in ok)) throw new Error(`sign-in failed: ${JSON.stringify(ok)}`);
  const id = await verifyCognitoToken(ok.session.getIdToken().getJwtToken(), {
    issuer: cognitoIssuer(served.url, pool.physicalId),
    tokenUse: 'id',
  });
  expect(id).toMatchObject({ email: 'srp@example.com', aud: client.physicalId });

  // The library's own refresh (REFRESH_TOKEN_AUTH, unsigned).
  const refreshed = await new Promise<CognitoUserSession>((resolve, reject) =>
    user.refreshSession(ok.session.getRefreshToken(), (error: Error | null, session: CognitoUserSession) =>
      error ? reject(error) : resolve(session),
    ),
  );
  expect(refreshed.getAccessToken().decodePayload().origin_jti).toBe(ok.session.getAccessToken().decodePayload().origin_jti);
});

test('an admin-created user gets NEW_PASSWORD_REQUIRED after SRP and completes it', async () => {
  await sdk.send(
    new AdminCreateUserCommand({
      UserPoolId: pool.physicalId,
      Username: 'new@example.com',
      TemporaryPassword: 'Temporary-1!',
      MessageAction: 'SUPPRESS',
    }),
  );
  const user = new CognitoUser({ Username: 'new@example.com', Pool: userPool });
  const first = await authenticate(user, 'new@example.com', 'Temporary-1!');
  expect(first).toMatchObject({ newPasswordRequired: { email: 'new@example.com' } });
  const session = await new Promise<CognitoUserSession>((resolve, reject) =>
    user.completeNewPasswordChallenge('Permanent-Pass-1!', {}, { onSuccess: resolve, onFailure: reject }),
  );
  expect(session.getIdToken().decodePayload()).toMatchObject({ email: 'new@example.com', token_use: 'id' });
  const again = await authenticate(
    new CognitoUser({ Username: 'new@example.com', Pool: userPool }),
    'new@example.com',
    'Permanent-Pass-1!',
  );
  expect('session' in again).toBe(true);
  expect(cognito.messages().filter((m) => m.kind === 'AdminCreateUser')).toEqual([]); // SUPPRESS
});
