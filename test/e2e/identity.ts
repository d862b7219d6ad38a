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
