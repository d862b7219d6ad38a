import { ENV } from '#contracts/environment';
import { randomUUID } from 'node:crypto';
import { buildActivityEvents, keyedBatchId, keyedEventId, keyGeneration } from '#domain/activity-batch';
import { bodyHash, IDEMPOTENCY_HEADER, scopedKey } from '#domain/idempotency';
import { ForbiddenError } from '#shared/access-errors';
import { authorize, callerScope } from '#shared/caller';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { AppError, UnprocessableError } from '#shared/errors';
import { accepted, httpHandler, jsonBody } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { s3 } from '#shared/s3';
import { AwsActivityStore } from './activity-store';
import { attributeActivity, parseActivityRequest } from './activity-request';
import { ingest } from './ingestion';

const store = new AwsActivityStore(
  { s3, dynamo },
  { streamName: env(ENV.ANALYTICS_STREAM), bucket: env(ENV.RAW_BUCKET), statsTable: env(ENV.STATS_TABLE) },
);

/** 500 events with metadata at its limit, and room to spare: API Gateway allows 10 MB. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * POST /activity — one event, or `{ "events": [...] }` with up to 500. Each event
 * is validated on its own; the valid ones get an id and a score and go to the
 * stream, the raw log and the stats (at most one PutRecords, one S3 object and
 * one BatchWriteItem per 25 events, plus retries of what failed). 202 with the
 * accepted events' ids and scores and every rejected event's index and reasons;
 * 400 when nothing in the request is valid, 503 when nothing could be delivered.
 *
 * With an `Idempotency-Key` header the request can be resent (after a 500, a
 * 503, a lost answer, or for its events the stream refused): the batch id and
 * each event's id are derived from the key and the event's index, and the first
 * arrival time is kept with the key, so a resend stores and streams the same
 * events under the same ids and every consumer counts them once. Ids derive
 * from the key *and* its first arrival: the key sent again after its 24 h claim
 * expired is a new batch (new ids), never silently dropped as duplicates. The same key
 * with another body is a 422; without a key, ids are random, as before. Keys
 * are the caller's: the same key from another caller is another key.
 *
 * Who: on `POST /activity` (customer) the events are the caller's — a missing
 * `userId` is the token's `sub`, another user's id is a 403 for the request;
 * on `POST /producers/activity` (machine clients) each event names its user.
 */
export const handler = httpHandler(async (request) => {
  const caller = authorize(request.event)!;
  const sent = jsonBody(request, MAX_BODY_BYTES);
  const attributed = caller.kind === 'user' ? attributeActivity(sent, caller.userId) : { body: sent, foreign: false };
  if (attributed.foreign) throw new ForbiddenError('Every event must be your own (userId your user id, or left out)');
  const body = attributed.body;
  const parsed = parseActivityRequest(body, request.header(IDEMPOTENCY_HEADER));
  const { accepted: valid, rejected } = parsed;
  const key = parsed.idempotencyKey === undefined ? undefined : scopedKey(callerScope(caller), parsed.idempotencyKey);
  let receivedAt = new Date();
  if (key !== undefined) {
    const claim = await store.claim(key, { bodyHash: bodyHash(sent), receivedAt });
    if (claim.kind === 'key-reused') throw new UnprocessableError('This Idempotency-Key was used with a different request body');
    receivedAt = claim.receivedAt;
  }
  // Ids derive from the key's claim (key and first arrival): a key reused after it expired is a new batch.
  const generation = key === undefined ? undefined : keyGeneration(key, receivedAt);
  const batch = {
    batchId: generation === undefined ? randomUUID() : keyedBatchId(generation),
    receivedAt,
    correlationId: request.correlationId,
    resendable: key !== undefined,
  };
  const newId = generation === undefined ? () => randomUUID() : (position: number) => keyedEventId(generation, valid[position]!.index);
  const events = buildActivityEvents(
    valid.map((v) => v.input),
    batch,
    newId,
  );
  const { delivered, undelivered } = await ingest(events, batch, store);
  if (delivered.length === 0) {
    throw new AppError(503, 'ServiceUnavailable', 'The events could not be delivered now; send them again');
  }
  const indexOf = new Map(events.map((event, i) => [event.eventId, valid[i]!.index]));
  const rejectedEvents = [
    ...rejected,
    ...undelivered.map(({ event, errorCode }) => ({
      index: indexOf.get(event.eventId)!,
      reasons: [{ path: '(stream)', message: `was not delivered (${errorCode}); send it again` }],
    })),
  ].sort((a, b) => a.index - b.index);
  metrics.addMetric('ActivityAccepted', MetricUnit.Count, delivered.length);
  metrics.addMetric('ActivityRejected', MetricUnit.Count, rejectedEvents.length);
  return accepted({
    batchId: batch.batchId,
    accepted: delivered.length,
    rejected: rejectedEvents.length,
    acceptedEvents: delivered.map((event) => ({ index: indexOf.get(event.eventId)!, eventId: event.eventId, score: event.score })),
    rejectedEvents,
  });
});
