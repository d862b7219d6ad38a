import type { Order } from './orders';

/** What `GET /orders` lists per order: the full order (lines, history) is `GET /orders/{orderId}`. */
export type OrderSummary = Pick<Order, 'orderId' | 'status' | 'total' | 'currency' | 'createdAt' | 'updatedAt'>;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Where a page of a customer's orders stopped: the index key of its last order. */
export interface PagePosition {
  readonly pk: string;
  readonly customerId: string;
  readonly createdAt: string;
}

/** `nextToken` is opaque to clients: base64url JSON of the position. */
export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.pk, position.customerId, position.createdAt]), 'utf8').toString('base64url');
}

/**
 * The position a `nextToken` names, or undefined when it is not one of ours or
 * names another customer's list (a page continues only the caller's own list).
 */
export function decodePageToken(token: string, customerId: string): PagePosition | undefined {
  if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((part) => typeof part === 'string')) return undefined;
    const [pk, owner, createdAt] = parsed as [string, string, string];
    if (owner !== customerId || !pk.startsWith('ORDER#') || Number.isNaN(Date.parse(createdAt))) return undefined;
    return { pk, customerId: owner, createdAt };
  } catch {
    return undefined;
  }
}

/** `limit` from the query string: 1 to 100, 20 when absent; undefined when it is not such a number. */
export function parsePageSize(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || value === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d{1,3}$/.test(value)) return undefined;
  const size = Number(value);
  return size >= 1 && size <= MAX_PAGE_SIZE ? size : undefined;
}
