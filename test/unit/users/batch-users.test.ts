import { answerOf, invalidUsers } from '../../../lambda/users/batch-users';

/** POST /users/batch's items as every batch route answers them (#shared/batch). */
describe('a user outcome as the batch answers it', () => {
  const user = {
    userId: '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c',
    name: 'Ada',
    email: 'ada@example.com',
    phone: '+14155550100',
    createdAt: '',
  };

  it('is created when this request created the user, replayed when the outcome came from the cache', () => {
    expect(answerOf({ index: 2, status: 'created', user }, 10, false)).toEqual({ index: 12, status: 'created', user });
    expect(answerOf({ index: 2, status: 'created', user }, 10, true)).toEqual({ index: 12, status: 'replayed', user });
  });

  it('is rejected with the code POST /users would answer', () => {
    expect(answerOf({ index: 0, status: 'conflict', message: 'taken' }, 0, true)).toEqual({
      index: 0,
      status: 'rejected',
      error: 'Conflict',
      message: 'taken',
    });
    expect(answerOf({ index: 1, status: 'invalid', problems: [{ path: 'name', message: 'is required' }] }, 0, false)).toMatchObject({
      status: 'rejected',
      error: 'ValidationError',
      problems: [{ path: 'name', message: 'is required' }],
    });
  });

  it('lists the problems of each invalid user by its index', () => {
    expect(invalidUsers([{ name: 'Ada', email: 'ada@example.com', phone: '+14155550100' }, 'x'])).toEqual([
      { index: 1, problems: [{ path: '(body)', message: 'must be an object' }] },
    ]);
  });
});
