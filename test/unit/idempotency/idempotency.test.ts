import {
  bodyHash,
  claimKey,
  claimRecord,
  compareClaim,
  derivedId,
  IDEMPOTENCY_TTL_SECONDS,
  idempotencyKeyProblem,
  itemKey,
} from '../../../lambda/domain/idempotency';

describe('idempotencyKeyProblem', () => {
  const rule = { path: 'Idempotency-Key', message: 'must be 8-128 letters, digits, ".", "_", ":" or "-"' };

  it('takes 8 to 128 of A-Z a-z 0-9 . _ : -', () => {
    for (const key of ['abcdefgh', 'A.b_C:d-9', 'k'.repeat(128)]) {
      expect(idempotencyKeyProblem(key, { required: true })).toBeUndefined();
      expect(idempotencyKeyProblem(key, { required: false })).toBeUndefined();
    }
  });

  it('refuses a key that is too short, too long or has another character (such as the # of derived keys)', () => {
    for (const key of ['abcdefg', 'k'.repeat(129), 'abcd#efgh', 'abcd efgh', 'clé-clé-clé', '']) {
      expect(idempotencyKeyProblem(key, { required: false })).toEqual(rule);
    }
    expect(idempotencyKeyProblem('abcd#efgh', { required: true })).toEqual(rule);
  });

  it('requires the header only where asked', () => {
    expect(idempotencyKeyProblem(undefined, { required: true })).toEqual({ path: 'Idempotency-Key', message: 'header is required' });
    expect(idempotencyKeyProblem('', { required: true })).toEqual({ path: 'Idempotency-Key', message: 'header is required' });
    expect(idempotencyKeyProblem(undefined, { required: false })).toBeUndefined();
  });
});

describe('bodyHash', () => {
  it('is the same for the same body whatever the order of its keys, and differs for another body', () => {
    expect(bodyHash({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(bodyHash({ b: [{ d: 3, c: 2 }], a: 1 }));
    expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
    expect(bodyHash({ a: 1 })).toMatch(/^[A-Za-z0-9_-]{43}$/); // SHA-256, base64url
  });
});

describe('claimRecord', () => {
  const at = new Date('2026-11-27T10:00:00.500Z');

  it('is a conditional Put of IDEMPOTENCY#<key> with the attributes and a 24-hour TTL; an expired claim counts as absent', () => {
    expect(claimRecord('orders', 'key-12345', { bodyHash: 'h', orderId: 'o-1' }, at)).toEqual({
      TableName: 'orders',
      Item: { pk: 'IDEMPOTENCY#key-12345', bodyHash: 'h', orderId: 'o-1', expiresAt: Math.floor(at.getTime() / 1000) + 24 * 3600 },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': Math.floor(at.getTime() / 1000) },
    });
    expect(IDEMPOTENCY_TTL_SECONDS).toBe(86_400);
  });

  it('carries a sort key for a table that has one', () => {
    expect(claimRecord('stats', 'key-12345', { bodyHash: 'h' }, at, 'ACTIVITY').Item).toMatchObject({
      pk: 'IDEMPOTENCY#key-12345',
      sk: 'ACTIVITY',
    });
    expect(claimKey('key-12345', 'ACTIVITY')).toEqual({ pk: 'IDEMPOTENCY#key-12345', sk: 'ACTIVITY' });
    expect(claimKey('key-12345')).toEqual({ pk: 'IDEMPOTENCY#key-12345' });
  });
});

describe('compareClaim', () => {
  it('is the stored claim for the same body, key-reused for another', () => {
    const stored = { pk: 'IDEMPOTENCY#k', bodyHash: 'h', orderId: 'o-1' };
    expect(compareClaim(stored, 'h')).toEqual({ kind: 'resent', claim: stored });
    expect(compareClaim(stored, 'other')).toEqual({ kind: 'key-reused' });
  });

  it('fails when the claim its write was refused for cannot be read', () => {
    expect(() => compareClaim(undefined, 'h')).toThrow('Idempotency key vanished');
  });
});

describe('derived ids', () => {
  it('are stable for a key and a name, in the UUID layout, and differ by scope, key and name', () => {
    const id = derivedId('activity', 'client-key-1', 'batch');
    expect(id).toBe(derivedId('activity', 'client-key-1', 'batch'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(
      new Set([
        id,
        derivedId('orders', 'client-key-1', 'batch'),
        derivedId('activity', 'client-key-2', 'batch'),
        derivedId('activity', 'client-key-1', 'event#0'),
      ]).size,
    ).toBe(4);
  });

  it('name the items of a batch by the key and their index', () => {
    expect(itemKey('batch-key-1', 7)).toBe('batch-key-1#7');
  });
});
