/**
 * The request side of the document, from the very zod schemas and rules the
 * handlers validate with: the bodies (registered in `requestSchemas` under
 * their component names) and the path, query and header parameters. Each
 * pattern, bound and enum comes from lambda/; the one restated is
 * `nextToken`'s (written inline in lambda/domain/order-pages.ts).
 *
 * Envelopes whose items the handler validates one by one (`{ users }`,
 * `{ orders }`, `{ events }`) validate as `unknown[]`; the document names the
 * item schema each item is then checked against (`itemsOf`), since an invalid
 * item is answered per item, not with a 400.
 */
import * as z from 'zod/mini';
import { batchSchema as activityBatchSchema } from '../../lambda/analytics/activity-request';
import { activitySchema } from '#domain/activity';
import { IDEMPOTENCY_KEY } from '#domain/idempotency';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '#domain/order-pages';
import { newOrderSchema, ORDER_ID, orderBatchSchema, orderLineSchema, SKU, stockUpdateSchema } from '#domain/orders';
import { newUserSchema, USER_ID } from '#domain/users';
import { CORRELATION_HEADER, CORRELATION_ID } from '../../lambda/shared/http';
import { userBatchRequestSchema } from '../../lambda/users/batch-users';

/** Component name and description of each request body schema. */
export const requestSchemas = z.registry<{ id: string; description: string }>();
function component(id: string, description: string, schema: z.ZodMiniType): void {
  requestSchemas.add(schema, { id, description });
}

component('NewUser', 'A user to register (`POST /users/batch` item). Unknown fields are rejected.', newUserSchema);
component(
  'UserBatchRequest',
  'Up to 100 users; each is validated on its own (an invalid one is an `invalid` result, not a 400).',
  userBatchRequestSchema,
);
component('OrderLineInput', 'One line of an order: a SKU once, and how many.', orderLineSchema);
component(
  'NewOrder',
  'An order: no prices (they come from the inventory). `customerId`, when sent, must be the caller (else 403); a SKU appears on one line only.',
  newOrderSchema,
);
component(
  'OrderBatchRequest',
  'Up to 200 orders; each is validated and placed on its own (a bad one is a `rejected` result, not a 400).',
  orderBatchSchema,
);
component('StockUpdate', "A SKU's sellable stock and unit price (cents).", stockUpdateSchema);
component(
  'ActivityEventInput',
  'One activity event. On `POST /activity` a missing `userId` is the caller, another user is a 403; on `POST /producers/activity` it is required.',
  activitySchema,
);
component(
  'ActivityBatchRequest',
  'Up to 500 events; each is validated on its own (an invalid one is a rejected event, a 400 only when none is valid).',
  activityBatchSchema,
);

/** The item schema each envelope's items are validated against, one by one. */
export const itemsOf: Readonly<Record<string, { readonly property: string; readonly item: string }>> = {
  UserBatchRequest: { property: 'users', item: 'NewUser' },
  OrderBatchRequest: { property: 'orders', item: 'NewOrder' },
  ActivityBatchRequest: { property: 'events', item: 'ActivityEventInput' },
};

/** A JSON Schema string with the pattern of a handler's rule. */
const matching = (pattern: RegExp, extra: Record<string, unknown> = {}) => ({ type: 'string', pattern: pattern.source, ...extra });

/** Parameters, as OpenAPI Parameter Objects (components.parameters). */
export const PARAMETERS = {
  userId: { name: 'userId', in: 'path', required: true, description: 'A user id (UUID, a Cognito `sub`).', schema: matching(USER_ID) },
  orderId: { name: 'orderId', in: 'path', required: true, description: 'An order id (UUID).', schema: matching(ORDER_ID) },
  sku: { name: 'sku', in: 'path', required: true, description: 'A SKU.', schema: matching(SKU) },
  limit: {
    name: 'limit',
    in: 'query',
    required: false,
    description: 'Orders per page.',
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  },
  nextToken: {
    name: 'nextToken',
    in: 'query',
    required: false,
    description: "The previous page's `nextToken` (opaque; only the caller's own list).",
    schema: matching(/^[A-Za-z0-9_-]+$/, { maxLength: 512 }),
  },
  idempotencyKeyRequired: {
    name: 'Idempotency-Key',
    in: 'header',
    required: true,
    description:
      "Makes a resend safe: the same key and body answer the first result and store nothing new; the same key with another body is a 422. Kept 24 h, the caller's own.",
    schema: matching(IDEMPOTENCY_KEY),
  },
  idempotencyKeyOptional: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Optional: makes the request resendable (after a 500, a 503, a lost answer or `(stream)` rejections); each event is then counted once. The same key with another body is a 422. Kept 24 h.',
    schema: matching(IDEMPOTENCY_KEY),
  },
  correlationId: {
    name: CORRELATION_HEADER,
    in: 'header',
    required: false,
    description: 'Your id for tracing the request end to end; answered back in `x-correlation-id` (else the API request id is).',
    schema: matching(CORRELATION_ID),
  },
} as const;

export type ParameterName = keyof typeof PARAMETERS;
