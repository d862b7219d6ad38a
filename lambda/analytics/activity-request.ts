import * as z from 'zod/mini';
import { activitySchema, type ActivityInput, MAX_EVENTS_PER_REQUEST } from '#domain/activity';
import { idempotencyKeyProblem } from '#domain/idempotency';
import type { Problem } from '#shared/errors';
import { ValidationError } from '#shared/errors';
import { problemsOf, validate } from '#shared/validation';

/** The body of a batch: `{ "events": [...] }` with 1 to 500 events (each checked on its own). */
export const batchSchema = z.strictObject({
  events: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_REQUEST)),
});

/** An event that was not accepted: its position in the request and every reason. */
export interface RejectedEvent {
  readonly index: number;
  readonly reasons: readonly Problem[];
}

export interface ValidatedActivity {
  /** Valid events with their position in the request (0 for a single event). */
  readonly accepted: readonly { readonly index: number; readonly input: ActivityInput }[];
  readonly rejected: readonly RejectedEvent[];
}

/** The path of a problem with the event as a whole (e.g. not an object, unknown fields). */
const EVENT = '(event)';

const isBatch = (body: unknown): body is { events: unknown } =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;

/**
 * Validates a `POST /activity` body — one event, or `{ events: [...] }` — event
 * by event, so that a partly bad batch keeps its good events. Throws a
 * ValidationError (400) only when the envelope itself is wrong (not an object,
 * no events, more than 500) or when no event at all is valid; in that last case
 * the problems carry the event's position (`events.3.duration`).
 */
export function validateActivityRequest(body: unknown): ValidatedActivity {
  const single = !isBatch(body);
  const events = single ? [body] : validate(batchSchema, body).events;
  const accepted: { index: number; input: ActivityInput }[] = [];
  const rejected: RejectedEvent[] = [];
  events.forEach((event, index) => {
    const result = activitySchema.safeParse(event);
    if (result.success) accepted.push({ index, input: result.data });
    else {
      const reasons = problemsOf(result.error, event).map((p) => (p.path === '(body)' ? { ...p, path: EVENT } : p));
      rejected.push({ index, reasons });
    }
  });
  if (accepted.length === 0) {
    throw new ValidationError(
      rejected.flatMap(({ index, reasons }) =>
        reasons.map((problem) => ({
          path: single ? problem.path.replace(EVENT, '(body)') : `events.${index}${problem.path === EVENT ? '' : `.${problem.path}`}`,
          message: problem.message,
        })),
      ),
    );
  }
  return { accepted, rejected };
}

/**
 * The optional Idempotency-Key header and the validated body of `POST /activity`,
 * with the problems of both in one 400 (a client fixes everything at once). No
 * key: the request is not resendable safely, as before (random ids).
 */
export function parseActivityRequest(
  body: unknown,
  idempotencyKey: string | undefined,
): ValidatedActivity & { readonly idempotencyKey?: string } {
  const keyProblem = idempotencyKeyProblem(idempotencyKey, { required: false });
  const problems: Problem[] = keyProblem ? [keyProblem] : [];
  let validated: ValidatedActivity | undefined;
  try {
    validated = validateActivityRequest(body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return idempotencyKey === undefined ? validated! : { ...validated!, idempotencyKey };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A customer's events: each event object without a `userId` gets `userId`;
 * `foreign` when any event names another user (the request is then refused as
 * a whole). Anything that is not an event object is left for validation to
 * describe.
 */
export function attributeActivity(body: unknown, userId: string): { readonly body: unknown; readonly foreign: boolean } {
  let foreign = false;
  const attribute = (event: unknown): unknown => {
    if (!isObject(event)) return event;
    if (event.userId === undefined) return { ...event, userId };
    // Ids compare in lower case (the API's id rule): the caller's own id in upper case is still theirs.
    if (typeof event.userId !== 'string' || event.userId.toLowerCase() !== userId) foreign = true;
    return event;
  };
  if (isBatch(body)) {
    const events = Array.isArray(body.events) ? body.events.map(attribute) : body.events;
    return { body: { ...body, events }, foreign };
  }
  return { body: attribute(body), foreign };
}
