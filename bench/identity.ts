/**
 * Signed-in callers for the benches: a user signed up, confirmed (so the
 * post-confirmation trigger stores the profile) and signed in on the local
 * cloud's user pool, as the e2e suite does (test/e2e/identity.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';

export interface BenchCaller {
  readonly userId: string;
  readonly idToken: string;
}

/** Signs a new user up on the stack's pool (outputs `UserPoolId`, `UserPoolClientId`), confirms and signs them in. */
export async function benchCaller(
  edgeUrl: string,
  outputs: Readonly<Record<string, string>>,
  options: { readonly admin?: boolean } = {},
): Promise<BenchCaller> {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: edgeUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const [poolId, clientId] = [outputs.UserPoolId!, outputs.UserPoolClientId!];
  const email = `bench-${randomUUID()}@example.com`;
  const password = `Aa1!${randomBytes(12).toString('base64url')}`;
  try {
    const { UserSub } = await cognito.send(
      new SignUpCommand({
        ClientId: clientId,
        Username: email,
        Password: password,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'name', Value: 'Bench' },
          { Name: 'phone_number', Value: '+14155550100' },
        ],
      }),
    );
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
    if (options.admin) await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: 'admins' }));
    const { AuthenticationResult } = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    return { userId: UserSub!, idToken: AuthenticationResult!.IdToken! };
  } finally {
    cognito.destroy();
  }
}
