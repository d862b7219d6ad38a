import * as z from 'zod/mini';
import { DEFAULT_PAYMENT_METHOD, type OrderPlaced, PAYMENT_METHODS, type PaymentMethod, type Shortage } from '#contracts/events';
import { USER_ID, uuidSchema } from './users';
import type { OrderStatus, StatusChange } from './order-status';

/**
 * Orders and inventory: what clients may send, how an order is priced, and the
 * data of the saga's events. Money is always an integer number of minor units
 * (cents) in one currency, so totals never suffer from floating point.
 */
export const CURRENCY = 'USD';
export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1000;
/** PutEvents takes 10 entries a call: the natural unit of a batch chunk. */
export const BATCH_CHUNK_SIZE = 10;
export const BATCH_CONCURRENCY = 5;
export const MAX_BATCH_ORDERS = 200;
/** `PUT /inventory/{sku}`: the most stock one SKU may hold, and the highest unit price (cents: one million dollars). */
export const MAX_STOCK = 1_000_000_000;
export const MAX_UNIT_PRICE = 100_000_000;

/** Order ids are random UUIDs, like user ids (a customer id is a user id). */
export const ORDER_ID = USER_ID;

/** A SKU: letters, digits, `.`, `_`, `-`; 1–64 characters (it becomes part of a table key). */
export const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const sku = z.string().check(z.regex(SKU, 'must be 1-64 letters, digits, ".", "_" or "-"'));

export const orderLineSchema = z.strictObject({
  sku,
  quantity: z.int().check(z.minimum(1), z.maximum(MAX_LINE_QUANTITY)),
});

/** What a client may send to place an order: no prices (they come from inventory), no status. */
export const newOrderSchema = z
  .strictObject({
    /** Optional: the customer is the caller; a different one is refused (403). */
    customerId: z.optional(uuidSchema),
    lines: z.array(orderLineSchema).check(z.minLength(1), z.maxLength(MAX_ORDER_LINES)),
    /** A sandbox test method (`pm_card_ok` when absent): it decides the payment's outcome. */
    paymentMethod: z.optional(z.enum(PAYMENT_METHODS)),
  })
  .check(
    // One transaction may touch an item once: a SKU appears on one line only.
    z.superRefine((order, ctx) => {
      const seen = new Set<string>();
      order.lines.forEach((line, index) => {
        if (seen.has(line.sku)) {
          ctx.addIssue({
            code: 'custom',
            path: ['lines', index, 'sku'],
            message: `repeats ${line.sku}; put its quantity on one line`,
            input: line.sku,
          });
        }
        seen.add(line.sku);
      });
    }),
  );

export type NewOrder = z.infer<typeof newOrderSchema>;
export type NewOrderLine = z.infer<typeof orderLineSchema>;

/**
 * `POST /orders/batch`: only the envelope is validated as a whole (a bad envelope
 * is a 400); each order is validated on its own and rejected on its own.
 */
export const orderBatchSchema = z.strictObject({
  orders: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_BATCH_ORDERS)),
});

/** `PUT /inventory/{sku}`: set the sellable stock and the unit price (cents). */
export const stockUpdateSchema = z.strictObject({
  available: z.int().check(z.minimum(0), z.maximum(MAX_STOCK)),
  price: z.int().check(z.minimum(1), z.maximum(MAX_UNIT_PRICE)),
});

export type StockUpdate = z.infer<typeof stockUpdateSchema>;

/** One SKU's stock: `available` can be reserved; `reserved` is held for orders in flight; `sold` was paid for. */
export interface InventoryItem {
  readonly sku: string;
  readonly available: number;
  readonly reserved: number;
  readonly sold: number;
  readonly price: number;
  readonly currency: string;
  readonly updatedAt: string;
}

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly lineTotal: number;
}

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly total: number;
  readonly currency: string;
  readonly paymentMethod: PaymentMethod;
  readonly paymentId?: string;
  readonly history: readonly StatusChange[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type Pricing =
  | { readonly ok: true; readonly lines: OrderLine[]; readonly total: number }
  | { readonly ok: false; readonly problems: { path: string; message: string }[] };

/**
 * Prices an order from the inventory's prices (never the client's): each line's
 * total and the order total, in cents. Every SKU the catalogue does not know is
 * a problem, all listed at once.
 */
export function priceOrder(order: NewOrder, prices: ReadonlyMap<string, number>): Pricing {
  const problems = order.lines.flatMap((line, index) =>
    prices.has(line.sku) ? [] : [{ path: `lines.${index}.sku`, message: `is not a known SKU (${line.sku})` }],
  );
  if (problems.length > 0) return { ok: false, problems };
  const lines = order.lines.map((line) => {
    const unitPrice = prices.get(line.sku)!;
    return { sku: line.sku, quantity: line.quantity, unitPrice, lineTotal: unitPrice * line.quantity };
  });
  return { ok: true, lines, total: lines.reduce((sum, line) => sum + line.lineTotal, 0) };
}

/** A new order: `PENDING`, its history starting with the placement. */
export function buildOrder(
  orderId: string,
  customerId: string,
  lines: OrderLine[],
  total: number,
  now: Date,
  paymentMethod: PaymentMethod = DEFAULT_PAYMENT_METHOD,
): Order {
  const at = now.toISOString();
  return {
    orderId,
    customerId,
    status: 'PENDING',
    lines,
    total,
    currency: CURRENCY,
    paymentMethod,
    history: [{ status: 'PENDING', at, event: 'OrderPlaced' }],
    createdAt: at,
    updatedAt: at,
  };
}

/** `12.34 USD` for `1234`: what a customer reads in a notification. */
export function formatMoney(cents: number, currency = CURRENCY): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

// The saga's events are in #contracts/events; their data is built here from an order.

export function orderPlaced(order: Order): OrderPlaced {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    lines: order.lines.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
    total: order.total,
    currency: order.currency,
    paymentMethod: order.paymentMethod ?? DEFAULT_PAYMENT_METHOD,
  };
}

/** The reason an order failed for lack of stock, naming every short SKU. */
export function shortageReason(shortages: readonly Shortage[]): string {
  return `insufficient stock for ${shortages.map((s) => `${s.sku} (requested ${s.requested})`).join(', ')}`;
}
