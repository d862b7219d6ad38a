import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { User } from '#domain/users';
import { conditionHeld, failedConditions, transactWrite } from '#shared/dynamo';

/**
 * - `registered`: the profile and its email reservation were stored now.
 * - `already-registered`: the profile was there (a retried trigger, a confirmed
 *   password reset): nothing was written.
 * - `registered-email-held`: stored now, but the email is reserved by another
 *   user id (a user imported by `POST /users/batch` before this identity
 *   existed); the reservation is left as it is.
 */
export type RegistrationOutcome = 'registered' | 'already-registered' | 'registered-email-held';

const userItem = (tableName: string, user: User, correlationId: string) => ({
  TableName: tableName,
  Item: { pk: `USER#${user.userId}`, type: 'user', ...user, correlationId },
  ConditionExpression: 'attribute_not_exists(pk)',
});

/**
 * Stores the profile of a confirmed identity, once: the same item as
 * `DynamoUserStore.create` writes (so the table's stream publishes
 * `UserCreated`, with `correlationId`), put only if absent, and the email
 * reserved (`EMAIL#<email>`) unless another user id holds it — Cognito decides
 * uniqueness of identities now; the reservation keeps `POST /users/batch` from
 * importing a second user with a registered address. Retries and concurrent
 * invocations write one profile and never fail for it. (A function beside
 * DynamoUserStore, not yet a method of it: moving it in is a tidy-up.)
 */
export async function registerProfile(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  user: User,
  correlationId: string,
): Promise<RegistrationOutcome> {
  try {
    await transactWrite(client, {
      TransactItems: [
        { Put: userItem(tableName, user, correlationId) },
        {
          Put: {
            TableName: tableName,
            Item: { pk: `EMAIL#${user.email}`, type: 'email', userId: user.userId },
            ConditionExpression: 'attribute_not_exists(pk) OR userId = :userId',
            ExpressionAttributeValues: { ':userId': user.userId },
          },
        },
      ],
    });
    return 'registered';
  } catch (error) {
    const failed = failedConditions(error);
    if (failed.includes(0)) return 'already-registered';
    if (!failed.includes(1)) throw error;
  }
  // The email is another user's: store the profile alone (still only if absent).
  const stored = await conditionHeld(client.send(new PutCommand(userItem(tableName, user, correlationId))));
  return stored ? 'registered-email-held' : 'already-registered';
}
