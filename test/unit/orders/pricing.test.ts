import { canonicalJson } from '../../../lambda/domain/canonical-json';
import { bodyHash } from '../../../lambda/domain/idempotency';
import { buildOrder, formatMoney, orderPlaced, priceOrder, shortageReason } from '../../../lambda/domain/orders';

const CUSTOMER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';
const prices = new Map([
  ['MUG', 1250],
  ['TEE', 1999],
]);

describe('pricing', () => {
  it('prices each line from the inventory and totals the order in cents', () => {
    const pricing = priceOrder(
      {
        customerId: CUSTOMER,
        lines: [
          { sku: 'MUG', quantity: 3 },
          { sku: 'TEE', quantity: 1 },
        ],
      },
      prices,
    );
    expect(pricing).toEqual({
      ok: true,
      lines: [
        { sku: 'MUG', quantity: 3, unitPrice: 1250, lineTotal: 3750 },
        { sku: 'TEE', quantity: 1, unitPrice: 1999, lineTotal: 1999 },
      ],
      total: 5749,
    });
  });

  it('lists every unknown SKU with the line it is on', () => {
    const pricing = priceOrder(
      {
        customerId: CUSTOMER,
        lines: [
          { sku: 'NOPE', quantity: 1 },
          { sku: 'MUG', quantity: 1 },
          { sku: 'GONE', quantity: 2 },
        ],
      },
      prices,
    );
    expect(pricing).toEqual({
      ok: false,
      problems: [
        { path: 'lines.0.sku', message: 'is not a known SKU (NOPE)' },
        { path: 'lines.2.sku', message: 'is not a known SKU (GONE)' },
      ],
    });
  });

  it('keeps totals exact for sums that floating point gets wrong', () => {
    const pricing = priceOrder(
      {
        customerId: CUSTOMER,
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
      },
      new Map([
        ['A', 10],
        ['B', 20],
      ]),
    );
    expect(pricing.ok && pricing.total).toBe(30); // 0.10 + 0.20 = 0.30 exactly
    expect(formatMoney(30)).toBe('0.30 USD');
    expect(formatMoney(123456, 'EUR')).toBe('1234.56 EUR');
  });

  it('builds a PENDING order whose history starts with its placement, and the OrderPlaced data', () => {
    const order = buildOrder(
      'o-1',
      CUSTOMER,
      [{ sku: 'MUG', quantity: 2, unitPrice: 1250, lineTotal: 2500 }],
      2500,
      new Date('2026-11-27T10:00:00Z'),
    );
    expect(order).toMatchObject({
      status: 'PENDING',
      total: 2500,
      currency: 'USD',
      history: [{ status: 'PENDING', at: '2026-11-27T10:00:00.000Z', event: 'OrderPlaced' }],
    });
    expect(orderPlaced(order)).toEqual({
      orderId: 'o-1',
      customerId: CUSTOMER,
      lines: [{ sku: 'MUG', quantity: 2, unitPrice: 1250 }],
      total: 2500,
      currency: 'USD',
      paymentMethod: 'pm_card_ok', // the sandbox's approved method when the order names none
    });
  });

  it('names each short SKU in the failure reason', () => {
    expect(
      shortageReason([
        { sku: 'MUG', requested: 3 },
        { sku: 'TEE', requested: 1 },
      ]),
    ).toBe('insufficient stock for MUG (requested 3), TEE (requested 1)');
  });
});

describe('idempotency body hash', () => {
  it('is the same for the same order whatever the key order, and differs for another order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 'x' }], a: null })).toBe('{"a":null,"b":[2,{"c":"x","d":1}]}');
    const one = { customerId: CUSTOMER, lines: [{ sku: 'MUG', quantity: 1 }] };
    const sameReordered = JSON.parse('{"lines":[{"quantity":1,"sku":"MUG"}],"customerId":"' + CUSTOMER + '"}');
    expect(bodyHash(sameReordered)).toBe(bodyHash(one));
    expect(bodyHash({ ...one, lines: [{ sku: 'MUG', quantity: 2 }] })).not.toBe(bodyHash(one));
  });
});
