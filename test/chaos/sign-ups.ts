/**
 * The sign-up scenario's parts: users signed up and confirmed the way the
 * storefront does (SignUp, then AdminConfirmSignUp standing in for the emailed
 * code: the PostConfirmation trigger stores the profile, the table stream
 * publishes UserCreated), and the daily statistics read back.
 */
import { randomUUID } from 'node:crypto';
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoUserStore } from '../../lambda/users/user-store';
import { strongPassword } from '../e2e/identity';
import { output, target } from '../e2e/target';

const cognito = new CognitoIdentityProviderClient({ endpoint: process.env.AWS_ENDPOINT_URL });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** Signs a new user up and confirms them; their `sub`. */
export async function signUp(): Promise<string> {
  const { outputs } = await target();
  const email = `chaos-${randomUUID()}@example.com`;
  const { UserSub } = await cognito.send(
    new SignUpCommand({
      ClientId: output(outputs, 'UserPoolClientId'),
      Username: email,
      Password: strongPassword(),
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'name', Value: 'Chaos Customer' },
        { Name: 'phone_number', Value: '+14155550100' },
      ],
    }),
  );
  // A client confirms again when the PostConfirmation trigger failed (Cognito's 5 s limit under load);
  // "already confirmed" then means an earlier attempt went through.
  for (let attempt = 1; ; attempt++) {
    try {
      await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: output(outputs, 'UserPoolId'), Username: email }));
      return UserSub!;
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NotAuthorizedException' && attempt > 1) return UserSub!;
      if (name !== 'UserLambdaValidationException' || attempt >= 3) throw error;
    }
  }
}

/**
 * Users counted in the daily statistics of yesterday, today and tomorrow (UTC),
 * so a run across midnight is counted whole: each day the sum of its shards,
 * read as the platform reads it (`DynamoUserStore.usersCreatedOn`).
 */
export async function usersCounted(): Promise<number> {
  const { outputs } = await target();
  const store = new DynamoUserStore(dynamo, output(outputs, 'UsersTableName'));
  let total = 0;
  for (const offset of [-1, 0, 1])
    total += await store.usersCreatedOn(new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10));
  return total;
}
