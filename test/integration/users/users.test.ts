/**
 * The users handlers through the real SDK against dynalite behind the local
 * cloud's DynamoDB layer (transactions, and the table's stream), with PutEvents
 * captured at the edge. `UserCreated` goes out through the outbox: the
 * publisher is called with the stream records the writes produced.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { apiEvent, lambdaContext } from '../../support/api-event';
import { busEvent, dynamoDbStreamEvent, handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';
import { eventIdFor } from '../../../lambda/shared/events';
import { STATISTICS_SHARDS } from '../../../lambda/domain/users';
import { confirmedSignUp } from './sign-up';

let cloud: LocalAws;
let registerProfile: typeof import('../../../lambda/users/register-profile').handler;
let getUser: typeof import('../../../lambda/users/get-user').handler;
let statistics: typeof import('../../../lambda/users/update-statistics').handler;
let welcome: typeof import('../../../lambda/notifications/welcome').handler;
let publisher: typeof import('../../../lambda/users/publish-user-events').handler;
const USERS = `users-${randomUUID()}`;
const NOTIFICATIONS = `notifications-${randomUUID()}`;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(USERS, { stream: 'NEW_IMAGE' });
  await cloud.createTable(NOTIFICATIONS, { sortKey: true });
  handlerEnvironment(cloud.endpoint, 'users', { USERS_TABLE: USERS, NOTIFICATIONS_TABLE: NOTIFICATIONS, ROUTE_ACCESS: 'customer' });
  ({ handler: registerProfile } = await import('../../../lambda/users/register-profile'));
  ({ handler: getUser } = await import('../../../lambda/users/get-user'));
  ({ handler: statistics } = await import('../../../lambda/users/update-statistics'));
  ({ handler: welcome } = await import('../../../lambda/notifications/welcome'));
  ({ handler: publisher } = await import('../../../lambda/users/publish-user-events'));
});
afterAll(() => cloud.stop());

/**
 * Registers a user the way the platform does now: Cognito confirms the identity
 * and runs the post-confirmation trigger (the request id is the correlation id
 * of UserCreated). Answers like the HTTP handler did, for the tests' convenience.
 */
async function post(
  input: { name: string; email: string; phone: string },
  headers: Record<string, string> = {},
  sub: string = randomUUID(),
) {
  await registerProfile(confirmedSignUp(sub, input), { ...lambdaContext, awsRequestId: headers['x-correlation-id'] ?? randomUUID() });
  const { Item } = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `USER#${sub}` } }));
  const { userId, name, email, phone, createdAt } = Item!;
  return { statusCode: 201, body: JSON.stringify({ userId, name, email, phone, createdAt }) };
}

/** GET /users/{userId} (or /users/me) as the API sends it, signed in as `sub` (an ID token's claims). */
const getAs = (sub: string, userId: string | 'me', groups?: string) =>
  getUser(
    apiEvent({
      httpMethod: 'GET',
      resource: userId === 'me' ? '/users/me' : '/users/{userId}',
      path: `/users/${userId}`,
      pathParameters: userId === 'me' ? null : { userId },
      requestContext: {
        requestId: 'r',
        stage: 'test',
        authorizer: { claims: { sub, 'cognito:username': sub, token_use: 'id', ...(groups ? { 'cognito:groups': groups } : {}) } },
      } as never,
    }),
    lambdaContext,
  );

/** The stream records written since the last call: what the event source mapping would deliver next. */
let streamPosition: string | undefined;
async function newStreamRecords() {
  const records = await cloud.streamRecords(USERS, streamPosition);
  if (records.length > 0) streamPosition = records.at(-1)!.dynamodb!.SequenceNumber;
  return records;
}
const newUser = () => ({ name: 'Ada', email: `ada-${randomUUID()}@example.com`, phone: '+14155550100' });

it('stores the user and its email reservation; the outbox publishes UserCreated from the stream', async () => {
  await newStreamRecords();
  const input = newUser();
  const response = await post(input, { 'x-correlation-id': 'corr-users-1' });
  expect(response.statusCode).toBe(201);
  const user = JSON.parse(response.body);
  const stored = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `USER#${user.userId}` } }));
  expect(stored.Item).toMatchObject({ ...input, userId: user.userId, correlationId: 'corr-users-1' });
  const reservation = await cloud.dynamo.send(new GetCommand({ TableName: USERS, Key: { pk: `EMAIL#${input.email}` } }));
  expect(reservation.Item?.userId).toBe(user.userId);
  expect(cloud.events('UserCreated', { userId: user.userId })).toHaveLength(0); // the handler only writes

  const records = await newStreamRecords();
  expect(records.map((r) => [r.eventName, r.dynamodb!.Keys!.pk!.S])).toEqual(
    expect.arrayContaining([
      ['INSERT', `USER#${user.userId}`],
      ['INSERT', `EMAIL#${input.email}`],
    ]),
  );
  expect(await publisher(dynamoDbStreamEvent(records), lambdaContext)).toEqual({ batchItemFailures: [] });
  const published = cloud.events('UserCreated', { userId: user.userId });
  expect(published).toHaveLength(1); // one event for the user, none for its email reservation
  expect(published[0]!.source).toBe('commerce.users');
  expect(published[0]!.detail).toEqual({
    metadata: { eventId: eventIdFor('UserCreated', user.userId), correlationId: 'corr-users-1', occurredAt: user.createdAt, version: 1 },
    // The id only: contact data stays in the users table.
    data: { userId: user.userId, createdAt: user.createdAt },
  });

  const read = await getAs(user.userId, user.userId);
  expect(JSON.parse(read.body)).toEqual(user); // no correlation id in the response
  expect(JSON.parse((await getAs(user.userId, 'me')).body)).toEqual(user);
});

it('stores one profile for 10 concurrent confirmations of one identity', async () => {
  const input = newUser();
  const sub = randomUUID();
  const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post({ ...input, name: `Ada ${i}` }, {}, sub)));
  expect(new Set(responses.map((r) => r.body)).size).toBe(1);
});

it('shows a user to that user and to admins; to anyone else, the 404 of a missing user', async () => {
  const user = JSON.parse((await post(newUser())).body);
  const other = randomUUID();
  expect((await getAs(user.userId, user.userId)).statusCode).toBe(200);
  expect((await getAs(other, user.userId, '[admins]')).statusCode).toBe(200);
  const refused = await getAs(other, user.userId);
  const missing = await getAs(other, other);
  expect([refused.statusCode, missing.statusCode]).toEqual([404, 404]);
  expect(JSON.parse(refused.body)).toEqual(JSON.parse(missing.body));
  expect((await getAs(other, 'me')).statusCode).toBe(404); // signed in, never confirmed: no profile
  expect((await getAs(other, 'not-a-uuid', 'admins')).statusCode).toBe(400);
  const anonymous = await getUser(
    apiEvent({ httpMethod: 'GET', resource: '/users/{userId}', pathParameters: { userId: user.userId } }),
    lambdaContext,
  );
  expect(anonymous.statusCode).toBe(401);
});

it('counts a redelivered UserCreated once', async () => {
  const day = '2031-01-02';
  const event = busEvent('UserCreated', 'commerce.users', { userId: randomUUID(), createdAt: `${day}T10:00:00.000Z` });
  await statistics(event, lambdaContext);
  await statistics(event, lambdaContext);
  await Promise.all([statistics(event, lambdaContext), statistics(event, lambdaContext)]);
  const { DynamoUserStore } = await import('../../../lambda/users/user-store');
  const { dynamo } = await import('../../../lambda/shared/dynamo');
  expect(await new DynamoUserStore(dynamo, USERS).usersCreatedOn(day)).toBe(1);
});

it('records the welcome email once, masked, even when the event is redelivered; the address comes from the users table', async () => {
  const { userId } = JSON.parse((await post({ name: 'Ada', email: 'ada.l@example.com', phone: '+14155550100' })).body);
  const event = busEvent('UserCreated', 'commerce.users', { userId, createdAt: new Date().toISOString() });
  await welcome(event, lambdaContext);
  await welcome(event, lambdaContext);
  const { Items } = await cloud.dynamo.send(
    new QueryCommand({
      TableName: NOTIFICATIONS,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
    }),
  );
  expect(Items).toHaveLength(1);
  expect(Items![0]).toMatchObject({
    channel: 'email',
    template: 'welcome',
    status: 'RECORDED',
    recipient: 'ad***@example.com',
    provider: 'record-only',
  });
});

it('fails the welcome email of a user the users table does not know, so Lambda retries it (and the DLQ keeps it)', async () => {
  const userId = randomUUID();
  const event = busEvent('UserCreated', 'commerce.users', { userId, createdAt: new Date().toISOString() });
  await expect(welcome(event, lambdaContext)).rejects.toThrow(`no user ${userId}`);
  const { Items } = await cloud.dynamo.send(
    new QueryCommand({
      TableName: NOTIFICATIONS,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `USER#${userId}` },
    }),
  );
  expect(Items).toEqual([]);
});

describe('the UserCreated outbox (publish-user-events)', () => {
  it('publishes the same event again for a redelivered record: same id, so consumers count it once', async () => {
    await newStreamRecords();
    const response = await post(newUser());
    const user = JSON.parse(response.body);
    const records = await newStreamRecords();
    await publisher(dynamoDbStreamEvent(records), lambdaContext);
    await publisher(dynamoDbStreamEvent(records), lambdaContext);
    const published = cloud.events('UserCreated', { userId: user.userId });
    expect(published).toHaveLength(2);
    expect(published[1]!.detail).toEqual(published[0]!.detail);
  });

  it('publishes nothing for modifications, removals and other item types (statistics, markers)', async () => {
    await newStreamRecords();
    const before = cloud.published.length;
    const day = '2031-02-03';
    // More users than the day has statistics shards: at least one shard is modified, not only inserted.
    for (let n = 0; n <= STATISTICS_SHARDS; n++) {
      await statistics(
        busEvent('UserCreated', 'commerce.users', { userId: randomUUID(), createdAt: `${day}T10:00:00.000Z` }),
        lambdaContext,
      );
    }
    const records = await newStreamRecords();
    expect(records.map((r) => r.eventName)).toEqual(expect.arrayContaining(['INSERT', 'MODIFY']));
    expect(await publisher(dynamoDbStreamEvent(records), lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(cloud.published.length).toBe(before);
  });

  it('fails exactly the records whose PutEvents entries failed', async () => {
    await newStreamRecords();
    const [first, second, third] = await Promise.all([post(newUser()), post(newUser()), post(newUser())]);
    const failing = JSON.parse(second!.body).userId as string;
    const records = await newStreamRecords();
    cloud.failPutEventsFor = (entry) => entry.detail.data?.userId === failing;
    let result;
    try {
      result = await publisher(dynamoDbStreamEvent(records), lambdaContext);
    } finally {
      cloud.failPutEventsFor = undefined;
    }
    const failedRecord = records.find((r) => r.dynamodb!.Keys!.pk!.S === `USER#${failing}`)!;
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: failedRecord.dynamodb!.SequenceNumber }] });
    for (const ok of [first, third]) expect(cloud.events('UserCreated', { userId: JSON.parse(ok!.body).userId })).toHaveLength(1);
    expect(cloud.events('UserCreated', { userId: failing })).toHaveLength(0);

    // Lambda retries from the failed record: now it goes out.
    expect(await publisher(dynamoDbStreamEvent([failedRecord]), lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(cloud.events('UserCreated', { userId: failing })).toHaveLength(1);
  });

  it('fails the whole batch when every user record failed, so the mapping retries and bisects it', async () => {
    await newStreamRecords();
    await post(newUser());
    const records = (await newStreamRecords()).filter((r) => r.dynamodb!.Keys!.pk!.S!.startsWith('USER#'));
    cloud.failPutEvents = true;
    try {
      await expect(publisher(dynamoDbStreamEvent(records), lambdaContext)).rejects.toThrow(/All records failed/);
    } finally {
      cloud.failPutEvents = false;
    }
  });

  it('fails a user record whose item cannot be read, and only that record', async () => {
    await newStreamRecords();
    await post(newUser());
    const records = await newStreamRecords();
    const userRecord = records.find((r) => r.dynamodb!.Keys!.pk!.S!.startsWith('USER#'))!;
    const { email: _dropped, ...image } = userRecord.dynamodb!.NewImage!;
    const broken = { ...userRecord, dynamodb: { ...userRecord.dynamodb, NewImage: image } };
    const others = records.filter((r) => r !== userRecord);
    const result = await publisher(dynamoDbStreamEvent([broken, ...others]), lambdaContext);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: userRecord.dynamodb!.SequenceNumber }] });
  });
});
