/**
 * POST /activity, the stream consumer and GET /users/{userId}/engagement against
 * the emulators, with the real SDK calls: every accepted event is in S3, in
 * Kinesis and in the stats exactly once; PutRecords partial failures are
 * retried (injected by a middleware on the handler's own Kinesis client, which
 * withholds records from kinesalite and reports them failed, as Kinesis does);
 * the consumer counts a redelivered record once and publishes
 * HighEngagementDetected once per user; a request resent with its
 * Idempotency-Key (after a lost answer, a failed stats write, refused records)
 * is counted once.
 */
import { randomUUID } from 'node:crypto';
import type { PutRecordsCommandOutput, PutRecordsInput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvent } from '../../../lambda/domain/activity';
import { apiEvent, authorizedContext, lambdaContext, machineClaims, userClaims } from '../../support/api-event';
import { type LocalAws, kinesisEvent } from '../../support/aws';
import { startAnalyticsCloud } from './analytics-cloud';

jest.setTimeout(180_000);

let BUCKET: string;
let STREAM: string;
let STATS_TABLE: string;
const THRESHOLD = 100;

let cloud: LocalAws;
let ingest: typeof import('../../../lambda/analytics/ingest-activity').handler;
let consume: typeof import('../../../lambda/analytics/aggregate-engagement').handler;
let getEngagement: typeof import('../../../lambda/analytics/get-engagement').handler;
let kinesis: typeof import('../../../lambda/shared/kinesis').kinesis;
let dynamo: typeof import('../../../lambda/shared/dynamo').dynamo;

beforeAll(async () => {
  ({ cloud, bucket: BUCKET, stream: STREAM, statsTable: STATS_TABLE } = await startAnalyticsCloud(THRESHOLD));
  ingest = (await import('../../../lambda/analytics/ingest-activity')).handler;
  consume = (await import('../../../lambda/analytics/aggregate-engagement')).handler;
  getEngagement = (await import('../../../lambda/analytics/get-engagement')).handler;
  kinesis = (await import('../../../lambda/shared/kinesis')).kinesis;
  dynamo = (await import('../../../lambda/shared/dynamo')).dynamo;
});

afterAll(async () => {
  await cloud?.stop();
});

const INJECTOR = 'injectPutRecordsFailures';

/**
 * Makes PutRecords fail some records, as Kinesis does under throttling: the
 * chosen records are withheld from kinesalite and reported with an ErrorCode in
 * their position of the response. Returns the ids of the events failed so far.
 */
function injectFailures(shouldFail: (event: ActivityEvent, position: number) => boolean): string[] {
  const failedIds: string[] = [];
  kinesis.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsInput;
      const records = input.Records ?? [];
      const fail = records.map((r, i) => shouldFail(JSON.parse(Buffer.from(r.Data!).toString('utf8')), i));
      const kept = records.filter((_, i) => !fail[i]);
      records.forEach((r, i) => fail[i] && failedIds.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')).eventId));
      const sent: PutRecordsResultEntry[] = kept.length
        ? (((await next({ ...args, input: { ...input, Records: kept } })).output as PutRecordsCommandOutput).Records ?? [])
        : [];
      let k = 0;
      const entries = records.map((_, i) =>
        fail[i] ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected' } : sent[k++]!,
      );
      const failedCount = entries.filter((e) => e.ErrorCode).length;
      return { output: { $metadata: {}, FailedRecordCount: failedCount, Records: entries }, response: {} };
    },
    { step: 'initialize', name: INJECTOR },
  );
  return failedIds;
}
const stopInjecting = () => kinesis.middlewareStack.remove(INJECTOR);

/**
 * Sends activity as a producer (POST /producers/activity: a machine client, events
 * for any user), or with `as: { user }` as that customer (POST /activity).
 */
async function post(body: unknown, idempotencyKey?: string, as: { user?: string; client?: string } = {}) {
  const headers: Record<string, string> = { 'x-correlation-id': 'it-activity' };
  if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
  const customer = as.user !== undefined;
  process.env.ROUTE_ACCESS = customer ? 'customer' : 'machine';
  const claims = customer ? userClaims(as.user!) : machineClaims(as.client ?? 'producer-client');
  const resource = customer ? '/activity' : '/producers/activity';
  const result = await ingest(
    apiEvent({ path: resource, resource, body: JSON.stringify(body), headers, requestContext: authorizedContext(claims) }),
    lambdaContext,
  );
  return { status: result.statusCode, json: JSON.parse(result.body) };
}

const ADMIN = '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
/** GET /users/{userId}/engagement, as an admin unless `as` (a user id) says otherwise. */
async function engagementOf(userId: string, as?: string) {
  process.env.ROUTE_ACCESS = 'customer';
  const claims = as === undefined ? userClaims(ADMIN, ['admins']) : userClaims(as);
  const result = await getEngagement(
    apiEvent({
      httpMethod: 'GET',
      resource: '/users/{userId}/engagement',
      pathParameters: { userId },
      requestContext: authorizedContext(claims),
    }),
    lambdaContext,
  );
  return { status: result.statusCode, json: JSON.parse(result.body) };
}

const TYPES = ['view', 'click', 'search', 'add_to_cart', 'purchase'] as const;
const users = Array.from({ length: 24 }, () => randomUUID());
const quietUser = randomUUID(); // stays under the threshold

/** Event `i` of the run: types and durations cycle so that some score 0, 10, 20 and 30. */
const activity = (i: number) => ({
  userId: users[i % users.length]!,
  activityType: TYPES[Math.floor(i / users.length) % TYPES.length]!,
  timestamp: new Date(Date.UTC(2026, 10, 27, 8, 0, 0) + i * 1000).toISOString(),
  duration: (i * 7) % 130,
  ...(i % 50 === 0 ? { metadata: { page: `/p/${i}` } } : {}),
});

describe('1,200 events in one request sequence', () => {
  const sent = Array.from({ length: 1_200 }, (_, i) => activity(i));
  const accepted = new Map<string, { userId: string; activityType: string; timestamp: string; duration: number; score: number }>();
  const batchIds: string[] = [];
  let injected: string[] = [];

  beforeAll(async () => {
    // One record in ten fails its first attempt (and only that one, so the count is known).
    const tried = new Set<string>();
    injected = injectFailures((event, position) => {
      const first = !tried.has(event.eventId);
      tried.add(event.eventId);
      return first && position % 10 === 3;
    });
    try {
      const requests = [sent.slice(0, 500), sent.slice(500, 1000), sent.slice(1000)];
      for (const [r, events] of requests.entries()) {
        // The last request also carries three bad events and the quiet user's two.
        const body =
          r === 2
            ? [
                ...events,
                { ...activity(0), duration: -1 },
                { nope: true },
                { ...activity(1), activityType: 'scroll' },
                { ...activity(2), userId: quietUser, activityType: 'view', duration: 5 },
                { ...activity(3), userId: quietUser, activityType: 'click', duration: 70 },
              ]
            : events;
        const { status, json } = await post({ events: body });
        expect(status).toBe(202);
        batchIds.push(json.batchId);
        for (const { index, eventId, score } of json.acceptedEvents) {
          const input = body[index] as ReturnType<typeof activity>;
          accepted.set(eventId, { ...input, timestamp: new Date(input.timestamp).toISOString(), score });
        }
        if (r === 2) {
          expect(json).toMatchObject({ accepted: 202, rejected: 3 });
          expect(json.rejectedEvents).toEqual([
            { index: 200, reasons: [{ path: 'duration', message: 'must be at least 0' }] },
            { index: 201, reasons: expect.arrayContaining([{ path: 'userId', message: 'is required' }]) },
            { index: 202, reasons: [{ path: 'activityType', message: expect.stringMatching(/^must be one of/) }] },
          ]);
        } else {
          expect(json).toMatchObject({ accepted: 500, rejected: 0, rejectedEvents: [] });
        }
      }
    } finally {
      stopInjecting();
    }
  });

  it('scored each event by the rules and gave it its own id', () => {
    expect(accepted.size).toBe(1_202);
    for (const event of accepted.values() as Iterable<{ activityType: string; duration: number; score: number }>) {
      expect(event.score).toBe((event.duration > 60 ? 10 : 0) + (event.activityType === 'purchase' ? 20 : 0));
    }
    expect(new Set([...accepted.values()].map((e) => e.score))).toEqual(new Set([0, 10, 20, 30]));
  });

  it('retried the records PutRecords failed, so none was reported', () => {
    expect(injected).toHaveLength(120); // positions 3, 13, ... of each first call: 50 + 50 + 20
    expect([...injected].every((id) => accepted.has(id))).toBe(true);
  });

  it('has every accepted event in S3 exactly once, one NDJSON object per request under raw/YYYY/MM/DD/HH/', async () => {
    const objects = await cloud.objects(BUCKET, 'raw/');
    const layout = /^raw\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/([0-9a-f-]{36})\.0\.ndjson$/;
    expect(objects.map((o) => layout.exec(o.key)?.[1]).sort()).toEqual([...batchIds].sort());
    const lines = objects.flatMap((o) =>
      o.body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ActivityEvent),
    );
    expect(lines.map((e) => e.eventId).sort()).toEqual([...accepted.keys()].sort());
    for (const line of lines) expect(line).toMatchObject(accepted.get(line.eventId)!);
  });

  it('has every accepted event in Kinesis exactly once, partitioned by user', async () => {
    const records = await cloud.records(STREAM);
    const events = records.map((r) => ({
      key: r.kinesis.partitionKey,
      event: JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as ActivityEvent,
    }));
    expect(events.map((e) => e.event.eventId).sort()).toEqual([...accepted.keys()].sort());
    for (const { key, event } of events) expect(key).toBe(event.userId);
    expect(events.every((e) => e.event.correlationId === 'it-activity')).toBe(true);
  });

  it('has exactly one stats item per accepted event, with its score', async () => {
    const items = (await cloud.scan(STATS_TABLE)).filter((item) => item.pk.startsWith('USER#')); // not the batches' claims
    expect(items.map((i) => i.eventId).sort()).toEqual([...accepted.keys()].sort());
    for (const item of items) {
      const event = accepted.get(item.eventId)!;
      expect(item).toMatchObject({ pk: `USER#${event.userId}`, sk: `ACTIVITY#${event.timestamp}#${item.eventId}`, score: event.score });
    }
  });

  describe('the stream consumer', () => {
    const expected = (userId: string) => {
      const mine = [...accepted.values()].filter((e) => e.userId === userId);
      const byType = Object.fromEntries(TYPES.map((t) => [t, mine.filter((e) => e.activityType === t).length]));
      const last = mine.reduce((a, b) => (a.timestamp > b.timestamp ? a : b));
      return {
        userId,
        totalScore: mine.reduce((sum, e) => sum + e.score, 0),
        eventCount: mine.length,
        eventsByType: byType,
        lastActivityAt: last.timestamp,
        lastActivityType: last.activityType,
      };
    };

    beforeAll(async () => {
      const records = await cloud.records(STREAM);
      // As the mapping delivers them (batches of 100), then everything again (a replay),
      // then one batch's halves (a bisected retry): every record is delivered 2 or 3 times.
      const batches = Array.from({ length: Math.ceil(records.length / 100) }, (_, i) => records.slice(i * 100, i * 100 + 100));
      for (const batch of [...batches, ...batches, batches[3]!.slice(0, 50), batches[3]!.slice(50)]) {
        expect(await consume(kinesisEvent(batch), lambdaContext)).toEqual({ batchItemFailures: [] });
      }
    });

    it('counts every record once: totals, counts by type and the latest activity are exact', async () => {
      for (const userId of [...users, quietUser]) {
        const { status, json } = await engagementOf(userId);
        expect(status).toBe(200);
        expect(json).toMatchObject(expected(userId));
      }
    });

    it('publishes HighEngagementDetected once for each user over the threshold, and not for the others', () => {
      const detections = cloud.events('HighEngagementDetected');
      const over = users.filter((u) => expected(u).totalScore >= THRESHOLD);
      expect(over.length).toBeGreaterThan(0);
      expect(expected(quietUser).totalScore).toBeLessThan(THRESHOLD);
      expect(detections.map((d) => d.detail.data.userId).sort()).toEqual([...over].sort());
      for (const detection of detections) {
        expect(detection.source).toBe('commerce.analytics');
        expect(detection.detail.data).toEqual({
          userId: expect.any(String),
          totalScore: expect.any(Number),
          threshold: THRESHOLD,
          eventCount: expect.any(Number),
          detectedAt: expect.any(String),
        });
        expect(detection.detail.data.totalScore).toBeGreaterThanOrEqual(THRESHOLD);
        expect(detection.detail.metadata).toMatchObject({ correlationId: 'it-activity', version: 1 });
      }
    });

    it('reports only a malformed record as failed, and still counts the others', async () => {
      const userId = randomUUID();
      const { json } = await post({
        events: [
          { ...activity(0), userId },
          { ...activity(1), userId },
        ],
      });
      const records = (await cloud.records(STREAM)).filter((r) => r.kinesis.partitionKey === userId);
      const poison = {
        ...records[0]!,
        kinesis: { ...records[0]!.kinesis, sequenceNumber: '1', data: Buffer.from('{"not":"activity"}').toString('base64') },
      };
      const response = await consume(kinesisEvent([poison, ...records]), lambdaContext);
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
      expect((await engagementOf(userId)).json.eventCount).toBe(json.accepted);
    });
  });
});

describe('POST /activity failures and GET /users/{userId}/engagement', () => {
  it('reports records that PutRecords keeps failing, and stores them nowhere', async () => {
    const unlucky = randomUUID();
    const lucky = randomUUID();
    const body = {
      events: [
        { ...activity(0), userId: lucky },
        { ...activity(1), userId: unlucky },
        { ...activity(2), userId: lucky },
      ],
    };
    injectFailures((event) => event.userId === unlucky);
    let result;
    try {
      result = await post(body);
    } finally {
      stopInjecting();
    }
    expect(result.status).toBe(202);
    expect(result.json).toMatchObject({ accepted: 2, rejected: 1 });
    expect(result.json.rejectedEvents).toEqual([
      { index: 1, reasons: [{ path: '(stream)', message: 'was not delivered (ProvisionedThroughputExceededException); send it again' }] },
    ]);
    const object = (await cloud.objects(BUCKET, 'raw/')).find((o) => o.key.endsWith(`${result.json.batchId}.0.ndjson`))!;
    expect(
      object.body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).userId),
    ).toEqual([lucky, lucky]);
    const stats = await cloud.scan(STATS_TABLE);
    expect(stats.filter((s) => s.pk === `USER#${unlucky}`)).toEqual([]);
    expect(stats.filter((s) => s.pk === `USER#${lucky}`)).toHaveLength(2);
  });

  it('answers 503 when no event could be delivered, and 400 when none is valid', async () => {
    injectFailures(() => true);
    try {
      expect((await post(activity(5))).status).toBe(503);
    } finally {
      stopInjecting();
    }
    const invalid = await post({ events: [{ ...activity(0), duration: 'long' }] });
    expect(invalid).toEqual({
      status: 400,
      json: expect.objectContaining({ problems: [{ path: 'events.0.duration', message: 'must be a number' }] }),
    });
  });

  it('answers 404 for a user with no activity and 400 for an id that is not a UUID', async () => {
    expect((await engagementOf(randomUUID())).status).toBe(404);
    expect((await engagementOf('nobody')).status).toBe(400);
  });
});

describe('POST /activity resent with its Idempotency-Key', () => {
  const newKey = () => `it-${randomUUID()}`;
  /** Three events of a fresh user, 40 points in all. */
  const bodyFor = (userId: string) => ({
    events: [
      { ...activity(0), userId, activityType: 'purchase', duration: 90 },
      { ...activity(1), userId, activityType: 'view', duration: 5 },
      { ...activity(2), userId, activityType: 'click', duration: 61 },
    ],
  });
  const recordsOf = async (userId: string) => (await cloud.records(STREAM)).filter((r) => r.kinesis.partitionKey === userId);
  const statsOf = async (userId: string) => (await cloud.scan(STATS_TABLE)).filter((item) => item.pk === `USER#${userId}`);
  const objectsOf = async (batchId: string) => (await cloud.objects(BUCKET, 'raw/')).filter((o) => o.key.includes(`/${batchId}.`));
  const eventIdsIn = (objects: { body: string }[]) =>
    objects.flatMap((o) =>
      o.body
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as ActivityEvent).eventId),
    );
  const idsOf = (json: { acceptedEvents: { eventId: string }[] }) => json.acceptedEvents.map((e) => e.eventId);

  /** Delivers every record of the user's to the consumer (as the mapping would, duplicates included); returns the aggregate. */
  async function consumedEngagementOf(userId: string) {
    expect(await consume(kinesisEvent(await recordsOf(userId)), lambdaContext)).toEqual({ batchItemFailures: [] });
    return (await engagementOf(userId)).json;
  }

  const FAIL_STATS = 'failStatsWrites';
  /** Makes the handler's stats writes (BatchWriteItem) fail, as a throttled or unavailable table would. */
  function failStatsWrites() {
    dynamo.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        if (context.commandName === 'BatchWriteCommand' || context.commandName === 'BatchWriteItemCommand') {
          throw Object.assign(new Error('injected: stats table unavailable'), { name: 'InternalServerError' });
        }
        return next(args);
      },
      { step: 'initialize', name: FAIL_STATS },
    );
  }

  it('stores, streams and counts a request sent twice with one key and one body once', async () => {
    const userId = randomUUID();
    const key = newKey();
    const first = await post(bodyFor(userId), key);
    const second = await post(bodyFor(userId), key);
    expect(first.status).toBe(202);
    expect(second).toEqual(first); // the same batch id, event ids and scores
    expect(first.json).toMatchObject({ accepted: 3, rejected: 0 });

    const ids = idsOf(first.json);
    const objects = await objectsOf(first.json.batchId);
    expect(objects).toHaveLength(1); // the resend found its object and kept it
    expect(eventIdsIn(objects).sort()).toEqual([...ids].sort());
    const records = await recordsOf(userId);
    // The batch's ledger says the events are streamed: the resend streams nothing again.
    expect(records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).eventId).sort()).toEqual([...ids].sort());
    expect((await statsOf(userId)).map((item) => item.eventId).sort()).toEqual([...ids].sort());

    expect(await consumedEngagementOf(userId)).toMatchObject({ userId, eventCount: 3, totalScore: 40 });
  });

  it('answers 422 for the same key with another body, and stores nothing', async () => {
    const userId = randomUUID();
    const other = randomUUID();
    const key = newKey();
    expect((await post(bodyFor(userId), key)).status).toBe(202);
    const reused = await post(bodyFor(other), key);
    expect(reused).toEqual({
      status: 422,
      json: expect.objectContaining({ error: 'Unprocessable', message: 'This Idempotency-Key was used with a different request body' }),
    });
    expect(await recordsOf(other)).toEqual([]);
    expect(await statsOf(other)).toEqual([]);
    // The same body laid out differently is the same request.
    const reordered = { events: bodyFor(userId).events.map((e) => Object.fromEntries(Object.entries(e).reverse())) };
    expect((await post(reordered, key)).status).toBe(202);
  });

  it('counts each event once when the stats write failed after the stream took the events, and the client resent', async () => {
    const userId = randomUUID();
    const key = newKey();
    failStatsWrites();
    let failed;
    try {
      failed = await post(bodyFor(userId), key);
    } finally {
      dynamo.middlewareStack.remove(FAIL_STATS);
    }
    // Accepted (in the stream) but not stored everywhere: the answer says which, and to resend under the key.
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ error: 'Incomplete', idempotencyKey: key, accepted: 3, rejected: 0 });
    expect(await recordsOf(userId)).toHaveLength(3);
    expect(await statsOf(userId)).toEqual([]);

    const resent = await post(bodyFor(userId), key);
    expect(resent.status).toBe(202);
    const ids = idsOf(resent.json);
    expect(ids).toEqual(idsOf(failed.json));
    expect(await recordsOf(userId)).toHaveLength(3); // recorded as streamed: not streamed again
    expect((await statsOf(userId)).map((item) => item.eventId).sort()).toEqual([...ids].sort());
    const objects = await objectsOf(resent.json.batchId);
    expect(objects).toHaveLength(1); // written by the first attempt, in parallel with the failed stats
    expect(eventIdsIn(objects).sort()).toEqual([...ids].sort());
    expect(await consumedEngagementOf(userId)).toMatchObject({ userId, eventCount: 3, totalScore: 40 });
  });

  it('delivers on a resend what the stream refused, keeping every event in the raw log and counting each once', async () => {
    const userId = randomUUID();
    const key = newKey();
    injectFailures((event) => event.activityType === 'view');
    let partial;
    try {
      partial = await post(bodyFor(userId), key);
    } finally {
      stopInjecting();
    }
    expect(partial.json).toMatchObject({ accepted: 2, rejected: 1, rejectedEvents: [{ index: 1 }] });

    const resent = await post(bodyFor(userId), key);
    expect(resent.json).toMatchObject({ batchId: partial.json.batchId, accepted: 3, rejected: 0 });
    const ids = idsOf(resent.json);
    expect(ids).toEqual(expect.arrayContaining(idsOf(partial.json)));
    // Two parts of the batch: the first attempt's events, then the one the resend delivered; each event in one.
    const objects = await objectsOf(resent.json.batchId);
    expect(objects.map((o) => o.key.split('/').pop())).toEqual([`${resent.json.batchId}.0.ndjson`, `${resent.json.batchId}.1.ndjson`]);
    expect(eventIdsIn(objects).sort()).toEqual([...ids].sort());
    expect(await recordsOf(userId)).toHaveLength(3);
    expect((await statsOf(userId)).map((item) => item.eventId).sort()).toEqual([...ids].sort());
    expect(await consumedEngagementOf(userId)).toMatchObject({ userId, eventCount: 3, totalScore: 40 });
  });

  it('treats a key sent again after its 24 h claim expired as a new batch: new ids, counted again, never dropped', async () => {
    const userId = randomUUID();
    const key = newKey();
    const first = await post(bodyFor(userId), key);
    // The claim's TTL passed (DynamoDB may not have deleted it yet): the key's lifetime is its TTL, exactly.
    const claims = (await cloud.scan(STATS_TABLE)).filter((item) => item.pk.startsWith('IDEMPOTENCY#') && item.pk.endsWith(`|${key}`));
    expect(claims).toHaveLength(1);
    await cloud.dynamo.send(
      new UpdateCommand({
        TableName: STATS_TABLE,
        Key: { pk: claims[0]!.pk, sk: claims[0]!.sk },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    const again = await post(bodyFor(userId), key);
    expect(again.status).toBe(202);
    expect(again.json.batchId).not.toBe(first.json.batchId);
    expect(idsOf(again.json).filter((id) => idsOf(first.json).includes(id))).toEqual([]);
    expect(await recordsOf(userId)).toHaveLength(6);
    expect(await consumedEngagementOf(userId)).toMatchObject({ userId, eventCount: 6, totalScore: 80 });
  });

  it('answers 400 for a malformed key, before storing anything', async () => {
    const userId = randomUUID();
    const result = await post(bodyFor(userId), 'not a key');
    expect(result.status).toBe(400);
    expect(result.json.problems).toEqual([{ path: 'Idempotency-Key', message: 'must be 8-128 letters, digits, ".", "_", ":" or "-"' }]);
    expect(await recordsOf(userId)).toEqual([]);
  });
});

describe("activity is the caller's", () => {
  const event = (extra: object = {}) => ({ activityType: 'view', timestamp: new Date().toISOString(), duration: 5, ...extra });

  it("attributes a customer's events to the token's sub, and refuses events of another user with a 403", async () => {
    const me = randomUUID();
    const mine = await post({ events: [event(), event({ userId: me })] }, undefined, { user: me });
    expect(mine.status).toBe(202);
    expect(mine.json.accepted).toBe(2);
    const foreign = await post({ events: [event(), event({ userId: randomUUID() })] }, undefined, { user: me });
    expect(foreign.status).toBe(403);
    expect((await post(event({ userId: randomUUID() }), undefined, { user: me })).status).toBe(403);
  });

  it('scopes Idempotency-Keys to the caller: the same key from another caller is another batch', async () => {
    const key = `key-${randomUUID()}`;
    const [ada, bob] = [randomUUID(), randomUUID()];
    const first = await post({ events: [event()] }, key, { user: ada });
    const again = await post({ events: [event({ duration: 99 })] }, key, { user: ada });
    const other = await post({ events: [event({ duration: 99 })] }, key, { user: bob });
    expect(first.status).toBe(202);
    expect(again.status).toBe(422); // this caller's key, another body
    expect(other.status).toBe(202); // another caller: its own key
    expect(other.json.batchId).not.toBe(first.json.batchId);
    expect(other.json.acceptedEvents[0].eventId).not.toBe(first.json.acceptedEvents[0].eventId);
    // Two producers with one key do not collide either.
    const p1 = await post({ events: [event({ userId: ada })] }, key, { client: 'producer-1' });
    const p2 = await post({ events: [event({ userId: ada })] }, key, { client: 'producer-2' });
    expect(p1.json.batchId).not.toBe(p2.json.batchId);
  });

  it('shows engagement to its user and admins; others get the 404 of a user with none', async () => {
    const user = users[0]!; // aggregated by the tests above
    const asAdmin = await engagementOf(user);
    expect(asAdmin.status).toBe(200);
    expect(await engagementOf(user, user)).toEqual(asAdmin);
    const refused = await engagementOf(user, randomUUID());
    const none = await engagementOf(randomUUID());
    expect([refused.status, none.status]).toEqual([404, 404]);
    expect(refused.json).toEqual(none.json);
  });
});
