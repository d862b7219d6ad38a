/**
 * Activity analytics end to end: POST /activity -> Kinesis -> the engagement
 * consumer -> GET /users/{userId}/engagement and, once per user, HighEngagementDetected
 * -> the loyalty thank-you; and the cached POST /users/batch.
 * Expected scores are computed here from the documented rules (docs/architecture.md, README:
 * duration over 60 s +10, purchase +20), not with the domain's own function,
 * so a wrong rule in lambda/domain fails this test instead of agreeing with it.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ACTIVITY_TYPES, type ActivityType } from '../../lambda/domain/activity';
import { stageConfig } from '../../lib/config';
import { consumerLogged } from './consumer-logs';
import { machine, newCaller, type Caller, type Machine } from './identity';
import { api, eventually, output, target, type Target } from './target';

jest.setTimeout(120_000);

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** The stage under test: from E2E_STACK_NAME (`ServerlessCommerce-prod`), dev for the local cloud. */
const stage = process.env.E2E_STACK_NAME?.match(/-(dev|prod)$/)?.[1] ?? 'dev';
const THRESHOLD = stageConfig(stage).analytics.highEngagementThreshold;
/** The engagement consumer, by the start of its description (lib/analytics.ts). */
const ENGAGEMENT_CONSUMER = 'Activity stream consumer: per-user engagement';

interface SentEvent {
  userId: string;
  activityType: string;
  timestamp: string;
  duration: number;
  metadata?: Record<string, unknown>;
}

/** The documented scoring rules, written out independently of lambda/domain/engagement.ts. */
const expectedScore = (event: { activityType: string; duration: number }) =>
  (event.duration > 60 ? 10 : 0) + (event.activityType === 'purchase' ? 20 : 0);

/** What GET /users/{userId}/engagement must answer once every event of `events` is counted. */
function expectedEngagement(userId: string, events: readonly SentEvent[]) {
  const eventsByType = Object.fromEntries(ACTIVITY_TYPES.map((type) => [type, 0])) as Record<ActivityType, number>;
  for (const event of events) eventsByType[event.activityType as ActivityType]++;
  const last = events.reduce((a, b) => (Date.parse(b.timestamp) > Date.parse(a.timestamp) ? b : a));
  return {
    userId,
    totalScore: events.reduce((sum, event) => sum + expectedScore(event), 0),
    eventCount: events.length,
    eventsByType,
    lastActivityAt: new Date(last.timestamp).toISOString(),
    lastActivityType: last.activityType,
  };
}

const start = Date.now() - 3_600_000;
let clock = 0;
/** A fresh event; timestamps increase by a second per call, so the latest event is the last one made. */
const activity = (userId: string, activityType: string, duration: number, extra: Partial<SentEvent> = {}): SentEvent => ({
  userId,
  activityType,
  duration,
  timestamp: new Date(start + ++clock * 1000).toISOString(),
  ...extra,
});

/** Events for many users come from a machine client (the activity producer), as on AWS. */
async function postActivity(events: readonly unknown[]) {
  const response = await api('POST', '/producers/activity', { body: { events }, as: producer });
  expect(response.status).toBe(202);
  return response.json;
}

/** Any user's engagement, read by an admin (a customer may read only their own). */
const engagementOf = (userId: string) => api('GET', `/users/${userId}/engagement`, { as: admin });

/** Polls a user's engagement until `ready` holds; returns it. */
const engagementWhen = (userId: string, what: string, ready: (engagement: any) => boolean, timeoutMs = 30_000) =>
  eventually(
    `${what} (user ${userId})`,
    async () => {
      const { status, json } = await engagementOf(userId);
      if (status === 200 && ready(json)) return json;
      await new Promise((resolve) => setTimeout(resolve, 250));
      return undefined;
    },
    timeoutMs,
  );

/** A registered, signed-in user (the thank-you for high engagement needs contact data). */
const registeredUser = () => newCaller({ name: 'Engaged Customer', email: `e2e-engaged-${randomUUID()}@example.com` });

/** The loyalty thank-you attempts recorded for a user in the notifications table (found by the stack outputs), by key. */
async function thanksOf(userId: string) {
  const { Items } = await dynamo.send(
    new QueryCommand({
      TableName: output(stack.outputs, 'NotificationsTableName'),
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#template = :template',
      ExpressionAttributeNames: { '#template': 'template' },
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':template': 'loyalty-thanks' },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
}

let stack: Target;
let admin: Caller;
let producer: Machine;
beforeAll(async () => {
  stack = await target();
  [admin, producer] = await Promise.all([newCaller({ admin: true }), machine('ActivityProducer', 'commerce/activity.write')]);
}, 60_000);

describe('activity analytics over HTTP and the real stream', () => {
  it('aggregates 1,000 events of 20 users: every total is the sum of its documented scores, every count per type matches', async () => {
    const users = Array.from({ length: 20 }, () => randomUUID());
    // Boundaries included: 60 s scores nothing, 60.5 s does; 0 and a full day are allowed.
    const durations = [0, 3, 30, 60, 60.5, 61, 240, 86_400];
    const pick = <T>(values: readonly T[]) => values[Math.floor(Math.random() * values.length)]!;
    const events = Array.from({ length: 1_000 }, (_, i) =>
      activity(users[i % users.length]!, pick(ACTIVITY_TYPES), pick(durations), i % 7 === 0 ? { metadata: { page: `/p/${i}` } } : {}),
    );

    const answers = await Promise.all([postActivity(events.slice(0, 500)), postActivity(events.slice(500))]);
    answers.forEach((answer, half) => {
      expect(answer).toMatchObject({ batchId: expect.any(String), accepted: 500, rejected: 0, rejectedEvents: [] });
      // The API reports each event's score; it must be the documented one.
      const scores = (answer.acceptedEvents as { index: number; score: number }[]).map(({ index, score }) => [index, score]);
      expect(scores).toEqual(events.slice(half * 500, half * 500 + 500).map((event, index) => [index, expectedScore(event)]));
    });
    expect(answers[0].batchId).not.toBe(answers[1].batchId);

    const expected = new Map(
      users.map((userId) => [
        userId,
        expectedEngagement(
          userId,
          events.filter((e) => e.userId === userId),
        ),
      ]),
    );
    // Sanity of the fixture: the totals differ between users, so a mixed-up aggregate would show.
    expect(new Set([...expected.values()].map((e) => e.totalScore)).size).toBeGreaterThan(1);

    // Both requests carry every user, so one user fully counted means the stream is nearly drained: wait for
    // one (a single poller keeps one warm reader instead of twenty cold ones), then check every user in turn.
    await engagementWhen(users[0]!, 'the last event to be counted', (e) => e.eventCount === 50, 90_000);
    const all = await eventually('the engagement of all 20 users', async () => {
      const found: any[] = [];
      for (const userId of users) {
        const { status, json } = await engagementOf(userId);
        // The consumer counts the events first and sets the high-engagement flag in a later write.
        const flagSettled = (json?.highEngagementAt !== undefined) === json?.totalScore >= THRESHOLD;
        const lastSettled = json?.lastActivityAt === expected.get(userId)!.lastActivityAt;
        if (status !== 200 || json.eventCount !== 50 || !flagSettled || !lastSettled) return undefined;
        found.push(json);
      }
      return found;
    });
    expect(all).toEqual(users.map((userId) => expect.objectContaining(expected.get(userId)!)));
    // Flagged exactly when the total reached the threshold (a flag that never settles times out above).
    for (const engagement of all) {
      expect([engagement.userId, engagement.highEngagementAt !== undefined]).toEqual([
        engagement.userId,
        engagement.totalScore >= THRESHOLD,
      ]);
    }
  });

  it('rejects a bad event of a batch alone, by its index and with every reason, and counts the good ones', async () => {
    const userId = randomUUID();
    const stranger = randomUUID(); // only the bad event names this user: it must never be counted
    const good = [
      activity(userId, 'view', 90),
      activity(userId, 'purchase', 10),
      activity(userId, 'click', 2),
      activity(userId, 'purchase', 61),
    ];
    const bad = activity(stranger, 'teleport', -5);
    const sent = [good[0], good[1], bad, good[2], good[3]];

    const answer = await postActivity(sent);
    expect(answer).toMatchObject({ accepted: 4, rejected: 1 });
    expect(answer.rejectedEvents).toEqual([
      {
        index: 2,
        reasons: [
          { path: 'activityType', message: 'must be one of: view, click, search, add_to_cart, purchase' },
          { path: 'duration', message: 'must be at least 0' },
        ],
      },
    ]);
    expect(answer.acceptedEvents.map((e: { index: number; score: number }) => [e.index, e.score])).toEqual([
      [0, 10],
      [1, 20],
      [3, 0],
      [4, 30],
    ]);

    // Counting and advancing the last activity are two writes: wait for both.
    const expected = expectedEngagement(userId, good as SentEvent[]);
    const engagement = await engagementWhen(
      userId,
      'the good events to be counted',
      (e) => e.eventCount >= 4 && e.lastActivityAt === expected.lastActivityAt,
    );
    expect(engagement).toMatchObject(expected);
    expect(engagement.totalScore).toBe(60);
    expect(engagement.totalScore).toBeLessThan(THRESHOLD);
    expect(engagement.highEngagementAt).toBeUndefined();
    // The same request's good events are counted, so the bad one would be too if it had been sent.
    expect((await engagementOf(stranger)).status).toBe(404);
  });

  it('flags a user as highly engaged once, when the total crosses the threshold, thanks them once, and never again', async () => {
    const customer = await registeredUser();
    const userId = customer.userId;
    // Long visits of 10 points each up to just below the threshold, events that score nothing, then a purchase (+20).
    const longVisits = Math.ceil(THRESHOLD / 10) - 1;
    const crossing = [
      ...Array.from({ length: longVisits }, () => activity(userId, 'view', 120)),
      activity(userId, 'click', 5),
      activity(userId, 'search', 60),
      activity(userId, 'purchase', 10),
    ];
    const sentAt = Date.now();
    // The customer's own activity, through the customer route: attributed to the token's user.
    const own = (events: readonly unknown[]) => api('POST', '/activity', { body: { events }, as: customer });
    expect((await own(crossing)).status).toBe(202);
    // The flag is set after the crossing event is counted: wait for both.
    const crossed = await engagementWhen(userId, 'the flag after crossing', (e) => e.eventCount === crossing.length && e.highEngagementAt);
    expect(crossed.totalScore).toBe(longVisits * 10 + 20);
    expect(crossed.totalScore - 20).toBeLessThan(THRESHOLD);
    expect(crossed.totalScore).toBeGreaterThanOrEqual(THRESHOLD);
    expect(crossed.highEngagementAt).toEqual(expect.any(String));
    expect(Date.parse(crossed.highEngagementAt)).toBeGreaterThanOrEqual(sentAt - 5_000);

    // HighEngagementDetected -> the notifications consumer thanks the user on every channel. Attempts are keyed
    // by event id, so one set (one record per channel, one event id) means one publication reached the consumer.
    const thanks = await eventually(
      `the thank-you for high engagement (user ${userId})`,
      async () => {
        const found = await thanksOf(userId);
        // Claimed attempts are SENDING until their provider answers.
        if (found.length >= 3 && found.every((item) => item.status !== 'SENDING')) return found;
        await new Promise((resolve) => setTimeout(resolve, 250));
        return undefined;
      },
      30_000,
    );
    expect(thanks.map((item) => item.channel)).toEqual(['email', 'push', 'sms']);
    expect(new Set(thanks.map((item) => String(item.sk).split('#')[0])).size).toBe(1);
    // The dev stage delivers nothing (no `sesSender`, `snsDelivery: false`): every attempt is only recorded.
    for (const item of thanks) expect(item).toMatchObject({ template: 'loyalty-thanks', status: 'RECORDED', provider: 'record-only' });
    expect(thanks.find((item) => item.channel === 'email')!.recipient).toMatch(/^e2\*+@example\.com$/);

    // More points after crossing, in two requests (each scoring event re-checks the threshold): the flag never moves.
    const after = [activity(userId, 'purchase', 300), activity(userId, 'add_to_cart', 90)];
    const since = Date.now() - 1_000;
    const laterIds: string[] = [];
    for (const event of after) {
      const answer = await own([event]);
      expect(answer.status).toBe(202);
      laterIds.push(answer.json.acceptedEvents[0].eventId);
    }
    const expectedLater = expectedEngagement(userId, [...crossing, ...after]);
    const later = await engagementWhen(
      userId,
      'the events after crossing',
      (e) => e.eventCount === crossing.length + 2 && e.lastActivityAt === expectedLater.lastActivityAt,
    );
    expect(later).toMatchObject(expectedLater);
    expect(later.highEngagementAt).toBe(crossed.highEngagementAt);

    // ...and the user is never thanked again: the consumer checked the threshold for each later event and
    // said it did not publish (its own log line, the proof it decided), and the thanks are the one set.
    for (const eventId of laterIds) {
      await consumerLogged(
        ENGAGEMENT_CONSUMER,
        eventId,
        since,
        (l) => l.message === 'High engagement already detected: not published again',
      );
    }
    expect(await thanksOf(userId)).toEqual(thanks);
  });

  it('counts a request resent with its Idempotency-Key once, and refuses the key with another body', async () => {
    const userId = randomUUID();
    const key = `e2e-${randomUUID()}`;
    const sent = [activity(userId, 'purchase', 90), activity(userId, 'view', 3), activity(userId, 'click', 75)];
    const send = (events: readonly unknown[]) =>
      api('POST', '/producers/activity', { body: { events }, headers: { 'Idempotency-Key': key }, as: producer });

    const first = await send(sent);
    const again = await send(sent);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json).toEqual(first.json); // the same batch id and event ids
    const reused = await send([activity(userId, 'purchase', 500)]);
    expect(reused.status).toBe(422);
    expect(reused.json).toMatchObject({ error: 'Unprocessable' });

    // One user's records stay in order on one shard: once an event sent after the resend is counted,
    // the resend's records have been consumed too.
    const marker = activity(userId, 'search', 1);
    await postActivity([marker]);
    const engagement = await engagementWhen(userId, 'the event sent after the resend', (e) => e.lastActivityAt === marker.timestamp);
    expect(engagement).toMatchObject(expectedEngagement(userId, [...sent, marker]));
    expect(engagement.eventCount).toBe(4);
  });

  it('answers 404 for a user with no activity and 400 for a malformed id', async () => {
    expect((await engagementOf(randomUUID())).status).toBe(404);
    const malformed = await engagementOf('not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.json.problems).toEqual([{ path: 'userId', message: 'must be a UUID' }]);
  });
});

describe('POST /users/batch with cached results', () => {
  const run = randomUUID().slice(0, 8);
  const person = (n: number, tag = run) => ({ name: `Batch ${n}`, email: `e2e-batch${n}.${tag}@example.com`, phone: '+14155550100' });

  /** The `user` items of the users table with these emails (a scan: e2e tables are small). */
  async function storedUsers(emails: readonly string[]) {
    const values = Object.fromEntries(emails.map((email, i) => [`:e${i}`, email]));
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page: ScanCommandOutput = await dynamo.send(
        new ScanCommand({
          TableName: output(stack.outputs, 'UsersTableName'),
          FilterExpression: `#type = :user AND email IN (${Object.keys(values).join(', ')})`,
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ...values, ':user': 'user' },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  it('answers a resubmitted request from the cache, with the same users replayed, and writes no new user', async () => {
    // Two batches (10 + 2); one invalid user, whose outcome is cached too.
    const users: unknown[] = Array.from({ length: 12 }, (_, n) => person(n));
    users[4] = { name: 'Bad', email: `bad.${run}@example.com`, phone: '555' };
    const emails = users.map((u) => (u as { email: string }).email);

    const first = await api('POST', '/users/batch', { body: { users }, as: admin });
    expect(first.status).toBe(200);
    expect(first.json.summary).toEqual({ total: 12, created: 11, replayed: 0, rejected: 1 });
    expect(first.json.results[4]).toMatchObject({
      index: 4,
      status: 'rejected',
      error: 'ValidationError',
      problems: [{ path: 'phone', message: expect.any(String) }],
    });
    const created = (first.json.results as { status: string; user?: { userId: string; email: string } }[]).filter(
      (r) => r.status === 'created',
    );
    const storedBefore = await storedUsers(emails);
    expect(storedBefore.map((item) => item.userId).sort()).toEqual(created.map((r) => r.user!.userId).sort());

    const again = await api('POST', '/users/batch', { body: { users }, as: admin });
    expect(again.status).toBe(200);
    // The same users and ids, from the cache: `replayed`, and this request created no one.
    expect(again.json).toEqual({
      summary: { total: 12, created: 0, replayed: 11, rejected: 1 },
      results: first.json.results.map((r: { status: string }) => (r.status === 'created' ? { ...r, status: 'replayed' } : r)),
    });
    const storedAfter = await storedUsers(emails);
    expect(storedAfter).toHaveLength(11);
    expect(storedAfter).toEqual(expect.arrayContaining(storedBefore));
    for (const { user } of created.slice(0, 3))
      expect((await api('GET', `/users/${user!.userId}`, { as: admin })).json).toMatchObject(user!);
    // Ids in either case: the user read by its upper-case id is the same user (stored lower case).
    expect((await api('GET', `/users/${created[0]!.user!.userId.toUpperCase()}`, { as: admin })).json).toEqual(created[0]!.user);

    // Caching is per batch content: change the second batch only, and only it is processed again.
    const changed = [...users.slice(0, 10), person(12), person(13)];
    const mixed = await api('POST', '/users/batch', { body: { users: changed }, as: admin });
    expect(mixed.status).toBe(200);
    expect(mixed.json.summary).toEqual({ total: 12, created: 2, replayed: 9, rejected: 1 });
    expect(mixed.json.results.slice(0, 10)).toEqual(again.json.results.slice(0, 10));
    expect(mixed.json.results.slice(10).map((r: { status: string }) => r.status)).toEqual(['created', 'created']);
  });
});
