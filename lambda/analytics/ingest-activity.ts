import { ENV } from '#contracts/environment';
import { randomUUID } from 'node:crypto';
import { MAX_ACTIVITY_BODY_BYTES } from '#domain/activity';
import { buildActivityEvents, keyedBatchId, keyedEventId, keyGeneration } from '#domain/activity-batch';
import { bodyHash, IDEMPOTENCY_HEADER, scopedKey } from '#domain/idempotency';
import { ForbiddenError } from '#shared/access-errors';
import { authorize, callerScope } from '#shared/caller';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { AppError, UnprocessableError } from '#shared/errors';
import { httpHandler, jsonBody } from '#shared/http';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { s3 } from '#shared/s3';
import { AwsActivityStore } from './activity-store';
import { attributeActivity, parseActivityRequest } from './activity-request';
import { activityAnswer } from './activity-answer';
import { AwsBatchLedgerStore } from './batch-ledger-store';
import { ingest } from './ingestion';

const deps = {
  store: new AwsActivityStore(
    { s3, dynamo },
    { streamName: env(ENV.ANALYTICS_STREAM), bucket: env(ENV.RAW_BUCKET), statsTable: env(ENV.STATS_TABLE) },
  ),
  ledgers: new AwsBatchLedgerStore(dynamo, env(ENV.STATS_TABLE)),
};

/**
 * POST /activity — one event, or `{ "events": [...] }` with up to 500. Each event
 * is validated on its own; the valid ones get an id and a score and go to the
 * stream, the raw log and the stats (ingestion.ts: the order of the writes and
 * the batch's ledger, which make every resend complete what is missing and
 * double nothing). The answer (activity-answer.ts) lists exactly which events
 * were accepted and which not, and names the batch's Idempotency-Key: 202 when
 * everything accepted is stored, 503 when something is not yet (send the same
 * request again under the key) or nothing was accepted; 400 when nothing in the
 * request is valid.
 *
 * Every batch has a key: the client's `Idempotency-Key`, or, without one, a key
 * the server mints and returns, under which the client resends after a 503. The
 * batch id and each event's id derive from the key, its first arrival and the
 * event's index, and the first arrival is kept with the key (24 h): a resend
 * streams and stores the same events under the same ids, and a key sent again
 * after its claim expired is a new batch (new ids), never silently dropped as
 * duplicates by the consumers' 7-day markers. The same key with another body
 * is a 422. Keys are the caller's: the same key from another caller is another key.
 *
 * Who: on `POST /activity` (customer) the events are the caller's — a missing
 * `userId` is the token's `sub`, another user's id is a 403 for the request;
 * on `POST /producers/activity` (machine clients) each event names its user.
 */
export const handler = httpHandler(async (request) => {
  const caller = authorize(request.event)!;
  const sent = jsonBody(request, MAX_ACTIVITY_BODY_BYTES);
  const attributed = caller.kind === 'user' ? attributeActivity(sent, caller.userId) : { body: sent, foreign: false };
  if (attributed.foreign) throw new ForbiddenError('Every event must be your own (userId your user id, or left out)');
  const parsed = parseActivityRequest(attributed.body, request.header(IDEMPOTENCY_HEADER));
  const idempotencyKey = parsed.idempotencyKey ?? mintedKey();
  const key = scopedKey(callerScope(caller), idempotencyKey);
  let claim;
  try {
    claim = await deps.ledgers.claim(key, { bodyHash: bodyHash(sent), receivedAt: new Date() });
  } catch (error) {
    logger.warn('Could not claim the batch key; nothing was stored', { error: (error as Error).name });
    throw new AppError(503, 'ServiceUnavailable', 'The events could not be delivered now; send them again');
  }
  if (claim.kind === 'key-reused') throw new UnprocessableError('This Idempotency-Key was used with a different request body');
  const generation = keyGeneration(key, claim.receivedAt);
  const batch = { key, receivedAt: claim.receivedAt, batchId: keyedBatchId(generation), correlationId: request.correlationId };
  const built = buildActivityEvents(
    parsed.accepted.map((v) => v.input),
    batch,
    (position) => keyedEventId(generation, parsed.accepted[position]!.index),
  );
  const events = built.map((event, position) => ({ index: parsed.accepted[position]!.index, event }));
  const outcome = await ingest(events, batch, claim.ledger, deps);
  const answer = activityAnswer({ idempotencyKey, batchId: batch.batchId, events, invalid: parsed.rejected, outcome });
  metrics.addMetric('ActivityAccepted', MetricUnit.Count, outcome.ledger.streamed.size);
  metrics.addMetric('ActivityRejected', MetricUnit.Count, events.length + parsed.rejected.length - outcome.ledger.streamed.size);
  return answer;
});

/** The key of a batch sent without one: random, and valid as a client's key (the client resends under it). */
const mintedKey = () => `batch-${randomUUID()}`;
