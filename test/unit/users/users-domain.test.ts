import { buildUser, canonicalUuid, dayOf, newUserSchema, USER_ID, userCreated, uuidSchema } from '../../../lambda/domain/users';
import { maskEmail, maskPhone, maskRecipient } from '../../../lambda/domain/masking';
import { ValidationError } from '../../../lambda/shared/errors';
import { validate } from '../../../lambda/shared/validation';

function problemsFor(input: unknown) {
  try {
    validate(newUserSchema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('new user validation', () => {
  it('accepts a valid user and normalises email and whitespace', () => {
    const user = validate(newUserSchema, { name: ' Ada Lovelace ', email: ' Ada@Example.COM ', phone: '+14155550100' });
    expect(user).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', phone: '+14155550100' });
  });

  it('lists every problem at once', () => {
    expect(problemsFor({ email: 'not-an-email', phone: '555', extra: true })).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'email', message: 'must be a valid email' },
      { path: 'phone', message: 'must be in E.164 format, e.g. +14155550100' },
      { path: '(body)', message: 'has unknown fields: extra' },
    ]);
  });

  it('rejects wrong types and empty or overlong names', () => {
    expect(problemsFor({ name: '', email: 'a@b.co', phone: 14155550100 })).toEqual([
      { path: 'name', message: 'must be at least 1 character' },
      { path: 'phone', message: 'must be a string' },
    ]);
    expect(problemsFor({ name: 'x'.repeat(101), email: 'a@b.co', phone: '+14155550100' })).toEqual([
      { path: 'name', message: 'must be at most 100 characters' },
    ]);
  });

  it('rejects a body that is not an object', () => {
    expect(problemsFor([1, 2])).toEqual([{ path: '(body)', message: 'must be an object' }]);
  });
});

describe('users domain', () => {
  const now = new Date('2026-11-27T23:59:59.999Z');
  const user = buildUser({ name: 'Ada', email: 'ada@example.com', phone: '+14155550100' }, 'id-1', now);

  it('builds a user with id and creation time', () => {
    expect(user).toEqual({
      userId: 'id-1',
      name: 'Ada',
      email: 'ada@example.com',
      phone: '+14155550100',
      createdAt: '2026-11-27T23:59:59.999Z',
    });
  });

  it('names the user only in UserCreated: no contact data in (archived) events', () => {
    expect(userCreated(user)).toEqual({ userId: 'id-1', createdAt: '2026-11-27T23:59:59.999Z' });
  });

  it('keys statistics by UTC day', () => {
    expect(dayOf('2026-11-27T23:59:59.999Z')).toBe('2026-11-27');
    expect(dayOf('2026-11-28T00:00:00.000+01:00')).toBe('2026-11-27');
  });

  it('recognises UUIDs only', () => {
    expect(USER_ID.test('0b6b4b4e-7d4b-4c1e-9a53-3f0f3c8e2a11')).toBe(true);
    expect(USER_ID.test('0b6b4b4e-7d4b-4c1e-9a53')).toBe(false);
    expect(USER_ID.test("1' OR '1'='1")).toBe(false);
  });
});

describe('masking', () => {
  it('keeps enough to tell recipients apart, not to contact them', () => {
    expect(maskEmail('ada@example.com')).toBe('ad*@example.com');
    expect(maskEmail('a@example.com')).toBe('a*@example.com');
    expect(maskPhone('+14155550100')).toBe('+*******0100');
    expect(maskRecipient('push', 'arn:aws:sns:endpoint/abc123')).toBe('arn***123');
  });
});

describe('the UUID rule: either case in, lower case stored', () => {
  const lower = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';

  it('takes a UUID in upper, lower or mixed case and gives its lower-case form', () => {
    expect(canonicalUuid(lower.toUpperCase())).toBe(lower);
    expect(canonicalUuid('3F2B6C1E-8a4d-4C7E-9b1a-2D3E4F5A6B7C')).toBe(lower);
    expect(canonicalUuid(lower)).toBe(lower);
    expect(uuidSchema.parse(lower.toUpperCase())).toBe(lower);
    expect(USER_ID.test(uuidSchema.parse(lower.toUpperCase()))).toBe(true);
  });

  it('refuses what is no UUID, in any case', () => {
    for (const value of ['not-a-uuid', `${lower}0`, lower.replace(/-/g, ''), '']) expect(canonicalUuid(value)).toBeUndefined();
    expect(uuidSchema.safeParse('NOPE').success).toBe(false);
  });
});
