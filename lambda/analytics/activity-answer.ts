/**
 * The answer to `POST /activity` from an attempt's outcome. Every answer names
 * the batch's Idempotency-Key (the client's, or the one the server minted for a
 * request sent without) and lists exactly which events were accepted — in the
 * stream, so counted by the consumers — and which were not, so a client never
 * guesses:
 * - 202: every accepted event is also in the raw log and the stats; events not
 *   accepted may be sent again (in the same request under the key, or on their
 *   own in a new request);
 * - 503 `Incomplete`: some accepted events are not yet stored everywhere; the
 *   same request must be sent again under the key (it stores only what is
 *   missing, and the events not accepted with it);
 * - 503 `ServiceUnavailable`: nothing was accepted; send the events again.
 */
import type { HttpResponse } from '#shared/http';
import type { Problem } from '#shared/errors';
import type { RejectedEvent } from './activity-request';
import type { IndexedEvent, IngestionOutcome } from './ingestion';

/** The body of every answer (202, and the 503s beside their `error` and `message`). */
export interface ActivityResult {
  readonly batchId: string;
  /** The key to resend under: the client's, or the one the server minted. */
  readonly idempotencyKey: string;
  readonly accepted: number;
  readonly rejected: number;
  readonly acceptedEvents: readonly { readonly index: number; readonly eventId: string; readonly score: number }[];
  readonly rejectedEvents: readonly RejectedEvent[];
}

export interface AnswerInput {
  /** The key as the client sends it (not scoped to the caller). */
  readonly idempotencyKey: string;
  readonly batchId: string;
  readonly events: readonly IndexedEvent[];
  /** Events that failed validation. */
  readonly invalid: readonly RejectedEvent[];
  readonly outcome: IngestionOutcome;
}

/** Seconds a client should wait before sending a 503'd request again. */
const RETRY_AFTER_SECONDS = '1';

const notDelivered = (errorCode: string | undefined): Problem => ({
  path: '(stream)',
  message: `was not delivered (${errorCode ?? 'NotDelivered'}); send it again`,
});

export function activityAnswer({ idempotencyKey, batchId, events, invalid, outcome }: AnswerInput): HttpResponse {
  const { streamed } = outcome.ledger;
  const accepted = events.filter(({ index }) => streamed.has(index));
  const rejectedEvents = [
    ...invalid,
    ...events
      .filter(({ index }) => !streamed.has(index))
      .map(({ index }) => ({ index, reasons: [notDelivered(outcome.undelivered.get(index))] })),
  ].sort((a, b) => a.index - b.index);
  const result: ActivityResult = {
    batchId,
    idempotencyKey,
    accepted: accepted.length,
    rejected: rejectedEvents.length,
    acceptedEvents: accepted.map(({ index, event }) => ({ index, eventId: event.eventId, score: event.score })),
    rejectedEvents,
  };
  const retry = { 'retry-after': RETRY_AFTER_SECONDS };
  if (accepted.length === 0) {
    return {
      status: 503,
      headers: retry,
      body: { error: 'ServiceUnavailable', message: 'The events could not be delivered now; send them again', ...result },
    };
  }
  if (!outcome.stored) {
    return {
      status: 503,
      headers: retry,
      body: {
        error: 'Incomplete',
        message: 'The accepted events are not yet all stored: send the same request again with this Idempotency-Key to complete it',
        ...result,
      },
    };
  }
  return { status: 202, body: result };
}
