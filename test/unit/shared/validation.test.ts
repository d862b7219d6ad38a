import * as z from 'zod/mini';
import { newOrderSchema, stockUpdateSchema } from '../../../lambda/domain/orders';
import { newUserSchema } from '../../../lambda/domain/users';
import { problemsOf } from '../../../lambda/shared/validation';

/** The API's validation messages: one problem per path, in plain English. */
const problems = (schema: z.ZodMiniType, input: unknown) => {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be refused');
  return problemsOf(result.error, input);
};

describe('validation problems', () => {
  it('names a field once, with the tighter of two bounds (not the safe-integer bound of z.int())', () => {
    expect(problems(stockUpdateSchema, { available: 1e20, price: 1e20 })).toEqual([
      { path: 'available', message: 'must be at most 1000000000' },
      { path: 'price', message: 'must be at most 100000000' },
    ]);
  });

  it('says "integer" for a number with a fraction', () => {
    expect(problems(stockUpdateSchema, { available: 1.5, price: 1 })).toEqual([{ path: 'available', message: 'must be an integer' }]);
  });

  it('is singular for one character and one item, plural otherwise', () => {
    expect(problems(newUserSchema, { name: ' ', email: 'a@example.com', phone: '+14155550100' })).toEqual([
      { path: 'name', message: 'must be at least 1 character' },
    ]);
    expect(problems(newOrderSchema, { lines: [] })).toEqual([{ path: 'lines', message: 'must have at least 1 item' }]);
    expect(problems(newUserSchema, { name: 'x'.repeat(101), email: 'a@example.com', phone: '+14155550100' })).toEqual([
      { path: 'name', message: 'must be at most 100 characters' },
    ]);
  });

  it('joins the distinct problems of one path into one sentence', () => {
    const schema = z.object({ code: z.string().check(z.maxLength(3), z.regex(/^[a-z]+$/)) });
    expect(problems(schema, { code: 'ABCD' })).toEqual([
      { path: 'code', message: 'must be at most 3 characters and does not have the expected format' },
    ]);
  });

  it('never reports a path twice', () => {
    const found = problems(newOrderSchema, {
      customerId: 'X',
      lines: [
        { sku: '', quantity: 1e300 },
        { sku: 'A', quantity: 0.5 },
      ],
    });
    const paths = found.map((p) => p.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(found).toContainEqual({ path: 'lines.0.quantity', message: 'must be at most 1000' });
  });
});
