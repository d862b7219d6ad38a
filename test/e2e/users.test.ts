import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { api, eventually, output, target, type Target } from './target';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const uniqueEmail = () => `e2e-${randomUUID()}@example.com`;
const validUser = (email = uniqueEmail()) => ({ name: 'Grace Hopper', email, phone: '+14155550100' });

let stack: Target;
beforeAll(async () => {
  stack = await target();
});

describe('users over HTTP', () => {
  it('creates a user (201), reads it back (200), refuses the same email again (409)', async () => {
    const input = validUser();
    const created = await api('POST', '/users', { body: input });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ ...input, userId: expect.any(String), createdAt: expect.any(String) });
    expect(created.headers.get('x-correlation-id')).toBeTruthy();

    const read = await api('GET', `/users/${created.json.userId}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);

    const duplicate = await api('POST', '/users', { body: { ...input, email: input.email.toUpperCase() } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toEqual({ error: 'Conflict', message: 'A user with this email already exists' });
  });

  it('answers 404 for an absent user and 400 for a malformed id', async () => {
    expect((await api('GET', `/users/${randomUUID()}`)).status).toBe(404);
    const malformed = await api('GET', '/users/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.json.problems).toEqual([{ path: 'userId', message: 'must be a UUID' }]);
  });

  it.each([
    ['a missing field', { body: { name: 'X', email: 'x@example.com' } }, [{ path: 'phone', message: 'is required' }]],
    ['a malformed email', { body: { name: 'X', email: 'nope', phone: '+14155550100' } }, [{ path: 'email', message: 'must be a valid email' }]],
    ['a non-JSON body', { rawBody: '{"name": ' }, [{ path: '(body)', message: 'must be valid JSON' }]],
    ['an oversized body', { body: { name: 'x'.repeat(20_000), email: 'x@example.com', phone: '+14155550100' } }, [{ path: '(body)', message: expect.stringMatching(/^must be at most 16384 bytes/) }]],
  ])('answers 400 for %s, listing the problems, and writes nothing', async (_, request, problems) => {
    const email = uniqueEmail();
    const withEmail = 'body' in request && request.body.email === 'x@example.com' ? { body: { ...request.body, email } } : request;
    const response = await api('POST', '/users', withEmail);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'ValidationError', message: 'The request is not valid', problems });
    // Nothing was reserved: the same email registers fine afterwards.
    expect((await api('POST', '/users', { body: validUser(email) })).status).toBe(201);
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
    const day = new Date().toISOString().slice(0, 10);
    const countNow = async () =>
      ((await dynamo.send(new GetCommand({ TableName: statsTable, Key: { pk: `STATS#${day}` } }))).Item?.usersCreated as
        | number
        | undefined) ?? 0;
    const before = await countNow();

    const created = await api('POST', '/users', { body: validUser() });
    expect(created.status).toBe(201);

    const notifications = output(stack.outputs, 'NotificationsTableName');
    const record = await eventually('the welcome notification record', async () => {
      const { Items } = await dynamo.send(
        new QueryCommand({
          TableName: notifications,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `USER#${created.json.userId}` },
        }),
      );
      return Items?.find((item) => item.status === 'SENT');
    });
    expect(record).toMatchObject({ channel: 'email', template: 'welcome', status: 'SENT' });
    expect(record.recipient).toMatch(/^e2\*+@example\.com$/);

    const after = await eventually('the daily statistics', async () => {
      const count = await countNow();
      return count > before ? count : undefined;
    });
    expect(after).toBeGreaterThan(before);
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
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const found = Messages?.find((message) => message.Body?.includes(marker));
        if (found) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found.ReceiptHandle }));
        return found;
      },
      60_000,
    );
    expect(letter.Body).toContain('Malformed event envelope');
  });
});
