/**
 * POST /activity with a fault at each point of its order of writes, injected
 * through the local cloud's Chaos API (`/_localstack/chaos/faults`, LocalStack's
 * schema) with the real SDK clients: PutRecords failing as a whole, the raw
 * log's PutObject, the stats' BatchWriteItem, the ledger's UpdateItem. Each
 * time the answer says exactly which events were accepted and under which key
 * to resend (the server's own key for a request sent without one), and a
 * resend under that key completes the batch: the stream (by event id), the raw
 * log and the stats hold every event exactly once, and the consumer counts
 * each once.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvent } from '../../../lambda/domain/activity';
import { apiEvent, authorizedContext, lambdaContext, machineClaims } from '../../support/api-event';
import { type LocalAws, kinesisEvent } from '../../support/aws';
import { startAnalyticsCloud } from './analytics-cloud';

jest.setTimeout(120_000);

let BUCKET: string;
let STREAM: string;
let STATS_TABLE: string;
let ENGAGEMENT_TABLE: string;

let cloud: LocalAws;
let ingest: typeof import('../../../lambda/analytics/ingest-activity').handler;
let consume: typeof import('../../../lambda/analytics/aggregate-engagement').handler;

beforeAll(async () => {
  ({ cloud, bucket: BUCKET, stream: STREAM, statsTable: STATS_TABLE, engagementTable: ENGAGEMENT_TABLE } = await startAnalyticsCloud(1000));
  ingest = (await import('../../../lambda/analytics/ingest-activity')).handler;
  consume = (await import('../../../lambda/analytics/aggregate-engagement')).handler;
});
afterEach(() => faults([]));
afterAll(async () => {
  await cloud?.stop();
});

/** Replaces the cloud's fault rules (LocalStack's Chaos API). */
async function faults(rules: object[]): Promise<void> {
  const response = await fetch(`${cloud.endpoint}/_localstack/chaos/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rules),
  });
  expect(response.status).toBe(200);
}

async function post(body: unknown, idempotencyKey?: string) {
  process.env.ROUTE_ACCESS = 'machine';
  const headers: Record<string, string> = idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey };
  const resource = '/producers/activity';
  const result = await ingest(
    apiEvent({ path: resource, resource, body: JSON.stringify(body), headers, requestContext: authorizedContext(machineClaims('p')) }),
    lambdaContext,
  );
  return { status: result.statusCode, headers: result.headers ?? {}, json: JSON.parse(result.body) };
}

const bodyFor = (userId: string) => ({
  events: [0, 1, 2].map((i) => ({
    userId,
    activityType: i === 0 ? 'purchase' : 'view',
    timestamp: new Date(Date.UTC(2026, 10, 27, 8, 0, i)).toISOString(),
    duration: 90,
  })),
}); // 30 + 10 + 10 points

const decode = (data: string) => JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as ActivityEvent;
const idsOf = (json: { acceptedEvents: { eventId: string }[] }) => json.acceptedEvents.map((e) => e.eventId).sort();

/** What the user's events left everywhere: stream records, raw-log lines and stats items, by event id. */
async function storedFor(userId: string) {
  const records = (await cloud.records(STREAM)).filter((r) => r.kinesis.partitionKey === userId);
  const lines = (await cloud.objects(BUCKET, 'raw/')).flatMap((o) =>
    o.body
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ActivityEvent)
      .filter((e) => e.userId === userId),
  );
  const stats = (await cloud.scan(STATS_TABLE)).filter((item) => item.pk === `USER#${userId}`);
  return {
    records,
    streamed: records.map((r) => decode(r.kinesis.data).eventId).sort(),
    logged: lines.map((e) => e.eventId).sort(),
    counted: stats.map((item) => String(item.eventId)).sort(),
  };
}

/** The consumer, given every record of the user's (duplicates included); the user's event count. */
async function consumedCount(userId: string): Promise<number> {
  const { records } = await storedFor(userId);
  expect(await consume(kinesisEvent(records), lambdaContext)).toEqual({ batchItemFailures: [] });
  const { Item } = await cloud.dynamo.send(new GetCommand({ TableName: ENGAGEMENT_TABLE, Key: { pk: `ENGAGEMENT#${userId}` } }));
  return Number(Item?.eventCount ?? 0);
}

const fault = (service: string, operation: string) => ({ service, operation, error: { statusCode: 500, code: 'InternalError' } });

describe.each([
  ['the raw log (s3 PutObject)', fault('s3', 'PutObject')],
  ['the stats (dynamodb BatchWriteItem)', fault('dynamodb', 'BatchWriteItem')],
  ['the ledger (dynamodb UpdateItem)', fault('dynamodb', 'UpdateItem')],
])('%s failing after the stream took the events', (_, rule) => {
  it.each([
    ['with a key', true],
    ['without a key', false],
  ])('answers 503 Incomplete with the accepted ids and the key (%s); the resend under it completes exactly once', async (_, keyed) => {
    const userId = randomUUID();
    const key = keyed ? `it-${randomUUID()}` : undefined;
    await faults([rule]);
    const failed = await post(bodyFor(userId), key);
    await faults([]);
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('1');
    expect(failed.json).toMatchObject({ error: 'Incomplete', accepted: 3, rejected: 0 });
    const resendKey: string = failed.json.idempotencyKey;
    if (keyed) expect(resendKey).toBe(key);
    else expect(resendKey).toMatch(/^batch-[0-9a-f-]{36}$/); // minted for this batch

    const resent = await post(bodyFor(userId), resendKey);
    expect(resent.status).toBe(202);
    expect(idsOf(resent.json)).toEqual(idsOf(failed.json));
    const stored = await storedFor(userId);
    expect(stored.logged).toEqual(idsOf(failed.json));
    expect(stored.counted).toEqual(idsOf(failed.json));
    expect([...new Set(stored.streamed)]).toEqual(idsOf(failed.json));
    // Only an unrecorded stream write (the ledger failing) streams the events again, under the same ids.
    expect(stored.streamed).toHaveLength(rule.operation === 'UpdateItem' ? 6 : 3);
    expect(await consumedCount(userId)).toBe(3);
  });
});

describe('PutRecords failing as a whole', () => {
  it('answers 503 with nothing accepted, stores nothing, and a resend without a key is then counted once', async () => {
    const userId = randomUUID();
    await faults([fault('kinesis', 'PutRecords')]);
    const failed = await post(bodyFor(userId));
    await faults([]);
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ error: 'ServiceUnavailable', accepted: 0, rejected: 3 });
    expect(failed.json.rejectedEvents.map((r: { index: number }) => r.index)).toEqual([0, 1, 2]);
    expect(await storedFor(userId)).toMatchObject({ streamed: [], logged: [], counted: [] });

    const resent = await post(bodyFor(userId));
    expect(resent.status).toBe(202);
    const stored = await storedFor(userId);
    expect(stored).toMatchObject({ streamed: idsOf(resent.json), logged: idsOf(resent.json), counted: idsOf(resent.json) });
    expect(await consumedCount(userId)).toBe(3);
  });

  it('answers 503 without storing anything when the key cannot be claimed (dynamodb PutItem)', async () => {
    const userId = randomUUID();
    await faults([fault('dynamodb', 'PutItem')]);
    const failed = await post(bodyFor(userId), `it-${randomUUID()}`);
    await faults([]);
    expect(failed).toMatchObject({ status: 503, json: { error: 'ServiceUnavailable' } });
    expect(await storedFor(userId)).toMatchObject({ streamed: [], logged: [], counted: [] });
  });
});
