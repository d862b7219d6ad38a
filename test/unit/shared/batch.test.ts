import { batchAnswer, invalidItem, notProcessed, rejectAllInvalid, rejected } from '../../../lambda/shared/batch';
import { AppError, ValidationError } from '../../../lambda/shared/errors';

/** The one answer of the batch routes (POST /users/batch, POST /orders/batch). */
describe('batch answers', () => {
  const created = (index: number) => ({ index, status: 'created' as const, id: `c${index}` });
  const replayed = (index: number) => ({ index, status: 'replayed' as const, id: `r${index}` });

  it('lists results in index order and counts each status; created never counts a replay', () => {
    const answer = batchAnswer([replayed(2), created(0), invalidItem(1, [{ path: 'name', message: 'is required' }])]);
    expect(answer.status).toBe(200);
    expect(answer.body.summary).toEqual({ total: 3, created: 1, replayed: 1, rejected: 1 });
    expect(answer.body.results.map((r) => [r.index, r.status])).toEqual([
      [0, 'created'],
      [1, 'rejected'],
      [2, 'replayed'],
    ]);
    expect(answer.body.results[1]).toEqual({
      index: 1,
      status: 'rejected',
      error: 'ValidationError',
      message: 'The item is not valid',
      problems: [{ path: 'name', message: 'is required' }],
    });
  });

  it('answers 207 when some items were not processed, 503 when none was', () => {
    expect(batchAnswer([created(0), notProcessed(1)]).status).toBe(207);
    expect(batchAnswer([rejected(0, 'Conflict', 'taken'), created(1)]).status).toBe(200);
    expect(() => batchAnswer([notProcessed(0), notProcessed(1)])).toThrow(AppError);
    try {
      batchAnswer([notProcessed(0)]);
    } catch (error) {
      expect(error).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    }
  });

  it('throws the 400 of an all-invalid batch, every problem prefixed by its index', () => {
    const invalid = [
      { index: 0, problems: [{ path: 'email', message: 'must be a valid email' }] },
      { index: 1, problems: [{ path: '(body)', message: 'must be an object' }] },
    ];
    expect(() => rejectAllInvalid('users', 3, invalid)).not.toThrow();
    let thrown: unknown;
    try {
      rejectAllInvalid('users', 2, invalid);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).problems).toEqual([
      { path: 'users.0.email', message: 'must be a valid email' },
      { path: 'users.1', message: 'must be an object' },
    ]);
  });
});
