import { randomUUID } from 'node:crypto';
import { buildActivityEvents } from '#domain/activity-batch';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { AppError } from '#shared/errors';
import { accepted, httpHandler, jsonBody } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { s3 } from '#shared/s3';
import { AwsActivityStore } from './activity-store';
import { validateActivityRequest } from './activity-request';
import { ingest } from './ingestion';

const store = new AwsActivityStore(
  { s3, dynamo },
  { streamName: env('ANALYTICS_STREAM'), bucket: env('RAW_BUCKET'), statsTable: env('STATS_TABLE') },
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
 */
export const handler = httpHandler(async (request) => {
  const { accepted: valid, rejected } = validateActivityRequest(jsonBody(request, MAX_BODY_BYTES));
  const batch = { batchId: randomUUID(), receivedAt: new Date(), correlationId: request.correlationId };
  const events = buildActivityEvents(valid.map((v) => v.input), batch, randomUUID);
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
