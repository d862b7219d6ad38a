import { randomInt } from 'node:crypto';
import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { STATISTICS_SHARDS, statisticsShardKey, statisticsShardKeys, type User } from '#domain/users';
import { ConflictError } from '#shared/errors';
import { conditionHeld, firstTimeOnly, transactWrite } from '#shared/dynamo';
import { KEY_PREFIX, USER_ITEM_TYPE } from '#contracts/keys';

/** Where users live. Handlers depend on this port; DynamoUserStore is the adapter. */
export interface UserStore {
  /**
   * Stores a new user with the correlation id of the request that registered
   * it (the outbox publishes `UserCreated` from the stored item, with that id);
   * throws ConflictError when the email is already registered.
   */
  create(user: User, correlationId: string): Promise<void>;
  get(userId: string): Promise<User | undefined>;
  /** Counts a created user in its day's statistics, once per event id. Returns false for a duplicate. */
  countUserCreated(day: string, eventId: string): Promise<boolean>;
}

/** Attempts of a counting transaction: each conflict moves it to another shard, so a few more than the default. */
const COUNT_ATTEMPTS = 8;

const userKey = (userId: string) => ({ pk: `${KEY_PREFIX.user}${userId}` });
const emailKey = (email: string) => ({ pk: `EMAIL#${email}` });

/**
 * One table for the users context: `USER#<id>` holds the user, `EMAIL#<email>`
 * reserves an address (uniqueness without a read-then-write race),
 * `STATS#<day>#<shard>` count registrations (a day's count is the sum of its
 * shards, so a burst of sign-ups never contends for one item), `SEEN#...` markers (with TTL) make consumers idempotent.
 * The table's stream is the outbox of `UserCreated`: see `createdUserOf`.
 */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(user: User, correlationId: string): Promise<void> {
    const emailFree = await conditionHeld(
      transactWrite(this.client, {
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...userKey(user.userId), type: USER_ITEM_TYPE, ...user, correlationId },
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

  async get(userId: string): Promise<User | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: userKey(userId) }));
    if (!Item) return undefined;
    const { userId: id, name, email, phone, createdAt } = Item as User;
    return { userId: id, name, email, phone, createdAt };
  }

  async countUserCreated(day: string, eventId: string): Promise<boolean> {
    // The marker and the count in one transaction: a redelivery cancels it. Each
    // attempt picks a shard at random, so a transaction cancelled for a conflict on
    // one shard goes to another: the count still lands exactly once.
    return conditionHeld(
      transactWrite(
        this.client,
        () => ({
          TransactItems: [
            firstTimeOnly(this.tableName, { pk: `SEEN#user-statistics#${eventId}` }),
            {
              Update: {
                TableName: this.tableName,
                Key: statisticsShardKey(day, randomInt(STATISTICS_SHARDS)),
                UpdateExpression: 'ADD usersCreated :one SET #type = :type, #day = :day',
                ExpressionAttributeNames: { '#type': 'type', '#day': 'day' },
                ExpressionAttributeValues: { ':one': 1, ':type': 'statistics', ':day': day },
              },
            },
          ],
        }),
        COUNT_ATTEMPTS,
      ),
    );
  }

  /** The users created on `day`: the sum of its statistics shards (consistent reads). */
  async usersCreatedOn(day: string): Promise<number> {
    let keys: Record<string, unknown>[] = statisticsShardKeys(day);
    let total = 0;
    while (keys.length > 0) {
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) total += Number(item.usersCreated ?? 0);
      keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return total;
  }
}

/** A user item as the stream carries it, and the correlation id of the request that stored it. */
export interface CreatedUser {
  readonly user: User;
  readonly correlationId?: string;
}

/**
 * The user a stream record inserted, or undefined when the record is anything
 * else: a modification or removal, or an insert of another item type (email
 * reservation, statistics, "seen" markers). Reads the `NEW_IMAGE` the table's
 * stream carries; throws for a user item missing a field, so the record fails
 * and ends in the publisher's on-failure destination instead of going unnoticed.
 */
export function createdUserOf(record: DynamoDBRecord): CreatedUser | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (image?.type?.S !== USER_ITEM_TYPE || !image.pk?.S?.startsWith(KEY_PREFIX.user)) return undefined;
  const text = (name: string): string => {
    const value = image[name]?.S;
    if (value === undefined) throw new Error(`User item ${image.pk!.S} has no string ${name}`);
    return value;
  };
  return {
    user: { userId: text('userId'), name: text('name'), email: text('email'), phone: text('phone'), createdAt: text('createdAt') },
    correlationId: image.correlationId?.S,
  };
}
