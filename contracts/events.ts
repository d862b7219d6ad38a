import * as z from 'zod/mini';

/**
 * The platform's event contract: every event on the bus — its name
 * (`detail-type`), the context that publishes it (`source`) and the schema of
 * its `data` — in one table, shared by the CDK code (the rules' patterns) and
 * the handlers (what `publish` accepts, what `eventHandler` validates and hands
 * over). Depends on `zod/mini` only, so `lib/` can import it without pulling in
 * the AWS SDK.
 *
 * Guarantees: a detail-type has exactly one source and one data schema; the
 * TypeScript type of an event's data is inferred from its schema, so producer,
 * consumer and rule cannot disagree on names. Schemas are not strict: a field a
 * producer adds later does not make older consumers refuse the event (it is
 * stripped from what they receive).
 */

/** Every platform source starts with this (`commerce.<context>`); the archive and catch-all rules match it. */
export const SOURCE_PREFIX = 'commerce.';

/** An order's statuses (its state machine is in lambda/domain/order-status.ts); `OrderFailed` carries one. */
export const ORDER_STATUSES = ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED', 'FAILED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Why a payment failed: the provider declined it, or did not answer in time. */
export const PAYMENT_FAILURE_CODES = ['CARD_DECLINED', 'AMOUNT_OVER_LIMIT', 'PROVIDER_TIMEOUT'] as const;
export type PaymentFailureCode = (typeof PAYMENT_FAILURE_CODES)[number];

/**
 * How an order is paid, Stripe-style test methods: the payment sandbox decides
 * the outcome from it (`pm_card_declined` declined, `pm_card_timeout` no
 * answer); `pm_card_ok` when an order names none.
 */
export const PAYMENT_METHODS = ['pm_card_ok', 'pm_card_declined', 'pm_card_timeout'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export const DEFAULT_PAYMENT_METHOD: PaymentMethod = 'pm_card_ok';

/** The order notices whose sending `OrderNotificationsAttempted` reports. */
export const ORDER_NOTICE_TEMPLATES = ['order-confirmed', 'order-failed'] as const;

const id = z.string().check(z.minLength(1));

const shortage = z.object({ sku: z.string(), requested: z.number() });

/** The events, by detail-type. Add an event here (and a row to README.md's Events table). */
export const EVENTS = {
  /**
   * A user registered (published from the users table's stream, the outbox).
   * The id only, no contact data: events are archived, and consumers read
   * name and email from the users table when they send.
   */
  UserCreated: {
    source: 'commerce.users',
    data: z.object({ userId: id, createdAt: z.string() }),
  },
  /** A priced order waiting for its stock. */
  OrderPlaced: {
    source: 'commerce.orders',
    data: z.object({
      orderId: id,
      customerId: id,
      lines: z.array(z.object({ sku: z.string(), quantity: z.number(), unitPrice: z.number() })),
      total: z.number(),
      currency: z.string(),
      /** Optional: events published before it existed mean `pm_card_ok`. */
      paymentMethod: z.optional(z.enum(PAYMENT_METHODS)),
    }),
  },
  /** Every line is held; payment may charge `total`. */
  InventoryReserved: {
    source: 'commerce.inventory',
    data: z.object({
      orderId: id,
      customerId: id,
      lines: z.array(z.object({ sku: z.string(), quantity: z.number() })),
      total: z.number(),
      currency: z.string(),
      /** The order's, passed on for the charge; absent means `pm_card_ok`. */
      paymentMethod: z.optional(z.enum(PAYMENT_METHODS)),
    }),
  },
  /** Nothing is held; `shortages` names each short SKU. */
  InventoryReservationFailed: {
    source: 'commerce.inventory',
    data: z.object({ orderId: id, customerId: id, reason: z.string(), shortages: z.array(shortage) }),
  },
  /** The order's total was charged once. */
  PaymentCompleted: {
    source: 'commerce.payments',
    data: z.object({ orderId: id, customerId: id, paymentId: id, amount: z.number(), currency: z.string() }),
  },
  /** Nothing was charged; the reservation is to be released. */
  PaymentFailed: {
    source: 'commerce.payments',
    data: z.object({
      orderId: id,
      customerId: id,
      paymentId: id,
      amount: z.number(),
      currency: z.string(),
      code: z.enum(PAYMENT_FAILURE_CODES),
      reason: z.string(),
    }),
  },
  /** The order reached FAILED; `failedFrom` RESERVED means stock was held and is released. */
  OrderFailed: {
    source: 'commerce.orders',
    data: z.object({ orderId: id, customerId: id, reason: z.string(), failedFrom: z.enum(ORDER_STATUSES) }),
  },
  /**
   * The customer was notified on every channel (each attempt's outcome listed).
   * For the `order-confirmed` template this is what confirms a PAID order.
   */
  OrderNotificationsAttempted: {
    source: 'commerce.notifications',
    data: z.object({
      orderId: id,
      template: z.enum(ORDER_NOTICE_TEMPLATES),
      paymentId: z.optional(z.string()),
      attempts: z.array(z.object({ channel: z.string(), status: z.string() })),
    }),
  },
  /** A user's engagement reached the threshold; published once per user. */
  HighEngagementDetected: {
    source: 'commerce.analytics',
    data: z.object({ userId: id, totalScore: z.number(), threshold: z.number(), eventCount: z.number(), detectedAt: z.string() }),
  },
} as const satisfies Record<string, { readonly source: `${typeof SOURCE_PREFIX}${string}`; readonly data: z.ZodMiniObject }>;

/** An event's name. */
export type DetailType = keyof typeof EVENTS;
/** A platform source (`commerce.<context>`). */
export type Source = (typeof EVENTS)[DetailType]['source'];
/** Read-only all the way down: event data is a fact, not a value to change. */
type Immutable<T> = T extends readonly (infer E)[]
  ? readonly Immutable<E>[]
  : T extends object
    ? { readonly [P in keyof T]: Immutable<T[P]> }
    : T;

/** The data of the event named `K`, as its schema parses it. */
export type EventData<K extends DetailType> = Immutable<z.infer<(typeof EVENTS)[K]['data']>>;

/** Every detail-type, in the table's order. */
export const DETAIL_TYPES = Object.keys(EVENTS) as DetailType[];

export const isDetailType = (name: string): name is DetailType => Object.hasOwn(EVENTS, name);

/** The context that publishes `detailType`. */
export const sourceOf = (detailType: DetailType): Source => EVENTS[detailType].source;

/**
 * What a consumer subscribes to: the detail-types, and their sources (each
 * once, in the order of the detail-types) — the pattern of its bus rule.
 */
export function subscriptionTo(...detailTypes: DetailType[]): { detailTypes: DetailType[]; sources: Source[] } {
  return { detailTypes, sources: [...new Set(detailTypes.map(sourceOf))] };
}

/** The envelope every event's `detail` is: metadata fixed when it is published, and the data. */
export interface EventEnvelope<T> {
  readonly metadata: {
    readonly eventId: string;
    readonly correlationId: string;
    readonly occurredAt: string;
    readonly version: number;
  };
  readonly data: T;
}

// The data types by name, for code that builds or reads one kind of event.
export type UserCreated = EventData<'UserCreated'>;
export type OrderPlaced = EventData<'OrderPlaced'>;
export type InventoryReserved = EventData<'InventoryReserved'>;
export type InventoryReservationFailed = EventData<'InventoryReservationFailed'>;
export type Shortage = Immutable<z.infer<typeof shortage>>;
export type PaymentCompleted = EventData<'PaymentCompleted'>;
export type PaymentFailed = EventData<'PaymentFailed'>;
export type OrderFailed = EventData<'OrderFailed'>;
export type OrderNotificationsAttempted = EventData<'OrderNotificationsAttempted'>;
export type HighEngagementDetected = EventData<'HighEngagementDetected'>;
