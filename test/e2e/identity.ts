/**
 * Signed-in callers for the e2e suite, made the way a storefront makes them:
 * SignUp, confirmation, InitiateAuth against the stack's user pool — the local
 * cloud's (AWS_ENDPOINT_URL set) or a deployed one (the same calls; confirming
 * and adding to a group are admin calls, made with the caller's credentials).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { output, target } from './target';

export interface Caller {
  /** The Cognito `sub`: the user's id everywhere in the platform. */
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

let client: CognitoIdentityProviderClient | undefined;
const cognito = () => (client ??= new CognitoIdentityProviderClient({ endpoint: process.env.AWS_ENDPOINT_URL }));

/** A password the pool's policy accepts (upper, lower, digit, symbol, long). */
export const strongPassword = () => `Aa1!${randomBytes(12).toString('base64url')}`;

export interface NewCaller {
  readonly email?: string;
  readonly name?: string;
  readonly phone?: string;
  /** Adds the user to the `admins` group before signing in, so the tokens carry it. */
  readonly admin?: boolean;
}

/** Signs a new user up, confirms them, and signs them in with USER_PASSWORD_AUTH. */
export async function newCaller(options: NewCaller = {}): Promise<Caller> {
  const { outputs } = await target();
  const poolId = output(outputs, 'UserPoolId');
  const clientId = output(outputs, 'UserPoolClientId');
  const email = options.email ?? `e2e-${randomUUID()}@example.com`;
  const password = strongPassword();
  const { UserSub } = await cognito().send(
    new SignUpCommand({
      ClientId: clientId,
      Username: email,
      Password: password,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'name', Value: options.name ?? 'Ada Lovelace' },
        { Name: 'phone_number', Value: options.phone ?? '+14155550100' },
      ],
    }),
  );
  await cognito().send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  if (options.admin) await cognito().send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'admins' }));
  const tokens = await signIn(email, password);
  return { userId: UserSub!, email, password, ...tokens };
}

/** InitiateAuth with USER_PASSWORD_AUTH (the stage config allows it for tests). */
export async function signIn(email: string, password: string): Promise<Pick<Caller, 'idToken' | 'accessToken' | 'refreshToken'>> {
  const { outputs } = await target();
  const { AuthenticationResult } = await cognito().send(
    new InitiateAuthCommand({
      ClientId: output(outputs, 'UserPoolClientId'),
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  if (!AuthenticationResult?.IdToken) throw new Error(`no tokens for ${email}`);
  return {
    idToken: AuthenticationResult.IdToken,
    accessToken: AuthenticationResult.AccessToken!,
    refreshToken: AuthenticationResult.RefreshToken!,
  };
}

/** A machine client's credentials for its routes: an access token with its scopes, and its API key. */
export interface Machine {
  readonly accessToken: string;
  readonly apiKey: string;
}

/**
 * A machine client of the stack (e.g. `ActivityProducer`): its secret read with
 * DescribeUserPoolClient, an access token from the pool's OAuth2 token endpoint
 * (`client_credentials`), and its API key value from E2E_API_KEYS (key id -> value;
 * the local cloud's global setup sets it, for AWS give it yourself).
 */
export async function machine(name: string, scope: string): Promise<Machine> {
  const { outputs } = await target();
  const clientId = output(outputs, `${name}ClientId`);
  const { UserPoolClient } = await cognito().send(
    new DescribeUserPoolClientCommand({ UserPoolId: output(outputs, 'UserPoolId'), ClientId: clientId }),
  );
  const response = await fetch(output(outputs, 'TokenUrl'), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${UserPoolClient!.ClientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  const { access_token: accessToken } = (await response.json()) as { access_token: string };
  const keys = JSON.parse(process.env.E2E_API_KEYS ?? '{}') as Record<string, string>;
  const apiKey = keys[output(outputs, `${name}ApiKeyId`)];
  if (!apiKey) throw new Error(`no value for the API key of ${name} in E2E_API_KEYS`);
  return { accessToken, apiKey };
}
