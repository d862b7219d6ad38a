import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { statisticsShardKeys } from '../../lambda/domain/users';
import { eventIdFor } from '../../lambda/shared/events';
import { newCaller, type Caller } from './identity';
import { api, eventually, output, target, type Target } from './target';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

let stack: Target;
let admin: Caller;
beforeAll(async () => {
  stack = await target();
  admin = await newCaller({ admin: true });
}, 60_000);

/** The caller's profile, once the post-confirmation trigger has stored it. */
const profileOf = (caller: Caller) =>
  eventually('the profile made from the confirmed identity', async () => {
    const answer = await api('GET', '/users/me', { as: caller });
    return answer.status === 200 ? answer : undefined;
  });

describe('users over HTTP', () => {
  it('registers through the user pool: the profile is stored under the Cognito sub and read back (200)', async () => {
    const grace = await newCaller({ name: 'Grace Hopper', phone: '+14155550100' });
    const me = await profileOf(grace);
    expect(me.json).toMatchObject({ userId: grace.userId, name: 'Grace Hopper', email: grace.email, phone: '+14155550100' });
    expect(me.headers.get('x-correlation-id')).toBeTruthy();
    const byId = await api('GET', `/users/${grace.userId}`, { as: grace });
    expect([byId.status, byId.json]).toEqual([200, me.json]);
  });

  it('leaves email uniqueness to Cognito: the same email cannot sign up twice', async () => {
    const first = await newCaller();
    await expect(newCaller({ email: first.email })).rejects.toMatchObject({ name: 'UsernameExistsException' });
  });

  it('answers 404 for an absent user and 400 for a malformed id', async () => {
    expect((await api('GET', `/users/${randomUUID()}`, { as: admin })).status).toBe(404);
    const malformed = await api('GET', '/users/not-a-uuid', { as: admin });
    expect(malformed.status).toBe(400);
    expect(malformed.json.problems).toEqual([{ path: 'userId', message: 'must be a UUID' }]);
  });

  it('answers an unknown route exactly as API Gateway does', async () => {
    const response = await api('GET', '/no-such-route');
    expect(response.status).toBe(403);
    expect(response.json).toEqual({ message: 'Missing Authentication Token' });
    const wrongMethod = await api('DELETE', '/users');
    expect(wrongMethod.status).toBe(403);
  });
});

describe('UserCreated consumers (through the real EventBridge rules)', () => {
  it('records the welcome notification, masked, and counts the user in the day', async () => {
    const statsTable = output(stack.outputs, 'UsersTableName');
    const created = await profileOf(await newCaller({ name: 'Grace Hopper' }));
    const day = String(created.json.createdAt).slice(0, 10);
    // The day's count is the sum of its shards; other suites register users in parallel.
    const countNow = async () => {
      const { Responses } = await dynamo.send(
        new BatchGetCommand({ RequestItems: { [statsTable]: { Keys: statisticsShardKeys(day), ConsistentRead: true } } }),
      );
      return (Responses?.[statsTable] ?? []).reduce((sum, item) => sum + Number(item.usersCreated ?? 0), 0);
    };

    const notifications = output(stack.outputs, 'NotificationsTableName');
    const record = await eventually('the welcome notification record', async () => {
      const { Items } = await dynamo.send(
        new QueryCommand({
          TableName: notifications,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `USER#${created.json.userId}` },
        }),
      );
      return Items?.find((item) => item.channel === 'email' && item.status !== 'SENDING');
    });
    // The dev stage delivers nothing (no `sesSender`): the attempt says it was only recorded.
    expect(record).toMatchObject({ channel: 'email', template: 'welcome', status: 'RECORDED', provider: 'record-only' });
    expect(record.recipient).toMatch(/^e2\*+@example\.com$/);

    // This user was counted: its UserCreated's marker is written in the same transaction as the count
    // (other users' sign-ups could raise the total without this one being counted).
    const marker = await eventually('this user counted in the daily statistics', async () => {
      const { Item } = await dynamo.send(
        new GetCommand({
          TableName: statsTable,
          Key: { pk: `SEEN#user-statistics#${eventIdFor('UserCreated', created.json.userId)}` },
          ConsistentRead: true,
        }),
      );
      return Item;
    });
    expect(marker).toBeDefined();
    expect(await countNow()).toBeGreaterThanOrEqual(1);
  });

  it('keeps a poison event: the consumer fails, is retried, and the event lands in its DLQ', async () => {
    const marker = randomUUID();
    const events = new EventBridgeClient({});
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: output(stack.outputs, 'EventBusName'),
            Source: 'commerce.users',
            DetailType: 'UserCreated',
            Detail: JSON.stringify({ poison: marker }),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);

    const sqs = new SQSClient({});
    const queueUrl = output(stack.outputs, 'UserStatisticsDlqUrl');
    const letter = await eventually(
      'the poison event in the DLQ',
      async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        const found = Messages?.find((message) => message.Body?.includes(marker));
        if (found) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found.ReceiptHandle }));
        return found;
      },
      60_000,
    );
    expect(letter.Body).toContain('Malformed event envelope');
  }, 90_000); // the wait above (60 s) fits inside the test's own timeout
});
