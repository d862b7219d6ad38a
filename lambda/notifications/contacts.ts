import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '#domain/notifications';
import { KEY_PREFIX } from '#contracts/keys';

/**
 * A user's current contact data from the users table (`USER#<id>`, only the
 * three fields a notice needs; GetItem is all the caller must be granted).
 * Undefined when the id names no registered user.
 */
export async function contactOf(client: DynamoDBDocumentClient, usersTable: string, userId: string): Promise<Contact | undefined> {
  const { Item } = await client.send(
    new GetCommand({
      TableName: usersTable,
      Key: { pk: `${KEY_PREFIX.user}${userId}` },
      ProjectionExpression: '#name, email, phone',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
  );
  return Item as Contact | undefined;
}
