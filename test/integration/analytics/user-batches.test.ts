/**
 * POST /users/batch against the emulators: users stored as POST /users stores
 * them, UserCreated published per user by the outbox (the users table's stream
 * records handed to publish-user-events), each batch's result cached by
 * Powertools Idempotency on a DynamoDB table: a resubmitted batch comes from
 * the cache and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { apiEvent, authorizedContext, lambdaContext, userClaims } from '../../support/api-event';
import { type LocalAws, dynamoDbStreamEvent, handlerEnvironment, startLocalAws } from '../../support/aws';

jest.setTimeout(120_000);

const USERS_TABLE = `users-${randomUUID()}`;
const IDEMPOTENCY_TABLE = `idempotency-${randomUUID()}`;

let cloud: LocalAws;
let batchHandler: typeof import('../../../lambda/users/batch-create-users').handler;
let publisher: typeof import('../../../lambda/users/publish-user-events').handler;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createTable(USERS_TABLE, { stream: 'NEW_IMAGE' });
  await cloud.createTable(IDEMPOTENCY_TABLE);
  handlerEnvironment(cloud.endpoint, 'users', { USERS_TABLE, IDEMPOTENCY_TABLE, ROUTE_ACCESS: 'admin' });
  batchHandler = (await import('../../../lambda/users/batch-create-users')).handler;
  publisher = (await import('../../../lambda/users/publish-user-events')).handler;
});

afterAll(async () => {
  await cloud?.stop();
});

const run = randomUUID().slice(0, 8);
const person = (n: number, tag = run) => ({ name: `User ${n}`, email: `user${n}.${tag}@example.com`, phone: '+14155550100' });

const ADMIN = '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
async function post(body: unknown, as: string = ADMIN, groups: string[] = ['admins'], key?: string) {
  const result = await batchHandler(
    apiEvent({
      path: '/users/batch',
      resource: '/users/batch',
      body: JSON.stringify(body),
      headers: key === undefined ? {} : { 'Idempotency-Key': key },
      requestContext: authorizedContext(userClaims(as, groups)),
    }),
    lambdaContext,
  );
  return { status: result.statusCode, json: JSON.parse(result.body) };
}

const userItems = async () => (await cloud.scan(USERS_TABLE)).filter((item) => item.type === 'user');
const userCreated = () => cloud.events('UserCreated');

/** Runs the outbox over the stream records written since the last call, ten a batch as the mapping does. */
let streamPosition: string | undefined;
async function drainOutbox() {
  const records = await cloud.streamRecords(USERS_TABLE, streamPosition);
  if (records.length > 0) streamPosition = records.at(-1)!.dynamodb!.SequenceNumber;
  for (let i = 0; i < records.length; i += 10) {
    expect(await publisher(dynamoDbStreamEvent(records.slice(i, i + 10)), lambdaContext)).toEqual({ batchItemFailures: [] });
  }
}

describe('POST /users/batch', () => {
  // The last one's email is registered beforehand (batches run concurrently, so a clash inside one request would race).
  const users = [...Array.from({ length: 23 }, (_, n) => person(n)), { name: '', email: 'bad', phone: '1' }, person(999)];
  let first: Awaited<ReturnType<typeof post>>;

  beforeAll(async () => {
    expect((await post({ users: [person(999)] })).json.summary).toMatchObject({ created: 1 });
    first = await post({ users });
  });

  it('registers users in batches of ten, reporting each user by its index', async () => {
    expect(first.status).toBe(200);
    expect(first.json.summary).toEqual({ total: 25, created: 23, replayed: 0, rejected: 2 });
    const results = first.json.results as { index: number; status: string; user?: { email: string } }[];
    expect(results.map((r) => r.index)).toEqual(users.map((_, i) => i));
    expect(results[0]).toMatchObject({ status: 'created', user: { email: users[0]!.email, userId: expect.any(String) } });
    expect(results[23]).toMatchObject({
      status: 'rejected',
      error: 'ValidationError',
      problems: expect.arrayContaining([{ path: 'name', message: 'must be at least 1 character' }]),
    });
    expect(results[24]).toEqual({ index: 24, status: 'rejected', error: 'Conflict', message: 'A user with this email already exists' });
    expect(await userItems()).toHaveLength(24);
  });

  it('publishes UserCreated once per created user, from commerce.users, through the outbox', async () => {
    expect(userCreated()).toHaveLength(0); // the handler only writes
    await drainOutbox();
    const events = userCreated();
    // UserCreated names the user only; the users table says who that is.
    const emailOf = new Map((await userItems()).map((item) => [item.userId, item.email]));
    expect(events.every((e) => e.detail.data.email === undefined)).toBe(true);
    expect(events.map((e) => emailOf.get(e.detail.data.userId)).sort()).toEqual(
      [...users.slice(0, 23), person(999)].map((u) => u.email).sort(),
    );
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['commerce.users']));
  });

  it('answers a resubmitted request from the cache and writes nothing', async () => {
    const before = { users: await userItems(), cache: await cloud.scan(IDEMPOTENCY_TABLE), events: userCreated().length };
    const again = await post({ users });
    expect(again.status).toBe(200);
    // The same users and ids, but none created by this request: `replayed`.
    expect(again.json.summary).toEqual({ total: 25, created: 0, replayed: 23, rejected: 2 });
    expect(again.json.results).toEqual(
      first.json.results.map((r: { status: string }) => (r.status === 'created' ? { ...r, status: 'replayed' } : r)),
    );
    expect(await userItems()).toEqual(before.users);
    expect(await cloud.scan(IDEMPOTENCY_TABLE)).toEqual(before.cache);
    await drainOutbox();
    expect(userCreated()).toHaveLength(before.events);
  });

  it('caches per batch: a request sharing one batch of ten reuses it and processes the rest', async () => {
    const fresh = Array.from({ length: 5 }, (_, n) => person(100 + n));
    const result = await post({ users: [...users.slice(10, 20), ...fresh] });
    expect(result.json.results.slice(0, 10)).toEqual(
      first.json.results.slice(10, 20).map((r: { index: number }) => ({ ...r, index: r.index - 10, status: 'replayed' })),
    );
    expect(result.json.summary).toEqual({ total: 15, created: 5, replayed: 10, rejected: 0 });
  });

  it('answers 400 for a request with no valid user, every problem named by its index, and writes nothing', async () => {
    const before = (await userItems()).length;
    const result = await post({ users: [{ name: '', email: 'x@example.com', phone: '+14155550100' }, 7] });
    expect(result.status).toBe(400);
    expect(result.json).toEqual({
      error: 'ValidationError',
      message: 'The request is not valid',
      problems: [
        { path: 'users.0.name', message: 'must be at least 1 character' },
        { path: 'users.1', message: 'must be an object' },
      ],
    });
    expect((await userItems()).length).toBe(before);
  });

  it('takes an Idempotency-Key as every route does: the same body replays, another body is a 422', async () => {
    const key = `users-${randomUUID()}`;
    const batch = { users: [person(300), person(301)] };
    expect((await post(batch, ADMIN, ['admins'], key)).json.summary).toMatchObject({ created: 2 });
    expect((await post(batch, ADMIN, ['admins'], key)).json.summary).toMatchObject({ created: 0, replayed: 2 });
    const reused = await post({ users: [person(300)] }, ADMIN, ['admins'], key);
    expect(reused.status).toBe(422);
    expect(reused.json).toEqual({ error: 'Unprocessable', message: 'This Idempotency-Key was used with a different request body' });
    expect((await post(batch, ADMIN, ['admins'], 'short')).json.problems).toEqual([
      { path: 'Idempotency-Key', message: 'must be 8-128 letters, digits, ".", "_", ":" or "-"' },
    ]);
  });

  it('answers 400 for an envelope that is not 1 to 100 users', async () => {
    expect((await post({ users: [] })).status).toBe(400);
    expect((await post({ users: Array.from({ length: 101 }, (_, n) => person(n)) })).json).toMatchObject({
      problems: [{ path: 'users', message: 'must have at most 100 items' }],
    });
  });
});

describe('admins only', () => {
  it('refuses a signed-in customer with a 403 and writes nothing', async () => {
    const before = (await userItems()).length;
    const refused = await post({ users: [person(900, `guard-${randomUUID().slice(0, 8)}`)] }, randomUUID(), []);
    expect(refused.status).toBe(403);
    expect((await userItems()).length).toBe(before);
  });

  it("keeps one admin's cached batch result from another admin", async () => {
    const batch = { users: [person(901, `scope-${randomUUID().slice(0, 8)}`)] };
    const first = await post(batch);
    const again = await post(batch);
    const otherAdmin = await post(batch, randomUUID());
    expect(first.json.results[0].status).toBe('created');
    expect(again.json.results[0].status).toBe('replayed');
    // Not the first admin's cached answer: this admin's own run (the email is taken by now).
    expect(otherAdmin.json.results[0]).toMatchObject({ status: 'rejected', error: 'Conflict' });
  });
});
