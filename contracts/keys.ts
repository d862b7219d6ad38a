/**
 * Names that more than one side must spell the same: the raw-log prefix of the
 * activity bucket (written by the ingestion, granted and tiered by the stack)
 * and the table key prefixes and item types read across contexts or matched by
 * a stream filter. No dependencies, so the CDK code imports it freely.
 */

/** Where the ingestion writes raw activity logs (`raw/YYYY/MM/DD/HH/<batchId>.ndjson`); the bucket's grant and lifecycle cover it. */
export const RAW_LOG_PREFIX = 'raw/';

/** Partition-key prefixes of the platform's tables. */
export const KEY_PREFIX = {
  /** A user: the users table (read by notifications for contact data), and a user's items elsewhere. */
  user: 'USER#',
  /** A SKU's stock and price: the inventory table (read by orders for prices). */
  sku: 'SKU#',
  /** An order: the orders table, and an order's items elsewhere (notices, reservations). */
  order: 'ORDER#',
  /** An Idempotency-Key's claim (orders, activity). */
  idempotency: 'IDEMPOTENCY#',
} as const;

/** The `type` attribute of a user item: the users table's stream filter publishes `UserCreated` for these only. */
export const USER_ITEM_TYPE = 'user';

/** The `type` attribute of an order item: the orders table's stream filter publishes `OrderPlaced` for these only. */
export const ORDER_ITEM_TYPE = 'order';
