/**
 * The documented answers are the answers, for `POST /activity`: the handler,
 * against the local cloud's Kinesis, S3 and DynamoDB, answers a 202 whose
 * envelope (built inline in the handler) the `ActivityAnswer` schema accepts
 * and describes completely, with an accepted and a rejected event; a request
 * with no valid event answers the documented Error shape.
 */
import { randomUUID } from 'node:crypto';
import { activityAnswer, handlerError } from '../../../scripts/openapi/responses';
import { handlerEnvironment, startLocalAws, type LocalAws } from '../../support/aws';
import { callAs, expectDocumented, type Handler } from './documented';

const STREAM = `activity-${randomUUID()}`;
const BUCKET = `raw-${randomUUID()}`;
const STATS = `stats-${randomUUID()}`;
const CUSTOMER = randomUUID();

let cloud: LocalAws;
let ingest: Handler;

beforeAll(async () => {
  cloud = await startLocalAws();
  await cloud.createBucket(BUCKET);
  await cloud.createStream(STREAM, 1);
  await cloud.createTable(STATS, { sortKey: true });
  handlerEnvironment(cloud.endpoint, 'openapi-activity', { ANALYTICS_STREAM: STREAM, RAW_BUCKET: BUCKET, STATS_TABLE: STATS });
  ingest = (await import('../../../lambda/analytics/ingest-activity')).handler;
});

afterAll(async () => {
  await cloud?.stop();
});

const event = { activityType: 'view', timestamp: '2026-11-27T10:15:00Z', duration: 75 };
const post = (body: unknown) =>
  callAs(ingest, CUSTOMER, 'customer', { httpMethod: 'POST', resource: '/activity', body: JSON.stringify(body) });

it('answers 202 with an ActivityAnswer: accepted events with ids and scores, rejected ones with reasons', async () => {
  const answer = await post({ events: [event, { ...event, duration: -1 }] });
  expect(answer.status).toBe(202);
  expectDocumented(activityAnswer, answer.body);
  expect(answer.body).toMatchObject({ accepted: 1, rejected: 1, rejectedEvents: [{ index: 1 }] });
});

it('answers a request with no valid event with the documented Error shape', async () => {
  const answer = await post({ ...event, activityType: 'dance' });
  expect(answer.status).toBe(400);
  expectDocumented(handlerError, answer.body);
});
