/**
 * POST /activity as built (lambda/analytics/ingest-activity.ts) against the same
 * endpoint done one call per event (bench/naive-ingestion.ts): events/s and AWS
 * API calls per 1,000 events. Both handlers run in-process, sent API Gateway
 * proxy events of 500 events one at a time (10,000 events to ours, 2,000 to the
 * naive one, interleaved), on the same emulators behind the local cloud's edge,
 * through the same SDK clients; every HTTP request those clients send (retries
 * included) is counted by operation. Afterwards the stream, the raw log and the
 * stats of each must hold exactly the events it accepted.
 *
 *   npm run bench:ingestion
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiEvent, authorizedContext, lambdaContext, machineClaims } from '../test/support/api-event';
import { type LocalAws, handlerEnvironment, startLocalAws } from '../test/support/aws';
import type { ActivityNames } from './naive-ingestion';
import { printTable, progress, runBench } from './support';

/** Events per request: the endpoint's maximum. */
const REQUEST_EVENTS = 500;
/** Measured rounds; each sends OURS_PER_ROUND requests to ours, then 1 to the naive handler, so both share the same load. */
const ROUNDS = 4;
const OURS_PER_ROUND = 5;
/**
 * Fewest calls per 1,000 events: 1 S3 object, 2 PutRecords (500 records each),
 * 40 BatchWriteItem (25 items each). With one object per request of 500, the
 * endpoint's own minimum is 44.
 */
const CALL_FLOOR = 43;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** One implementation under measure, and what it did. */
interface Subject {
  readonly handler: Handler;
  readonly names: ActivityNames;
  /** Ids of every event it accepted, the warm-up's included. */
  readonly accepted: string[];
  /** HTTP requests its measured requests sent, by operation (`Kinesis PutRecords`...). */
  readonly calls: Map<string, number>;
  events: number;
  ms: number;
}

/** Where the counting middleware adds while a measured request runs. */
let counting: Map<string, number> | undefined;

const TYPES = ['view', 'click', 'search', 'add_to_cart', 'purchase'] as const;
const users = Array.from({ length: 200 }, () => randomUUID());

/** Event `i`: users, types and durations cycle; one in 50 has metadata. */
const activity = (i: number) => ({
  userId: users[i % users.length]!,
  activityType: TYPES[i % TYPES.length]!,
  timestamp: new Date(Date.UTC(2026, 10, 27, 8) + i * 1000).toISOString(),
  duration: (i * 7) % 130,
  ...(i % 50 === 0 ? { metadata: { page: `/p/${i}` } } : {}),
});

/** Proxy events of `REQUEST_EVENTS` events each, `events` in all. */
function requests(events: number) {
  return Array.from({ length: Math.ceil(events / REQUEST_EVENTS) }, (_, r) => {
    const batch = Array.from({ length: Math.min(REQUEST_EVENTS, events - r * REQUEST_EVENTS) }, (_, i) => activity(r * REQUEST_EVENTS + i));
    // As the activity producer sends them: a machine client's token on POST /producers/activity.
    return apiEvent({
      path: '/producers/activity',
      resource: '/producers/activity',
      body: JSON.stringify({ events: batch }),
      requestContext: authorizedContext(machineClaims('bench-producer')),
    });
  });
}

/**
 * Counts every HTTP request the handlers' clients send, by operation, into
 * `counting`. The middleware is the innermost one, inside the SDK's retries:
 * each attempt counts.
 */
async function countCalls(): Promise<void> {
  const [{ s3 }, { kinesis }, { dynamo }] = await Promise.all([import('#shared/s3'), import('#shared/kinesis'), import('#shared/dynamo')]);
  const counter = (next: any, context: any) => (args: any) => {
    const operation = `${context.clientName.replace(/Client$/, '')} ${context.commandName.replace(/Command$/, '')}`;
    counting?.set(operation, (counting.get(operation) ?? 0) + 1);
    return next(args);
  };
  const innermost = { step: 'deserialize', priority: 'low' } as const;
  s3.middlewareStack.add(counter, innermost);
  kinesis.middlewareStack.add(counter, innermost);
  dynamo.middlewareStack.add(counter, innermost);
}

/** Sends one request; a measured one adds its time, events and calls to the subject. Throws unless all were accepted. */
async function post(subject: Subject, event: APIGatewayProxyEvent, measured: boolean): Promise<void> {
  counting = measured ? subject.calls : undefined;
  const started = performance.now();
  const result = await subject.handler(event, lambdaContext);
  const ms = performance.now() - started;
  counting = undefined;
  const body = JSON.parse(result.body);
  if (result.statusCode !== 202 || body.rejected !== 0)
    throw new Error(`POST /activity answered ${result.statusCode}: ${result.body.slice(0, 300)}`);
  subject.accepted.push(...body.acceptedEvents.map((e: { eventId: string }) => e.eventId));
  if (measured) {
    subject.ms += ms;
    subject.events += body.accepted;
  }
}

/**
 * The event ids in every object of `bucket`. ListObjects v1: s3rver pages
 * ListObjectsV2 with DES-encrypted continuation tokens, which OpenSSL 3 refuses.
 */
async function rawLogEventIds(s3: S3Client, bucket: string): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: marker }));
    for (const { Key } of page.Contents ?? []) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();
      ids.push(
        ...body
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line).eventId),
      );
      marker = Key;
    }
    if (!page.IsTruncated) return ids;
  }
}

/** Throws unless the stream, the raw log and the stats each hold exactly the `accepted` events. */
async function verify(cloud: LocalAws, names: ActivityNames, accepted: readonly string[]): Promise<void> {
  const expected = [...accepted].sort().join();
  const stored = {
    stream: (await cloud.records(names.streamName)).map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).eventId),
    'raw log': await rawLogEventIds(cloud.s3, names.bucket),
    // The stats items, not the batches' claims and ledgers that share the table (pk IDEMPOTENCY#...).
    stats: (await cloud.scan(names.statsTable)).filter((item) => String(item.sk).startsWith('ACTIVITY#')).map((item) => item.eventId),
  };
  for (const [place, ids] of Object.entries(stored)) {
    if (ids.sort().join() !== expected) throw new Error(`${place}: ${ids.length} events stored, ${accepted.length} accepted`);
  }
}

/** The stream, bucket and table of one implementation. */
const namesOf = (prefix: string): ActivityNames => ({
  streamName: `${prefix}-activity`,
  bucket: `${prefix}-raw`,
  statsTable: `${prefix}-stats`,
});

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN'; // retries are logged as warnings, on stderr

  progress('starting the emulators and the edge');
  const cloud = await startLocalAws();
  try {
    const oursNames = namesOf('ingestion');
    const naiveNames = namesOf('naive');
    for (const { streamName, bucket, statsTable } of [oursNames, naiveNames]) {
      await cloud.createStream(streamName);
      await cloud.createBucket(bucket);
      await cloud.createTable(statsTable, { sortKey: true });
    }
    // The handlers' modules create their SDK clients and read their names at import.
    const { streamName, bucket, statsTable } = oursNames;
    handlerEnvironment(cloud.endpoint, 'analytics', {
      ANALYTICS_STREAM: streamName,
      RAW_BUCKET: bucket,
      STATS_TABLE: statsTable,
      ROUTE_ACCESS: 'machine',
    });
    const { handler } = await import('../lambda/analytics/ingest-activity');
    const { naiveIngestHandler } = await import('./naive-ingestion');
    await countCalls();
    const subject = (handler: Handler, names: ActivityNames): Subject => ({
      handler,
      names,
      accepted: [],
      calls: new Map(),
      events: 0,
      ms: 0,
    });
    const ours = subject(handler, oursNames);
    const naive = subject(naiveIngestHandler(naiveNames), naiveNames);

    progress('warming up: 50 events each');
    for (const s of [ours, naive]) await post(s, requests(50)[0]!, false);
    const oursRequests = requests(ROUNDS * OURS_PER_ROUND * REQUEST_EVENTS);
    const naiveRequests = requests(ROUNDS * REQUEST_EVENTS);
    for (let round = 0; round < ROUNDS; round++) {
      progress(`round ${round + 1}/${ROUNDS}: ${OURS_PER_ROUND * REQUEST_EVENTS} events to ours, ${REQUEST_EVENTS} to the naive handler`);
      for (const event of oursRequests.slice(round * OURS_PER_ROUND, (round + 1) * OURS_PER_ROUND)) await post(ours, event, true);
      await post(naive, naiveRequests[round]!, true);
    }
    progress('verifying what each stored');
    for (const s of [ours, naive]) await verify(cloud, s.names, s.accepted);

    const subjects = [naive, ours];
    const eventsPerSecond = (s: Subject) => s.events / (s.ms / 1000);
    const per1000 = (s: Subject, operation?: string) =>
      (operation ? (s.calls.get(operation) ?? 0) : [...s.calls.values()].reduce((a, b) => a + b, 0)) * (1000 / s.events);
    const operations = [...new Set(subjects.flatMap((s) => [...s.calls.keys()]))].sort();
    const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
    printTable(
      ['measure', 'one call per event', 'ingestion (ours)', 'target'],
      [
        ['events measured (requests of 500)', ...subjects.map((s) => s.events.toLocaleString('en-US')), ''],
        ['events/s', ...subjects.map((s) => eventsPerSecond(s).toFixed(0)), ''],
        ...operations.map((operation) => [`${operation} / 1,000 events`, ...subjects.map((s) => round(per1000(s, operation))), '']),
        ['total calls / 1,000 events', ...subjects.map((s) => round(per1000(s))), ''],
        [`calls / floor (${CALL_FLOOR})`, ...subjects.map((s) => `${(per1000(s) / CALL_FLOOR).toFixed(2)}x`), '≤ 1.1x'],
        ['speed-up (events/s)', '', `${(eventsPerSecond(ours) / eventsPerSecond(naive)).toFixed(1)}x`, '≥ 20x'],
      ],
    );
  } finally {
    await cloud.stop();
  }
}

runBench(main);
