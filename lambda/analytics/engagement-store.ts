import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ACTIVITY_TYPES, type ActivityEvent, type ActivityType } from '#domain/activity';
import { type Engagement, zeroCounts } from '#domain/engagement';
import { conditionHeld, firstTimeOnly, transactWrite } from '#shared/dynamo';

/** Per-user engagement aggregates. The consumer depends on this port; DynamoEngagementStore is the adapter. */
export interface EngagementStore {
  /** Adds one event to its user's aggregate, once per event id. Returns false for a duplicate. */
  count(event: ActivityEvent): Promise<boolean>;
  /** Moves the user's last activity to `event` if it is later; never backwards. Idempotent. */
  advanceLastActivity(event: ActivityEvent): Promise<void>;
  /** Records that `HighEngagementDetected` went out at `at`, unless a flag is set already (then keeps that one). */
  flagHighEngagement(userId: string, at: string): Promise<void>;
  /** The user's aggregate, read consistently. */
  get(userId: string): Promise<Engagement | undefined>;
}

const engagementKey = (userId: string) => ({ pk: `ENGAGEMENT#${userId}` });
const countAttribute = (type: ActivityType) => `count_${type}`;

/**
 * One table: `ENGAGEMENT#<userId>` holds a user's aggregate (totalScore,
 * eventCount, `count_<type>` per activity type, lastActivityAt/Type,
 * highEngagementAt); `SEEN#engagement#<eventId>` markers (with TTL) make
 * counting idempotent. Counts are flat attributes, not a map, because ADD cannot
 * create a nested path whose parent map does not exist yet.
 */
export class DynamoEngagementStore implements EngagementStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async count(event: ActivityEvent): Promise<boolean> {
    // False when the SEEN marker (item 0) already exists: a redelivery.
    return conditionHeld(
      transactWrite(this.client, {
        TransactItems: [
          firstTimeOnly(this.tableName, { pk: `SEEN#engagement#${event.eventId}` }),
          {
            Update: {
              TableName: this.tableName,
              Key: engagementKey(event.userId),
              UpdateExpression: 'ADD totalScore :score, eventCount :one, #typeCount :one SET userId = :userId',
              ExpressionAttributeNames: { '#typeCount': countAttribute(event.activityType) },
              ExpressionAttributeValues: { ':score': event.score, ':one': 1, ':userId': event.userId },
            },
          },
        ],
      }),
    );
  }

  async advanceLastActivity(event: ActivityEvent): Promise<void> {
    // A refused condition means a later activity is already recorded: nothing to do.
    await conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: engagementKey(event.userId),
          // Timestamps are normalised to UTC ISO strings, so string order is time order.
          UpdateExpression: 'SET lastActivityAt = :at, lastActivityType = :type, userId = :userId',
          ConditionExpression: 'attribute_not_exists(lastActivityAt) OR lastActivityAt < :at',
          ExpressionAttributeValues: { ':at': event.timestamp, ':type': event.activityType, ':userId': event.userId },
        }),
      ),
    );
  }

  async flagHighEngagement(userId: string, at: string): Promise<void> {
    // A refused condition means the flag was set before (a redelivered record): keep the first.
    await conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: engagementKey(userId),
          UpdateExpression: 'SET highEngagementAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(highEngagementAt)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  async get(userId: string): Promise<Engagement | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: engagementKey(userId), ConsistentRead: true }),
    );
    return Item && Item.eventCount ? toEngagement(Item) : undefined;
  }
}

function toEngagement(item: Record<string, unknown>): Engagement {
  const eventsByType = zeroCounts();
  for (const type of ACTIVITY_TYPES) eventsByType[type] = Number(item[countAttribute(type)] ?? 0);
  return {
    userId: String(item.userId),
    totalScore: Number(item.totalScore ?? 0),
    eventCount: Number(item.eventCount ?? 0),
    eventsByType,
    ...(item.lastActivityAt ? { lastActivityAt: String(item.lastActivityAt) } : {}),
    ...(item.lastActivityType ? { lastActivityType: item.lastActivityType as ActivityType } : {}),
    ...(item.highEngagementAt ? { highEngagementAt: String(item.highEngagementAt) } : {}),
  };
}
