/**
 * The names of the environment variables the stack sets and the handlers read,
 * in one place: `lib/` sets `{ [ENV.ORDERS_TABLE]: table.tableName }`, a handler
 * reads `env(ENV.ORDERS_TABLE)` (#shared/aws), and a misspelt name is a type
 * error on either side instead of a function failing at its first cold start.
 * No dependencies, so the CDK code imports it freely.
 */
export const ENV = {
  // Set on every function (ServiceFunction).
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  POWERTOOLS_METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
  POWERTOOLS_LOG_LEVEL: 'POWERTOOLS_LOG_LEVEL',
  STAGE: 'STAGE',
  NODE_OPTIONS: 'NODE_OPTIONS',
  // Every API function (Api.route): its route's access from the route table (lib/routes.ts).
  ROUTE_ACCESS: 'ROUTE_ACCESS',
  // Publishers (EventBus.allowPublishing).
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
  // Tables, buckets and streams, by context.
  USERS_TABLE: 'USERS_TABLE',
  IDEMPOTENCY_TABLE: 'IDEMPOTENCY_TABLE',
  ORDERS_TABLE: 'ORDERS_TABLE',
  ORDERS_BY_CUSTOMER_INDEX: 'ORDERS_BY_CUSTOMER_INDEX',
  ORDERS_BY_STATUS_INDEX: 'ORDERS_BY_STATUS_INDEX',
  INVENTORY_TABLE: 'INVENTORY_TABLE',
  PAYMENTS_TABLE: 'PAYMENTS_TABLE',
  NOTIFICATIONS_TABLE: 'NOTIFICATIONS_TABLE',
  ANALYTICS_STREAM: 'ANALYTICS_STREAM',
  RAW_BUCKET: 'RAW_BUCKET',
  STATS_TABLE: 'STATS_TABLE',
  ENGAGEMENT_TABLE: 'ENGAGEMENT_TABLE',
  // Settings.
  HIGH_ENGAGEMENT_THRESHOLD: 'HIGH_ENGAGEMENT_THRESHOLD',
  PAYMENT_SANDBOX_LIMIT: 'PAYMENT_SANDBOX_LIMIT',
  PAYMENT_TIMEOUT_MS: 'PAYMENT_TIMEOUT_MS',
  SES_SENDER: 'SES_SENDER',
  SNS_DELIVERY: 'SNS_DELIVERY',
  // The cost optimiser's daily report.
  STACK_NAME: 'STACK_NAME',
  WINDOW_HOURS: 'WINDOW_HOURS',
  REPORTS_BUCKET: 'REPORTS_BUCKET',
  PRICING_REGION: 'PRICING_REGION',
} as const;

/** The name of an environment variable of the platform. */
export type EnvName = (typeof ENV)[keyof typeof ENV];
