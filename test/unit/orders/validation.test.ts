import { newOrderSchema, orderBatchSchema, stockUpdateSchema } from '../../../lambda/domain/orders';
import { ValidationError } from '../../../lambda/shared/errors';
import { validate } from '../../../lambda/shared/validation';
import { apiEvent, authorizedContext, lambdaContext, userClaims } from '../../support/api-event';

const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';
const line = (sku = 'MUG', quantity = 1) => ({ sku, quantity });

function problemsFor(schema: Parameters<typeof validate>[0], input: unknown) {
  try {
    validate(schema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('order validation', () => {
  it('accepts 1 to 50 lines', () => {
    expect(validate(newOrderSchema, { customerId: CUSTOMER, lines: [line()] })).toEqual({ customerId: CUSTOMER, lines: [line()] });
    const fifty = Array.from({ length: 50 }, (_, i) => line(`SKU-${i}`));
    expect(validate(newOrderSchema, { customerId: CUSTOMER, lines: fifty }).lines).toHaveLength(50);
  });

  it('rejects 51 lines and no lines', () => {
    const fiftyOne = Array.from({ length: 51 }, (_, i) => line(`SKU-${i}`));
    expect(problemsFor(newOrderSchema, { customerId: CUSTOMER, lines: fiftyOne })).toEqual([
      { path: 'lines', message: 'must have at most 50 items' },
    ]);
    expect(problemsFor(newOrderSchema, { customerId: CUSTOMER, lines: [] })).toEqual([
      { path: 'lines', message: 'must have at least 1 item' },
    ]);
  });

  it('lists every problem at once: quantity 0, a fractional quantity, a bad SKU, a bad customer, an unknown field, a price', () => {
    expect(
      problemsFor(newOrderSchema, {
        customerId: 'alice',
        lines: [line('MUG', 0), line('TEE', 1.5), line('no spaces', 1), { sku: 'CAP', quantity: 1, price: 1 }],
      }),
    ).toEqual([
      { path: 'customerId', message: 'must be a UUID' },
      { path: 'lines.0.quantity', message: 'must be at least 1' },
      { path: 'lines.1.quantity', message: 'must be an integer' },
      { path: 'lines.2.sku', message: 'must be 1-64 letters, digits, ".", "_" or "-"' },
      { path: 'lines.3', message: 'has unknown fields: price' },
    ]);
  });

  it('rejects a SKU on two lines (one transaction may touch an item once)', () => {
    expect(problemsFor(newOrderSchema, { customerId: CUSTOMER, lines: [line('MUG'), line('TEE'), line('MUG', 2)] })).toEqual([
      { path: 'lines.2.sku', message: 'repeats MUG; put its quantity on one line' },
    ]);
  });

  it('takes 1 to 200 orders in a batch', () => {
    expect(problemsFor(orderBatchSchema, { orders: [] })).toEqual([{ path: 'orders', message: 'must have at least 1 item' }]);
    expect(problemsFor(orderBatchSchema, { orders: Array.from({ length: 201 }, () => ({})) })).toEqual([
      { path: 'orders', message: 'must have at most 200 items' },
    ]);
  });

  it('validates a stock update: whole, non-negative stock and a positive price in cents', () => {
    expect(validate(stockUpdateSchema, { available: 0, price: 1 })).toEqual({ available: 0, price: 1 });
    expect(problemsFor(stockUpdateSchema, { available: -1, price: 12.5 })).toEqual([
      { path: 'available', message: 'must be at least 0' },
      { path: 'price', message: 'must be an integer' },
    ]);
  });
});

describe('order handlers answer 400 for bad input before touching AWS', () => {
  let placeOrder: typeof import('../../../lambda/orders/place-order').handler;
  let placeBatch: typeof import('../../../lambda/orders/place-order-batch').handler;
  let putStock: typeof import('../../../lambda/inventory/put-stock').handler;

  beforeAll(async () => {
    // Nothing listens here: a handler that called AWS would fail, not pass.
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    process.env.ORDERS_TABLE = 'orders';
    process.env.INVENTORY_TABLE = 'inventory';
    process.env.EVENT_BUS_NAME = 'bus';
    process.env.POWERTOOLS_SERVICE_NAME = 'orders';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.ROUTE_ACCESS = 'customer';
    placeOrder = (await import('../../../lambda/orders/place-order')).handler;
    placeBatch = (await import('../../../lambda/orders/place-order-batch')).handler;
    putStock = (await import('../../../lambda/inventory/put-stock')).handler;
  });

  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL;
  });

  const call = async (handler: typeof placeOrder, overrides: Parameters<typeof apiEvent>[0]) => {
    // Signed in as the customer: validation comes after the caller is known.
    const result = await handler(apiEvent({ requestContext: authorizedContext(userClaims(CUSTOMER)), ...overrides }), lambdaContext);
    return { status: result.statusCode, json: JSON.parse(result.body) };
  };

  it('lists a missing Idempotency-Key together with the body problems', async () => {
    const result = await call(placeOrder, { body: JSON.stringify({ customerId: CUSTOMER, lines: [line('MUG', 0)] }) });
    expect(result).toEqual({
      status: 400,
      json: {
        error: 'ValidationError',
        message: 'The request is not valid',
        problems: [
          { path: 'Idempotency-Key', message: 'header is required' },
          { path: 'lines.0.quantity', message: 'must be at least 1' },
        ],
      },
    });
  });

  it('answers a non-JSON body with a 400, not a 500', async () => {
    const result = await call(placeOrder, { body: '{"customerId":', headers: { 'Idempotency-Key': 'key-12345678' } });
    expect(result.status).toBe(400);
    expect(result.json.problems).toEqual([{ path: '(body)', message: 'must be valid JSON' }]);
  });

  it('rejects a malformed Idempotency-Key', async () => {
    const result = await call(placeOrder, {
      body: JSON.stringify({ customerId: CUSTOMER, lines: [line()] }),
      headers: { 'idempotency-key': 'has#hash' },
    });
    expect(result.json.problems).toEqual([{ path: 'Idempotency-Key', message: 'must be 8-128 letters, digits, ".", "_", ":" or "-"' }]);
  });

  it('answers a batch with a bad envelope with a 400', async () => {
    const result = await call(placeBatch, {
      body: JSON.stringify({ orders: 'all of them' }),
      headers: { 'Idempotency-Key': 'batch-123456' },
    });
    expect(result.status).toBe(400);
    expect(result.json.problems).toEqual([{ path: 'orders', message: 'must be an array' }]);
  });

  it('lists a bad SKU in the path with the body problems of a stock update', async () => {
    const result = await call(putStock, { httpMethod: 'PUT', pathParameters: { sku: 'bad sku' }, body: JSON.stringify({ available: 1 }) });
    expect(result.status).toBe(400);
    expect(result.json.problems).toEqual([
      { path: 'sku', message: 'must be 1-64 letters, digits, ".", "_" or "-"' },
      { path: 'price', message: 'is required' },
    ]);
  });
});
