/**
 * The activity scenario (issue 12): 2,000 events in 40 requests of 50 from a
 * producer (four clients, ten requests each), under 30 % `kinesis:PutRecords`, 20 % `s3:PutObject` and 10 %
 * DynamoDB faults. Two clients send with an Idempotency-Key and resend the
 * request until every event is accepted; two send without one and resend only
 * the events not accepted (after a 503 `Incomplete`, the same body under the
 * key the server minted, as the answer says). Once the faults are cleared and
 * the consumer has caught up: the stream (every shard from TRIM_HORIZON), the
 * raw log (every object under `raw/`) and the aggregates (per-user engagement,
 * the stats items) each hold every accepted event exactly once.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { machine } from '../e2e/identity';
import { api, output, target } from '../e2e/target';
import { clearFaults, injectFaults, report, settle } from './faults';

const SEED = 34;
const RULES = [
  { service: 'kinesis', operation: 'PutRecords', probability: 0.3, error: { statusCode: 500, code: 'InternalFailure' } },
  { service: 's3', operation: 'PutObject', probability: 0.2, error: { statusCode: 500, code: 'InternalError' } },
  { service: 'dynamodb', probability: 0.1, error: { statusCode: 500, code: 'InternalServerError' } },
];
const TYPES = ['view', 'click', 'search', 'add_to_cart', 'purchase'] as const;
const REQUESTS = 40;
const EVENTS_PER_REQUEST = 50;
/** Attempts a client makes for one request before the scenario gives up on it. */
const MAX_ATTEMPTS = 15;

interface Sent {
  readonly userId: string;
  readonly activityType: string;
  readonly timestamp: string;
  readonly duration: number;
}
interface Answer {
  status: number;
  json: {
    error?: string;
    idempotencyKey?: string;
    acceptedEvents?: { index: number; eventId: string; score: number }[];
    rejectedEvents?: { index: number }[];
  };
}
/** Accepted events by id: their user and score, as the answers said. */
type Accepted = Map<string, { userId: string; score: number }>;

const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
const s3 = new S3Client({ forcePathStyle: true });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function activityUnderFaults(): Promise<void> {
  const producer = await machine('ActivityProducer', 'commerce/activity.write');
  const users = Array.from({ length: 4 }, () => randomUUID());
  const start = Date.UTC(2026, 10, 27, 8);
  const events: Sent[] = Array.from({ length: 2_000 }, (_, i) => ({
    userId: users[i % users.length]!,
    activityType: TYPES[Math.floor(i / 7) % TYPES.length]!,
    timestamp: new Date(start + i * 1000).toISOString(),
    duration: (i * 13) % 120,
  }));
  // 40 requests of 50 (four clients sending ten each, one after another): ten times the chances a fault
  // gets past the SDK's and the platform's own retries to a client than four requests of 500 give.
  const requests = Array.from({ length: REQUESTS }, (_, r) => events.slice(r * EVENTS_PER_REQUEST, (r + 1) * EVENTS_PER_REQUEST));
  const accepted: Accepted = new Map();
  const counts = { attempts: 0, resends: 0, incomplete: 0, unavailable: 0 };
  const post = async (body: readonly Sent[], key?: string): Promise<Answer> => {
    counts.attempts++;
    const headers = key === undefined ? undefined : { 'Idempotency-Key': key };
    const { status, json } = await api('POST', '/producers/activity', { body: { events: body }, headers, as: producer });
    return { status, json: json ?? {} };
  };
  const tally = (answer: Answer) => {
    if (answer.status === 503) counts[answer.json.error === 'Incomplete' ? 'incomplete' : 'unavailable']++;
  };

  /** Sends `body` under `key` until it is stored (202); the final answer. */
  const untilStored = async (body: readonly Sent[], key: string): Promise<Answer> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const answer = await post(body, key);
      tally(answer);
      if (answer.status === 202) return answer;
      if (answer.status < 500) throw new Error(`answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      counts.resends++;
    }
    throw new Error(`not stored after ${MAX_ATTEMPTS} attempts`);
  };
  const record = (answer: Answer, body: readonly Sent[]) => {
    for (const { index, eventId, score } of answer.json.acceptedEvents ?? []) accepted.set(eventId, { userId: body[index]!.userId, score });
  };

  /** With a key: the request again until every event is accepted. */
  const keyedClient = async (body: readonly Sent[]) => {
    const key = `chaos-${randomUUID()}`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const answer = await untilStored(body, key);
      record(answer, body);
      if ((answer.json.rejectedEvents ?? []).length === 0) return;
      counts.resends++;
    }
    throw new Error('events still not accepted');
  };
  /** Without a key: only the events not accepted, each time (a 503 Incomplete is completed under the minted key first). */
  const keylessClient = async (body: readonly Sent[]) => {
    let pending = body;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt++) {
      let answer = await post(pending);
      tally(answer);
      if (answer.status === 503 && answer.json.error === 'Incomplete') answer = await untilStored(pending, answer.json.idempotencyKey!);
      if (answer.status >= 500 && answer.json.error !== 'ServiceUnavailable')
        throw new Error(`answered ${answer.status} with nothing to act on`);
      if (answer.status === 202) record(answer, pending);
      const left = new Set((answer.json.rejectedEvents ?? []).map((r) => r.index));
      pending = answer.status === 202 ? pending.filter((_, i) => left.has(i)) : pending;
      if (pending.length > 0) counts.resends++;
    }
    if (pending.length > 0) throw new Error(`${pending.length} events still not accepted`);
  };

  // Warm four workers first: a cold start on a loaded machine can outlast Lambda's 10 s init (a 502 that says
  // nothing), which is not what this scenario is about. Warm-up events are for a user of their own.
  const warmUser = randomUUID();
  await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const one = [{ userId: warmUser, activityType: 'view', timestamp: new Date(start - i * 1000).toISOString(), duration: 1 }];
      await settle(
        'a warm ingestion worker',
        async () => ((await post(one, `warm-${randomUUID()}`)).status === 202 ? true : undefined),
        60_000,
      );
    }),
  );
  counts.attempts = 0;
  await injectFaults(RULES, SEED);
  try {
    const lane = async (client: (body: readonly Sent[]) => Promise<void>, first: number) => {
      for (let r = first; r < requests.length; r += 4) await client(requests[r]!);
    };
    await Promise.all([lane(keyedClient, 0), lane(keyedClient, 1), lane(keylessClient, 2), lane(keylessClient, 3)]);
  } finally {
    await clearFaults();
  }

  const { outputs } = await target();
  const expected = expectedPerUser(accepted, users);
  const engagement = await settle(
    'the consumer counted every accepted event',
    async () => {
      const all = await Promise.all(users.map((u) => engagementOf(output(outputs, 'EngagementTableName'), u)));
      return all.every((e, i) => e.eventCount === expected[i]!.eventCount) ? all : undefined;
    },
    90_000,
  ).catch(() => Promise.all(users.map((u) => engagementOf(output(outputs, 'EngagementTableName'), u))));
  const ours = new Set<string>(users);
  const streamed = (await streamRecords(output(outputs, 'ActivityStreamName'))).filter((e) => ours.has(e.userId));
  const logged = (await rawLogLines(output(outputs, 'RawBucketName'))).filter((e) => ours.has(e.userId));
  const stats = (await Promise.all(users.map((u) => statsOf(output(outputs, 'StatsTableName'), u)))).flat();
  const ids = [...accepted.keys()].sort();
  report('activity', {
    faults: RULES,
    seed: SEED,
    events: events.length,
    requests: requests.length,
    ...counts,
    accepted: accepted.size,
    streamed: streamed.length,
    streamedDistinct: new Set(streamed.map((e) => e.eventId)).size,
    logged: logged.length,
    stats: stats.length,
    engagement: engagement.map((e) => e.eventCount),
    expected: expected.map((e) => e.eventCount),
  });
  expect(ids).toHaveLength(events.length);
  expect(streamed.map((e) => e.eventId).sort()).toEqual(ids);
  expect(logged.map((e) => e.eventId).sort()).toEqual(ids);
  expect(stats.map((s) => s.eventId).sort()).toEqual(ids);
  expect(engagement).toEqual(expected);
}

function expectedPerUser(accepted: Accepted, users: readonly string[]) {
  return users.map((userId) => {
    const mine = [...accepted.values()].filter((e) => e.userId === userId);
    return { eventCount: mine.length, totalScore: mine.reduce((sum, e) => sum + e.score, 0) };
  });
}

async function engagementOf(table: string, userId: string) {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table, Key: { pk: `ENGAGEMENT#${userId}` }, ConsistentRead: true }));
  return { eventCount: Number(Item?.eventCount ?? 0), totalScore: Number(Item?.totalScore ?? 0) };
}

/** Every record of every shard, from TRIM_HORIZON to the tip, decoded. */
async function streamRecords(stream: string): Promise<{ eventId: string; userId: string }[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const all: { eventId: string; userId: string }[] = [];
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) all.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')));
      if ((page.Records ?? []).length === 0 && !page.MillisBehindLatest) break;
      iterator = page.NextShardIterator;
    }
  }
  return all;
}

/** Every line of every raw-log object under `raw/`. */
async function rawLogLines(bucket: string): Promise<{ eventId: string; userId: string }[]> {
  const lines: { eventId: string; userId: string }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'raw/', ContinuationToken: token }));
    for (const { Key } of page.Contents ?? []) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();
      lines.push(
        ...body
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      );
    }
    token = page.NextContinuationToken;
  } while (token);
  return lines;
}

async function statsOf(table: string, userId: string): Promise<{ eventId: string }[]> {
  const items: { eventId: string }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${userId}` },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as { eventId: string }[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
