/**
 * The response bodies of the API as zod schemas, one small block per route,
 * each registered (with its component name) in `responseSchemas` and tied to
 * the type the handler answers with by a `Same<>` assertion: a handler that
 * changes its answer breaks `npm run typecheck` until its block here follows.
 *
 * Where a handler builds its envelope inline (no named type: `GET /orders`),
 * the envelope's
 * parts are tied (each result, summary and event type) and the envelope is
 * written beside them as the handler builds it.
 */
import * as z from 'zod/mini';
import { ORDER_STATUSES, PAYMENT_METHODS } from '#contracts/events';
import { ACTIVITY_TYPES } from '#domain/activity';
import type { OrderSummary } from '#domain/order-pages';
import { ORDER_ID, SKU } from '#domain/orders';
import { USER_ID } from '#domain/users';
import type { ActivityResult } from '../../lambda/analytics/activity-answer';
import type { RejectedEvent } from '../../lambda/analytics/activity-request';
import type { EngagementStore } from '../../lambda/analytics/engagement-store';
import type { InventoryStore } from '../../lambda/inventory/inventory-store';
import type { OrderStore } from '../../lambda/orders/order-store';
import type { OrderBatchItem, OrderBatchResponse } from '../../lambda/orders/order-batch';
import type { BatchSummary, RejectedItem } from '../../lambda/shared/batch';
import type { Problem } from '../../lambda/shared/errors';
import type { UserBatchItem, UserBatchResponse } from '../../lambda/users/batch-users';
import type { UserStore } from '../../lambda/users/user-store';
import type { Same, Tie } from './same';

/** Component name and description of each documented response body. */
export const responseSchemas = z.registry<{ id: string; description: string }>();
function component<S extends z.ZodMiniType>(id: string, description: string, schema: S): S {
  responseSchemas.add(schema, { id, description });
  return schema;
}

/** What a store's `get` finds (the handlers answer with it as it is). */
type Found<Get extends (...args: never[]) => Promise<unknown>> = NonNullable<Awaited<ReturnType<Get>>>;

const uuid = z.string().check(z.regex(USER_ID));
const instant = z.iso.datetime();
const count = z.int().check(z.minimum(0));
const cents = z.int();

// --- Errors: every handler's `{ error, message, problems? }` (lambda/shared/http.ts) -----------

export const problem = component(
  'Problem',
  'One problem with the request: where (a dotted path such as `lines.0.sku`, a header name, or `(body)`) and what is wrong.',
  z.object({ path: z.string(), message: z.string() }),
);
export type ProblemIsTied = Tie<Same<z.infer<typeof problem>, Problem>>;

export const handlerError = component(
  'Error',
  "A handler's error: a code (`ValidationError`, `NotFound`, `Forbidden`, `Conflict`, `Unprocessable`, `ServiceUnavailable`, `InternalError`), a sentence, and for a 400 every problem at once. A 500 never carries details.",
  z.object({ error: z.string(), message: z.string(), problems: z.optional(z.array(problem)) }),
);

export const gatewayError = component(
  'GatewayError',
  "API Gateway's own answer, sent before any handler runs (no `x-correlation-id`): 401 `Unauthorized`, 403 `Forbidden` or `Missing Authentication Token`, 413, 429 `Too Many Requests`.",
  z.object({ message: z.string() }),
);

// --- GET /users/me, GET /users/{userId} -----------------------------------------------------

export const user = component(
  'User',
  'A registered user; `userId` is their Cognito `sub`.',
  z.object({ userId: uuid, name: z.string(), email: z.string(), phone: z.string(), createdAt: instant }),
);
export type UserIsTied = Tie<Same<z.infer<typeof user>, Found<UserStore['get']>>>;

// --- The batch answer of POST /users/batch and POST /orders/batch (lambda/shared/batch.ts) -----

export const batchSummary = component(
  'BatchSummary',
  'Items per status: `created` counts only what this request created (a replay counts under `replayed`).',
  z.object({ total: count, created: count, replayed: count, rejected: count }),
);
export type BatchSummaryIsTied = Tie<Same<z.infer<typeof batchSummary>, BatchSummary>>;

export const rejectedItem = component(
  'RejectedItem',
  'An item not made: the code the single route would answer (`ValidationError`, `Conflict`, `Forbidden`, `Unprocessable`; `ServiceUnavailable`: not processed now, send the same request again), a sentence and for invalid items every problem.',
  z.object({
    index: count,
    status: z.literal('rejected'),
    error: z.string(),
    message: z.string(),
    problems: z.optional(z.array(problem)),
  }),
);
export type RejectedItemIsTied = Tie<Same<z.infer<typeof rejectedItem>, RejectedItem>>;

/**
 * The two components of one batch route, as `BatchResponse<T>` builds them: an
 * item (what the route made, `made`, with `index` and `created | replayed`, or a
 * rejected item) and the answer (`summary` and the items in request order).
 */
function batchComponents<Made extends z.core.$ZodLooseShape>(name: string, noun: string, made: Made, replayedBy: string) {
  const item = component(
    `${name}BatchItem`,
    `What became of one ${noun} of the request (\`index\`: its position): \`created\` now, \`replayed\` (${replayedBy}), or \`rejected\`.`,
    z.union([z.object({ index: count, status: z.enum(['created', 'replayed']), ...made }), rejectedItem]),
  );
  const answer = component(
    `${name}BatchAnswer`,
    `The counts per status and each ${noun} of the request in order.`,
    z.object({ summary: batchSummary, results: z.array(item) }),
  );
  return { item, answer };
}

// --- POST /users/batch (200, 207) -------------------------------------------------------------

export const { item: userBatchItem, answer: userBatchAnswer } = batchComponents(
  'User',
  'user',
  { user },
  'made by an earlier request with the same key or batch',
);
export type UserBatchItemIsTied = Tie<Same<z.infer<typeof userBatchItem>, UserBatchItem>>;
export type UserBatchAnswerIsTied = Tie<Same<z.infer<typeof userBatchAnswer>, UserBatchResponse>>;

// --- POST /orders (201, 200 replay), GET /orders/{orderId} -----------------------------------

export const order = component(
  'Order',
  'An order: lines priced from the inventory (integer cents), status and its history with reasons.',
  z.object({
    orderId: z.string().check(z.regex(ORDER_ID)),
    customerId: uuid,
    status: z.enum(ORDER_STATUSES),
    lines: z.array(z.object({ sku: z.string().check(z.regex(SKU)), quantity: z.int(), unitPrice: cents, lineTotal: cents })),
    total: cents,
    currency: z.string(),
    paymentMethod: z.enum(PAYMENT_METHODS),
    paymentId: z.optional(z.string()),
    history: z.array(
      z.object({
        status: z.enum(ORDER_STATUSES),
        at: instant,
        event: z.string(),
        eventId: z.optional(z.string()),
        reason: z.optional(z.string()),
      }),
    ),
    createdAt: instant,
    updatedAt: instant,
  }),
);
export type OrderIsTied = Tie<Same<z.infer<typeof order>, Found<OrderStore['get']>>>;

// --- GET /orders ------------------------------------------------------------------------------

export const orderSummary = component(
  'OrderSummary',
  'An order as the list shows it; the full order is `GET /orders/{orderId}`.',
  z.object({
    orderId: z.string().check(z.regex(ORDER_ID)),
    status: z.enum(ORDER_STATUSES),
    total: cents,
    currency: z.string(),
    createdAt: instant,
    updatedAt: instant,
  }),
);
export type OrderSummaryIsTied = Tie<Same<z.infer<typeof orderSummary>, OrderSummary>>;

export const orderPage = component(
  'OrderPage',
  "A page of the caller's orders, newest first; `nextToken` (opaque) is absent on the last page.",
  z.object({ orders: z.array(orderSummary), nextToken: z.optional(z.string()) }),
);

// --- POST /orders/batch -----------------------------------------------------------------------

export const { item: orderBatchItem, answer: orderBatchAnswer } = batchComponents(
  'Order',
  'order',
  { orderId: z.string(), total: cents },
  'the same key and body placed it before',
);
export type OrderBatchItemIsTied = Tie<Same<z.infer<typeof orderBatchItem>, OrderBatchItem>>;
export type OrderBatchAnswerIsTied = Tie<Same<z.infer<typeof orderBatchAnswer>, OrderBatchResponse>>;

// --- GET /inventory/{sku}, PUT /inventory/{sku} -----------------------------------------------

export const inventoryItem = component(
  'InventoryItem',
  "One SKU's stock (`available` can be reserved, `reserved` is held for orders in flight, `sold` was paid for) and unit price in cents.",
  z.object({
    sku: z.string().check(z.regex(SKU)),
    available: count,
    reserved: count,
    sold: count,
    price: cents,
    currency: z.string(),
    updatedAt: instant,
  }),
);
export type InventoryItemIsTied = Tie<Same<z.infer<typeof inventoryItem>, Found<InventoryStore['get']>>>;

// --- POST /activity, POST /producers/activity (202) ------------------------------------------

export const rejectedEvent = component(
  'RejectedEvent',
  'An event that was not accepted: its position in the request and every reason (`(stream)`: not delivered, send it again).',
  z.object({ index: count, reasons: z.array(problem) }),
);
export type RejectedEventIsTied = Tie<Same<z.infer<typeof rejectedEvent>, RejectedEvent>>;

export const activityAnswer = component(
  'ActivityAnswer',
  "The batch id, the Idempotency-Key to resend under (the client's, or one the server minted), the accepted events' ids and scores (accepted: in the stream, counted once), and every rejected event with its reasons.",
  z.object({
    batchId: z.string(),
    idempotencyKey: z.string(),
    accepted: count,
    rejected: count,
    acceptedEvents: z.array(z.object({ index: count, eventId: z.string(), score: z.number() })),
    rejectedEvents: z.array(rejectedEvent),
  }),
);
export type ActivityAnswerIsTied = Tie<Same<z.infer<typeof activityAnswer>, ActivityResult>>;

export const activityUnavailable = component(
  'ActivityUnavailable',
  "A 503 of `POST /activity`: `Incomplete` (some accepted events are not yet stored everywhere: send the same request again under `idempotencyKey`) or `ServiceUnavailable` (nothing accepted: send the events again), with the batch's answer.",
  z.object({ error: z.enum(['Incomplete', 'ServiceUnavailable']), message: z.string(), ...activityAnswer.def.shape }),
);

// --- GET /users/{userId}/engagement -----------------------------------------------------------

export const engagement = component(
  'Engagement',
  "A user's engagement, aggregated from every activity event counted once.",
  z.object({
    userId: uuid,
    totalScore: z.number(),
    eventCount: count,
    eventsByType: z.record(z.enum(ACTIVITY_TYPES), count),
    lastActivityAt: z.optional(instant),
    lastActivityType: z.optional(z.enum(ACTIVITY_TYPES)),
    highEngagementAt: z.optional(instant),
  }),
);
export type EngagementIsTied = Tie<Same<z.infer<typeof engagement>, Found<EngagementStore['get']>>>;
