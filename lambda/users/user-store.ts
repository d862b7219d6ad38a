import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { User } from '#domain/users';
import { ConflictError } from '#shared/errors';
import { conditionHeld, firstTimeOnly, transactWrite } from '#shared/dynamo';

/** Where users live. Handlers depend on this port; DynamoUserStore is the adapter. */
export interface UserStore {
  /** Stores a new user; throws ConflictError when the email is already registered. */
  create(user: User): Promise<void>;
  /** Undoes `create` (compensation when the UserCreated event cannot be published). */
  remove(user: User): Promise<void>;
  get(userId: string): Promise<User | undefined>;
  /** Counts a created user in its day's statistics, once per event id. Returns false for a duplicate. */
  countUserCreated(day: string, eventId: string): Promise<boolean>;
}

const userKey = (userId: string) => ({ pk: `USER#${userId}` });
const emailKey = (email: string) => ({ pk: `EMAIL#${email}` });

/**
 * One table for the users context: `USER#<id>` holds the user, `EMAIL#<email>`
 * reserves an address (uniqueness without a read-then-write race), `STATS#<day>`
 * counts registrations, `SEEN#...` markers (with TTL) make consumers idempotent.
 */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(user: User): Promise<void> {
    const emailFree = await conditionHeld(
      transactWrite(this.client, {
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...userKey(user.userId), type: 'user', ...user },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...emailKey(user.email), type: 'email', userId: user.userId },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
      1, // the EMAIL# item
    );
    if (!emailFree) throw new ConflictError('A user with this email already exists');
  }

  async remove(user: User): Promise<void> {
    await transactWrite(this.client, {
      TransactItems: [
        { Delete: { TableName: this.tableName, Key: userKey(user.userId) } },
        {
          Delete: {
            TableName: this.tableName,
            Key: emailKey(user.email),
            ConditionExpression: 'userId = :userId',
            ExpressionAttributeValues: { ':userId': user.userId },
          },
        },
      ],
    });
  }

  async get(userId: string): Promise<User | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: userKey(userId) }));
    if (!Item) return undefined;
    const { userId: id, name, email, phone, createdAt } = Item as User;
    return { userId: id, name, email, phone, createdAt };
  }

  async countUserCreated(day: string, eventId: string): Promise<boolean> {
    return conditionHeld(
      transactWrite(this.client, {
        TransactItems: [
          firstTimeOnly(this.tableName, { pk: `SEEN#user-statistics#${eventId}` }),
          {
            Update: {
              TableName: this.tableName,
              Key: { pk: `STATS#${day}` },
              UpdateExpression: 'ADD usersCreated :one SET #type = :type, #day = :day',
              ExpressionAttributeNames: { '#type': 'type', '#day': 'day' },
              ExpressionAttributeValues: { ':one': 1, ':type': 'statistics', ':day': day },
            },
          },
        ],
      }),
    );
  }
}
