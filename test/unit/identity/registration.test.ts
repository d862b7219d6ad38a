import { decodePageToken, encodePageToken, parsePageSize } from '../../../lambda/domain/order-pages';
import { newUserFromAttributes } from '../../../lambda/domain/registration';

const SUB = '3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';

describe('the profile of a Cognito identity', () => {
  it('takes name, email and phone from the standard attributes, normalised like any user', () => {
    const parsed = newUserFromAttributes({
      sub: SUB,
      name: ' Ada ',
      email: 'Ada@Example.com',
      phone_number: '+14155550100',
      email_verified: 'true',
    });
    expect(parsed.success && parsed.data).toEqual({ name: 'Ada', email: 'ada@example.com', phone: '+14155550100' });
  });

  it('fails for attributes the users table could not keep', () => {
    const parsed = newUserFromAttributes({ name: 'x'.repeat(101), email: 'ada@example.com' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['name', 'phone']);
  });
});

describe('order pages', () => {
  const position = { pk: 'ORDER#o-1', customerId: SUB, createdAt: '2026-12-01T10:00:00.000Z' };

  it('round-trips a position through an opaque token for its own customer only', () => {
    const token = encodePageToken(position);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, SUB)).toEqual(position);
    expect(decodePageToken(token, '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d')).toBeUndefined();
  });

  it('refuses tokens that are not ours', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(decodePageToken('not base64!', SUB)).toBeUndefined();
    expect(decodePageToken(encode({ pk: 'ORDER#1' }), SUB)).toBeUndefined();
    expect(decodePageToken(encode(['IDEMPOTENCY#k', SUB, position.createdAt]), SUB)).toBeUndefined();
    expect(decodePageToken(encode(['ORDER#1', SUB, 'yesterday']), SUB)).toBeUndefined();
    expect(decodePageToken('A'.repeat(600), SUB)).toBeUndefined();
  });

  it('reads limit: 1 to 100, 20 by default', () => {
    expect(parsePageSize(undefined)).toBe(20);
    expect(parsePageSize('')).toBe(20);
    expect(parsePageSize('1')).toBe(1);
    expect(parsePageSize('100')).toBe(100);
    for (const bad of ['0', '101', '-1', '2.5', 'ten', '1e2']) expect([bad, parsePageSize(bad)]).toEqual([bad, undefined]);
  });
});
