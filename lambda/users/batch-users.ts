import * as z from 'zod/mini';
import { buildUser, newUserSchema, type User } from '#domain/users';
import { type BatchItemResult, type BatchResponse, invalidItem, rejected } from '#shared/batch';
import { ConflictError, type Problem } from '#shared/errors';
import { problemsOf } from '#shared/validation';
import type { UserStore } from './user-store';

/** Users one `POST /users/batch` may carry. */
export const MAX_USERS_PER_REQUEST = 100;
/** Users per processed (and cached) batch. */
export const USER_BATCH_SIZE = 10;
/** Batches of ten in flight at once. */
export const USER_BATCH_CONCURRENCY = 5;
/** 100 users of 100-character names and 254-character emails fit many times. */
export const MAX_USER_BATCH_BYTES = 256 * 1024;

/** The body: `{ "users": [...] }`; each user is validated on its own, like `POST /users` does. */
export const userBatchRequestSchema = z.strictObject({
  users: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_USERS_PER_REQUEST)),
});

/** What happened to one user of a batch; `index` is its position in the batch (0 to 9). */
export type UserOutcome =
  | { readonly index: number; readonly status: 'created'; readonly user: User }
  | { readonly index: number; readonly status: 'invalid'; readonly problems: readonly Problem[] }
  | { readonly index: number; readonly status: 'conflict'; readonly message: string };

/** A processed batch; what the idempotency store caches (as long as an Idempotency-Key lives). */
export interface BatchResult {
  readonly results: readonly UserOutcome[];
}

/** What `POST /users/batch` answers: `{ summary, results }` (#shared/batch), a created or replayed item carrying its `user`. */
export type UserBatchResponse = BatchResponse<{ readonly user: User }>;
export type UserBatchItem = BatchItemResult<{ readonly user: User }>;

/**
 * One user's outcome as the route answers it. `fromCache`: the outcome was
 * stored by an earlier request, so a user it created is `replayed` (this
 * request created no one).
 */
export function answerOf(outcome: UserOutcome, offset: number, fromCache: boolean): UserBatchItem {
  const index = outcome.index + offset;
  switch (outcome.status) {
    case 'created':
      return { index, status: fromCache ? 'replayed' : 'created', user: outcome.user };
    case 'invalid':
      return invalidItem(index, outcome.problems);
    case 'conflict':
      return rejected(index, 'Conflict', outcome.message);
  }
}

/** Each user's problems, for the users `POST /users` would refuse (the 400 of an all-invalid batch). */
export function invalidUsers(users: readonly unknown[]): { index: number; problems: Problem[] }[] {
  return users.flatMap((input, index) => {
    const parsed = newUserSchema.safeParse(input);
    return parsed.success ? [] : [{ index, problems: problemsOf(parsed.error, input) }];
  });
}

export interface BatchDeps {
  readonly users: UserStore;
  readonly correlationId: string;
  readonly newId: () => string;
  readonly now: () => Date;
}

/**
 * Registers one batch of up to ten users, each exactly as `POST /users` would:
 * validated, and stored with its email reserved (a taken email is a `conflict`
 * outcome, not a failure). It does not publish: each stored user's
 * `UserCreated` goes out from the users table's stream. If a store write fails
 * for another reason this throws, so the batch is not cached; the users it did
 * store stay registered (removing them would not take back their events), and
 * sending the batch again reports them as `conflict`.
 */
export async function registerBatch(batch: readonly unknown[], deps: BatchDeps): Promise<BatchResult> {
  const results: UserOutcome[] = [];
  const toCreate: { index: number; user: User }[] = [];
  batch.forEach((input, index) => {
    const parsed = newUserSchema.safeParse(input);
    if (parsed.success) toCreate.push({ index, user: buildUser(parsed.data, deps.newId(), deps.now()) });
    else results.push({ index, status: 'invalid', problems: problemsOf(parsed.error, input) });
  });

  const attempts = await Promise.allSettled(toCreate.map(({ user }) => deps.users.create(user, deps.correlationId)));
  const failure = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected' && !(a.reason instanceof ConflictError));
  if (failure) throw failure.reason;
  attempts.forEach((attempt, i) => {
    const { index, user } = toCreate[i]!;
    if (attempt.status === 'fulfilled') results.push({ index, status: 'created', user });
    else results.push({ index, status: 'conflict', message: (attempt.reason as Error).message });
  });
  return { results: results.sort((a, b) => a.index - b.index) };
}
