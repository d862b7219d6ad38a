/**
 * The loyalty thank-you consumer through the real SDK against dynalite behind
 * the local cloud's DynamoDB layer: on `HighEngagementDetected` it reads the
 * user's contact data and records one attempt per channel, once per event,
 * however often (or concurrently) that event is delivered.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { lambdaContext } from '../../support/api-event';
import { busEvent, handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';

let cloud: LocalAws;
let thank: typeof import('../../../lambda/notifications/loyalty-thanks').handler;
const USERS = `users-${randomUUID()}`;
const NOTIFICATIONS = `notifications-${randomUUID()}`;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(USERS);
  await cloud.createTable(NOTIFICATIONS, { sortKey: true });
  handlerEnvironment(cloud.endpoint, 'notifications', { USERS_TABLE: USERS, NOTIFICATIONS_TABLE: NOTIFICATIONS });
  ({ handler: thank } = await import('../../../lambda/notifications/loyalty-thanks'));
});
afterAll(() => cloud.stop());

async function registered(): Promise<string> {
  const userId = randomUUID();
  await cloud.dynamo.send(
    new PutCommand({
      TableName: USERS,
      Item: { pk: `USER#${userId}`, type: 'user', userId, name: 'Ada', email: 'ada.l@example.com', phone: '+14155550100' },
    }),
  );
  return userId;
}

const detected = (userId: string, eventId?: string) =>
  busEvent(
    'HighEngagementDetected',
    'commerce.analytics',
    { userId, totalScore: 110, threshold: 100, eventCount: 11, detectedAt: new Date().toISOString() },
    eventId,
  );

async function recordsOf(userId: string) {
  const { Items } = await cloud.dynamo.send(
    new QueryCommand({
      TableName: NOTIFICATIONS,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
}

it('thanks the user on email, SMS and push, each attempt recorded with a masked recipient', async () => {
  const userId = await registered();
  const eventId = randomUUID();
  await thank(detected(userId, eventId), lambdaContext);
  const records = await recordsOf(userId);
  expect(records.map((r) => [r.sk, r.channel])).toEqual([
    [`${eventId}#email`, 'email'],
    [`${eventId}#push`, 'push'],
    [`${eventId}#sms`, 'sms'],
  ]);
  for (const record of records) {
    expect(record).toMatchObject({
      template: 'loyalty-thanks',
      status: 'RECORDED',
      provider: 'record-only',
      attemptedAt: expect.any(String),
    });
  }
  expect(records.map((r) => r.recipient)).toEqual(['ad***@example.com', `${userId.slice(0, 3)}***${userId.slice(-3)}`, '+*******0100']);
});

it('records nothing new for a redelivered or concurrently delivered event', async () => {
  const userId = await registered();
  const event = detected(userId);
  await Promise.all([thank(event, lambdaContext), thank(event, lambdaContext)]);
  const first = await recordsOf(userId);
  expect(first).toHaveLength(3);

  await thank(event, lambdaContext); // EventBridge's or Lambda's redelivery of the same event
  expect(await recordsOf(userId)).toEqual(first);
});

it('records a second publication (a new event id) as a second set, so a duplicate publication is visible', async () => {
  const userId = await registered();
  await thank(detected(userId), lambdaContext);
  await thank(detected(userId), lambdaContext);
  const records = await recordsOf(userId);
  expect(records.map((r) => r.channel).sort()).toEqual(['email', 'email', 'push', 'push', 'sms', 'sms']);
  expect(new Set(records.map((r) => String(r.sk).split('#')[0])).size).toBe(2);
});

it('sends nothing, and does not fail, for a user with no contact data', async () => {
  const userId = randomUUID();
  await expect(thank(detected(userId), lambdaContext)).resolves.toBeUndefined();
  expect(await recordsOf(userId)).toEqual([]);
});

it('fails on an event without a user id, so that retries and the DLQ keep it', async () => {
  await expect(thank(busEvent('HighEngagementDetected', 'commerce.analytics', { totalScore: 110 }), lambdaContext)).rejects.toThrow(
    'HighEngagementDetected without a userId',
  );
});
