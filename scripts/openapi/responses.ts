/**
 * The response bodies of the API as zod schemas, one small block per route,
 * each registered (with its component name) in `responseSchemas` and tied to
 * the type the handler answers with by a `Same<>` assertion: a handler that
 * changes its answer breaks `npm run typecheck` until its block here follows.
 *
 * Where a handler builds its envelope inline (no named type: `GET /orders`,
 * `POST /users/batch`, `POST /orders/batch`, `POST /activity`), the envelope's
 * parts are tied (each result, summary and event type) and the envelope is
 * written beside them as the handler builds it.
 */
import * as z from 'zod/mini';
import { ORDER_STATUSES, PAYMENT_METHODS } from '#contracts/events';
import { ACTIVITY_TYPES } from '#domain/activity';
import type { OrderSummary } from '#domain/order-pages';
import { ORDER_ID, SKU } from '#domain/orders';
import { USER_ID } from '#domain/users';
import type { RejectedEvent } from '../../lambda/analytics/activity-request';
import type { EngagementStore } from '../../lambda/analytics/engagement-store';
import type { InventoryStore } from '../../lambda/inventory/inventory-store';
import type { OrderStore } from '../../lambda/orders/order-store';
import type { BatchResult as OrderBatchResult } from '../../lambda/orders/place-order-batch';
import type { Problem } from '../../lambda/shared/errors';
import type { BatchSummary as UserBatchSummary } from '../../lambda/users/batch-create-users';
import type { UserOutcome } from '../../lambda/users/batch-users';
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

// --- POST /users/batch (200, 207) -------------------------------------------------------------

export const userOutcome = component(
  'UserOutcome',
  "What became of one user of the request; `index` is the user's position in the request.",
  z.discriminatedUnion('status', [
    z.object({ index: count, status: z.literal('created'), user }),
    z.object({ index: count, status: z.literal('invalid'), problems: z.array(problem) }),
    z.object({ index: count, status: z.literal('conflict'), message: z.string() }),
  ]),
);
export type UserOutcomeIsTied = Tie<Same<z.infer<typeof userOutcome>, UserOutcome>>;

export const userBatchSummary = component(
  'UserBatchSummary',
  'One batch of ten: processed (and whether its result came from the one-hour cache) or failed (users `from` to `to`, not stored; send the request again).',
  z.discriminatedUnion('status', [
    z.object({ batch: count, status: z.literal('processed'), cached: z.boolean() }),
    z.object({ batch: count, status: z.literal('failed'), from: count, to: count }),
  ]),
);
export type UserBatchSummaryIsTied = Tie<Same<z.infer<typeof userBatchSummary>, UserBatchSummary>>;

export const userBatchAnswer = component(
  'UserBatchAnswer',
  'Counts, each batch, and each user of the request in order (users of a failed batch are absent from `results`).',
  z.object({ created: count, rejected: count, failed: count, batches: z.array(userBatchSummary), results: z.array(userOutcome) }),
);

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

export const orderBatchResult = component(
  'OrderBatchResult',
  "What became of one order of the batch (`index`: its position); a rejected order's `error` is `ValidationError`, `Forbidden`, `Unprocessable` or `ServiceUnavailable`.",
  z.discriminatedUnion('status', [
    z.object({ index: count, status: z.literal('accepted'), orderId: z.string(), total: cents, replayed: z.boolean() }),
    z.object({
      index: count,
      status: z.literal('rejected'),
      error: z.string(),
      message: z.string(),
      problems: z.optional(z.array(problem)),
    }),
  ]),
);
export type OrderBatchResultIsTied = Tie<Same<z.infer<typeof orderBatchResult>, OrderBatchResult>>;

export const orderBatchAnswer = component(
  'OrderBatchAnswer',
  'A summary and each order of the batch in order.',
  z.object({
    summary: z.object({ processedBatches: count, totalOrders: count, accepted: count, rejected: count }),
    results: z.array(orderBatchResult),
  }),
);

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
  "The request's batch id, the accepted events' ids and scores, and every rejected event with its reasons.",
  z.object({
    batchId: z.string(),
    accepted: count,
    rejected: count,
    acceptedEvents: z.array(z.object({ index: count, eventId: z.string(), score: z.number() })),
    rejectedEvents: z.array(rejectedEvent),
  }),
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
