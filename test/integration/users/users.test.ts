/**
 * The users handlers through the real SDK against dynalite behind the local
 * cloud's DynamoDB layer (transactions), with PutEvents captured at the edge.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { apiEvent, lambdaContext } from '../../support/api-event';
import { busEvent, handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';

let cloud: LocalAws;
let createUser: typeof import('../../../lambda/users/create-user').handler;
let getUser: typeof import('../../../lambda/users/get-user').handler;
let statistics: typeof import('../../../lambda/users/update-statistics').handler;
let welcome: typeof import('../../../lambda/notifications/welcome').handler;
const USERS = `users-${randomUUID()}`;
const NOTIFICATIONS = `notifications-${randomUUID()}`;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(USERS);
  await cloud.createTable(NOTIFICATIONS, { sortKey: true });
  handlerEnvironment(cloud.endpoint, 'users', { USERS_TABLE: USERS, NOTIFICATIONS_TABLE: NOTIFICATIONS });
  ({ handler: createUser } = await import('../../../lambda/users/create-user'));
  ({ handler: getUser } = await import('../../../lambda/users/get-user'));
  ({ handler: statistics } = await import('../../../lambda/users/update-statistics'));
  ({ handler: welcome } = await import('../../../lambda/notifications/welcome'));
});
afterAll(() => cloud.stop());

const post = (body: unknown) => createUser(apiEvent({ body: JSON.stringify(body) }), lambdaContext);
const newUser = () => ({ name: 'Ada', email: `ada-${randomUUID()}@example.com`, phone: '+14155550100' });

it('stores the user and its email reservation, and publishes UserCreated', async () => {
  const input = newUser();
  const response = await post(input);
  expect(response.statusCode).toBe(201);
  const user = JSON.parse(response.body);
  const stored = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `USER#${user.userId}` } }));
  expect(stored.Item).toMatchObject({ ...input, userId: user.userId });
  const reservation = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `EMAIL#${input.email}` } }));
  expect(reservation.Item?.userId).toBe(user.userId);
  const published = cloud.events('UserCreated', { userId: user.userId });
  expect(published).toHaveLength(1);
  expect(published[0]!.source).toBe('commerce.users');
  expect(published[0]!.detail.data).not.toHaveProperty('phone');

  const read = await getUser(apiEvent({ httpMethod: 'GET', pathParameters: { userId: user.userId } }), lambdaContext);
  expect(JSON.parse(read.body)).toEqual(user);
});

it('lets exactly one of 10 concurrent registrations of one email through', async () => {
  const input = newUser();
  const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post({ ...input, name: `Ada ${i}` })));
  expect(responses.map((r) => r.statusCode).sort()).toEqual([201, ...Array(9).fill(409)]);
});

it('writes nothing for a bad request', async () => {
  const input = { ...newUser(), phone: 'not a phone' };
  expect((await post(input)).statusCode).toBe(400);
  const reservation = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `EMAIL#${input.email}` } }));
  expect(reservation.Item).toBeUndefined();
});

it('counts a redelivered UserCreated once', async () => {
  const day = '2031-01-02';
  const event = busEvent('UserCreated', 'commerce.users', { userId: randomUUID(), name: 'A', email: 'a@example.com', createdAt: `${day}T10:00:00.000Z` });
  await statistics(event, lambdaContext);
  await statistics(event, lambdaContext);
  await Promise.all([statistics(event, lambdaContext), statistics(event, lambdaContext)]);
  const stats = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `STATS#${day}` } }));
  expect(stats.Item?.usersCreated).toBe(1);
});

it('records the welcome email once, masked, even when the event is redelivered', async () => {
  const userId = randomUUID();
  const event = busEvent('UserCreated', 'commerce.users', { userId, name: 'Ada', email: 'ada.l@example.com', createdAt: new Date().toISOString() });
  await welcome(event, lambdaContext);
  await welcome(event, lambdaContext);
  const { Items } = await cloud.dynamo.send(
    new QueryCommand({ TableName: NOTIFICATIONS, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `USER#${userId}` } }),
  );
  expect(Items).toHaveLength(1);
  expect(Items![0]).toMatchObject({ channel: 'email', template: 'welcome', status: 'SENT', recipient: 'ad***@example.com', provider: 'record-only' });
});
