/**
 * What the document says of each route beyond the route table: summary,
 * parameters, request body and the answers per status code, as README's API
 * table lists them. Keyed by `routeName` (`GET /users/{userId}`); the
 * document refuses a route of `lib/routes.ts` missing here, and an entry here
 * that is not a route. Access, security, and the answers every route shares
 * (401, 429, 500; 413 with a body; 403 for admin and machine routes) come
 * from the route table in document.ts.
 *
 * A response is a body component (responses.ts) with its description, or the
 * name of a shared error response (`errors` in document.ts).
 */
import type { ParameterName } from './requests';

export type ErrorResponse = 'BadRequest' | 'Forbidden' | 'NotFound' | 'Unprocessable' | 'ServiceUnavailable';

export interface BodyResponse {
  readonly description: string;
  /** A component of responses.ts. */
  readonly body: string;
  /** Extra response headers (besides `x-correlation-id`), by name: their description. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface OperationSpec {
  readonly operationId: string;
  readonly tag: 'users' | 'orders' | 'inventory' | 'analytics';
  readonly summary: string;
  readonly description?: string;
  readonly parameters?: readonly ParameterName[];
  /** Request body: a component of requests.ts, or several (`oneOf`). */
  readonly body?: string | readonly string[];
  readonly responses: Readonly<Record<string, BodyResponse | ErrorResponse>>;
}

const ACTIVITY_DESCRIPTION =
  "One event, or `{ events }` of up to 500, each validated on its own: the valid ones are scored and streamed, the others listed with their reasons. Every answer names the Idempotency-Key to resend under (the client's, or one the server minted). 400 when none is valid; 503 `Incomplete` when accepted events are not yet all stored (send the same body again under the key), `ServiceUnavailable` when none could be delivered.";

const ACTIVITY_UNAVAILABLE: BodyResponse = {
  description: 'Incomplete (send the same request again under `idempotencyKey`) or nothing accepted (send the events again).',
  body: 'ActivityUnavailable',
  headers: { 'retry-after': 'Seconds to wait before sending again.' },
};

export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  'GET /users/me': {
    operationId: 'getMyProfile',
    tag: 'users',
    summary: "The caller's profile",
    responses: { 200: { description: 'The profile.', body: 'User' }, 404: 'NotFound' },
  },
  'GET /users/{userId}': {
    operationId: 'getUser',
    tag: 'users',
    summary: 'One user (self, or any user for an admin)',
    description: 'A user the caller may not read answers the same 404 as a missing one.',
    parameters: ['userId'],
    responses: { 200: { description: 'The user.', body: 'User' }, 400: 'BadRequest', 404: 'NotFound' },
  },
  'POST /users/batch': {
    operationId: 'registerUsers',
    tag: 'users',
    summary: 'Register up to 100 users, in batches of ten',
    description:
      "Each user is validated and stored as a sign-up's profile would be. With an Idempotency-Key the request may be resent: users an earlier request created are `replayed`, never created twice; each batch of ten's result is also cached 24 h by its content (Powertools Idempotency).",
    parameters: ['idempotencyKeyOptional'],
    body: 'UserBatchRequest',
    responses: {
      200: { description: "Every user's result: `created`, `replayed` or `rejected`.", body: 'UserBatchAnswer' },
      207: {
        description: 'Some users were not processed now (`rejected` with `ServiceUnavailable`): send the same request again.',
        body: 'UserBatchAnswer',
      },
      400: 'BadRequest',
      422: 'Unprocessable',
      503: 'ServiceUnavailable',
    },
  },
  'GET /users/{userId}/engagement': {
    operationId: 'getEngagement',
    tag: 'analytics',
    summary: "A user's engagement (self, or any user for an admin)",
    parameters: ['userId'],
    responses: { 200: { description: 'The aggregate.', body: 'Engagement' }, 400: 'BadRequest', 404: 'NotFound' },
  },
  'POST /orders': {
    operationId: 'placeOrder',
    tag: 'orders',
    summary: 'Place an order (the caller is the customer)',
    description:
      'Prices every line from the inventory and stores the order PENDING; the saga (reserve, charge, notify) follows from `OrderPlaced`.',
    parameters: ['idempotencyKeyRequired'],
    body: 'NewOrder',
    responses: {
      201: { description: 'The order, placed.', body: 'Order' },
      200: {
        description: 'The same key and body again: the order placed the first time; nothing new is stored.',
        body: 'Order',
        headers: { 'idempotent-replayed': 'Always `true` on a replay.' },
      },
      400: 'BadRequest',
      403: 'Forbidden',
      422: 'Unprocessable',
    },
  },
  'POST /orders/batch': {
    operationId: 'placeOrders',
    tag: 'orders',
    summary: 'Place up to 200 orders, in chunks of ten',
    description:
      'The key is claimed for the whole body, then each order under the key and its index: resending the batch makes none twice (`replayed`); another body under the key, even a part of the first, is a 422.',
    parameters: ['idempotencyKeyRequired'],
    body: 'OrderBatchRequest',
    responses: {
      200: { description: "Every order's result: `created`, `replayed` or `rejected` on its own.", body: 'OrderBatchAnswer' },
      207: {
        description: 'Some orders were not processed now (`rejected` with `ServiceUnavailable`): send the same request again.',
        body: 'OrderBatchAnswer',
      },
      400: 'BadRequest',
      422: 'Unprocessable',
      503: 'ServiceUnavailable',
    },
  },
  'GET /orders': {
    operationId: 'listOrders',
    tag: 'orders',
    summary: "The caller's orders, newest first",
    parameters: ['limit', 'nextToken'],
    responses: { 200: { description: 'A page of order summaries.', body: 'OrderPage' }, 400: 'BadRequest' },
  },
  'GET /orders/{orderId}': {
    operationId: 'getOrder',
    tag: 'orders',
    summary: 'One of the caller’s orders',
    description: "Status, lines, total, payment id and history with reasons; another customer's order answers 404.",
    parameters: ['orderId'],
    responses: { 200: { description: 'The order.', body: 'Order' }, 400: 'BadRequest', 404: 'NotFound' },
  },
  'GET /inventory/{sku}': {
    operationId: 'getStock',
    tag: 'inventory',
    summary: "A SKU's stock and price",
    parameters: ['sku'],
    responses: { 200: { description: 'The stock.', body: 'InventoryItem' }, 400: 'BadRequest', 404: 'NotFound' },
  },
  'PUT /inventory/{sku}': {
    operationId: 'setStock',
    tag: 'inventory',
    summary: "Set a SKU's available stock and price",
    description: 'Creates the SKU if new; units reserved or sold for orders are left as they are.',
    parameters: ['sku'],
    body: 'StockUpdate',
    responses: { 200: { description: 'The stock as set.', body: 'InventoryItem' }, 400: 'BadRequest' },
  },
  'POST /activity': {
    operationId: 'recordActivity',
    tag: 'analytics',
    summary: "Record the caller's activity events",
    description: `${ACTIVITY_DESCRIPTION} Every event is the caller's: a missing \`userId\` is the caller, another user's is a 403 for the request.`,
    parameters: ['idempotencyKeyOptional'],
    body: ['CustomerActivityEventInput', 'CustomerActivityBatchRequest'],
    responses: {
      202: {
        description: 'Every accepted event is stored (stream, raw log, stats); the rejected ones are listed.',
        body: 'ActivityAnswer',
      },
      400: 'BadRequest',
      403: 'Forbidden',
      422: 'Unprocessable',
      503: ACTIVITY_UNAVAILABLE,
    },
  },
  'POST /producers/activity': {
    operationId: 'produceActivity',
    tag: 'analytics',
    summary: 'Record activity events for any user (trusted producers)',
    description: `${ACTIVITY_DESCRIPTION} Each event names its user.`,
    parameters: ['idempotencyKeyOptional'],
    body: ['ActivityEventInput', 'ActivityBatchRequest'],
    responses: {
      202: {
        description: 'Every accepted event is stored (stream, raw log, stats); the rejected ones are listed.',
        body: 'ActivityAnswer',
      },
      400: 'BadRequest',
      422: 'Unprocessable',
      503: ACTIVITY_UNAVAILABLE,
    },
  },
};
