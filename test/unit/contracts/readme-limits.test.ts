import { join } from 'node:path';
import {
  ACTIVITY_TYPES,
  MAX_ACTIVITY_BODY_BYTES,
  MAX_DURATION_SECONDS,
  MAX_EVENTS_PER_REQUEST,
  MAX_METADATA_BYTES,
} from '../../../lambda/domain/activity';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_TTL_SECONDS } from '../../../lambda/domain/idempotency';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../lambda/domain/order-pages';
import {
  MAX_BATCH_ORDERS,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_STOCK,
  MAX_UNIT_PRICE,
  newOrderSchema,
  SKU,
  stockUpdateSchema,
} from '../../../lambda/domain/orders';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, newUserSchema } from '../../../lambda/domain/users';
import { MAX_ORDER_BATCH_BYTES } from '../../../lambda/orders/order-batch';
import { CORRELATION_ID, DEFAULT_MAX_BODY_BYTES } from '../../../lambda/shared/http';
import { MAX_USER_BATCH_BYTES, MAX_USERS_PER_REQUEST, USER_BATCH_SIZE } from '../../../lambda/users/batch-users';
import { readReadme } from '../../support/readme';

/**
 * README's "Limits" table is the limits of the code: this test builds the table
 * from the constants the handlers and schemas use, and README must show exactly
 * it (same rows, same order). A changed limit fails here until README says so.
 */

const bytes = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MB` : `${n / 1024} KB`);
const ORDERS = 'POST /orders, POST /orders/batch';
const ACTIVITY = 'POST /activity, POST /producers/activity';
const keyRange = /\{(\d+),(\d+)\}/.exec(IDEMPOTENCY_KEY.source)!;
const correlationRange = /\{(\d+),(\d+)\}/.exec(CORRELATION_ID.source)!;

const expected: [route: string, limit: string, value: string][] = [
  ['POST /orders, PUT /inventory/{sku}', 'request body', bytes(DEFAULT_MAX_BODY_BYTES)],
  ['POST /users/batch', 'request body', bytes(MAX_USER_BATCH_BYTES)],
  ['POST /orders/batch', 'request body', bytes(MAX_ORDER_BATCH_BYTES)],
  [ACTIVITY, 'request body', bytes(MAX_ACTIVITY_BODY_BYTES)],
  ['POST /users/batch', 'users per request', `1–${MAX_USERS_PER_REQUEST}`],
  ['POST /users/batch', 'users per cached batch', `${USER_BATCH_SIZE}`],
  ['POST /users/batch', 'name (trimmed)', `1–${MAX_NAME_LENGTH} characters`],
  ['POST /users/batch', 'email', `at most ${MAX_EMAIL_LENGTH} characters, an email address`],
  ['POST /users/batch', 'phone', 'E.164, e.g. +14155550100'],
  [ORDERS, 'lines per order', `1–${MAX_ORDER_LINES}, each SKU once`],
  [ORDERS, 'quantity per line', `integer 1–${MAX_LINE_QUANTITY}`],
  [`${ORDERS}, PUT /inventory/{sku}`, 'sku', '1–64 of A-Za-z0-9._-, starting with a letter or digit'],
  ['POST /orders/batch', 'orders per request', `1–${MAX_BATCH_ORDERS}`],
  ['PUT /inventory/{sku}', 'available', `integer 0–${MAX_STOCK}`],
  ['PUT /inventory/{sku}', 'price (cents)', `integer 1–${MAX_UNIT_PRICE}`],
  ['GET /orders', 'limit', `1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}`],
  [ACTIVITY, 'events per request', `1–${MAX_EVENTS_PER_REQUEST}`],
  [ACTIVITY, 'activityType', `one of ${ACTIVITY_TYPES.join(', ')}`],
  [ACTIVITY, 'timestamp', 'ISO 8601 date-time with Z or an offset, e.g. 2026-11-27T10:15:00Z'],
  [ACTIVITY, 'duration (seconds)', `0–${MAX_DURATION_SECONDS}`],
  [ACTIVITY, 'metadata', `at most ${MAX_METADATA_BYTES} bytes as JSON`],
  [
    `POST /orders, POST /orders/batch, POST /users/batch, ${ACTIVITY}`,
    'Idempotency-Key',
    `${keyRange[1]}–${keyRange[2]} of A-Za-z0-9._:-, kept ${IDEMPOTENCY_TTL_SECONDS / 3600} h`,
  ],
  ['every handler route', 'x-correlation-id', `${correlationRange[1]}–${correlationRange[2]} of A-Za-z0-9._:- (else replaced)`],
];

const plain = (cell: string) => cell.replace(/`/g, '').trim();
const readme = readReadme(join(__dirname, '../../../README.md'));

describe("README.md's Limits table", () => {
  const table = readme.tables.find((t) => t.header.join('|') === 'route|limit|value');

  it('lists every limit of the code, by route, with the value the code enforces', () => {
    expect(table?.section).toBe('Limits');
    expect(table!.rows.map((row) => row.map(plain))).toEqual(expected);
  });

  // The constants above are the ones the schemas use: a limit inlined in a schema again would not be caught otherwise.
  it('is the limits the schemas enforce', () => {
    const user = { name: 'x'.repeat(MAX_NAME_LENGTH), email: `${'a'.repeat(MAX_EMAIL_LENGTH - 12)}@example.com`, phone: '+14155550100' };
    expect(newUserSchema.safeParse(user).success).toBe(true);
    expect(newUserSchema.safeParse({ ...user, name: `${user.name}x` }).success).toBe(false);
    const line = (quantity: number) => ({ lines: [{ sku: 'MUG', quantity }] });
    expect(newOrderSchema.safeParse(line(MAX_LINE_QUANTITY)).success).toBe(true);
    expect(newOrderSchema.safeParse(line(MAX_LINE_QUANTITY + 1)).success).toBe(false);
    expect(stockUpdateSchema.safeParse({ available: MAX_STOCK, price: MAX_UNIT_PRICE }).success).toBe(true);
    expect(stockUpdateSchema.safeParse({ available: MAX_STOCK + 1, price: MAX_UNIT_PRICE + 1 }).success).toBe(false);
    expect(SKU.test('a'.repeat(64))).toBe(true);
    expect(SKU.test('a'.repeat(65))).toBe(false);
  });
});
