import * as z from 'zod/mini';
import { buildUser, newUserSchema, type User, userCreated } from '#domain/users';
import { ConflictError, type Problem } from '#shared/errors';
import type { DomainEvent } from '#shared/events';
import { logger } from '#shared/powertools';
import { problemsOf } from '#shared/validation';
import type { UserStore } from './user-store';

/** Users one `POST /users/batch` may carry. */
export const MAX_USERS_PER_REQUEST = 100;
/** Users per processed (and cached) batch: one PutEvents call's worth of UserCreated. */
export const USER_BATCH_SIZE = 10;

/** The body: `{ "users": [...] }`; each user is validated on its own, like `POST /users` does. */
export const userBatchRequestSchema = z.strictObject({
  users: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_USERS_PER_REQUEST)),
});

/** What happened to one user of a batch; `index` is its position in the batch (0 to 9). */
export type UserOutcome =
  | { readonly index: number; readonly status: 'created'; readonly user: User }
  | { readonly index: number; readonly status: 'invalid'; readonly problems: readonly Problem[] }
  | { readonly index: number; readonly status: 'conflict'; readonly message: string };

/** A processed batch; what the idempotency store caches for an hour. */
export interface BatchResult {
  readonly results: readonly UserOutcome[];
}

export interface BatchDeps {
  readonly users: UserStore;
  readonly publish: (events: readonly DomainEvent[], correlationId: string) => Promise<void>;
  readonly correlationId: string;
  readonly newId: () => string;
  readonly now: () => Date;
}

/**
 * Registers one batch of up to ten users, each exactly as `POST /users` would:
 * validated, stored with its email reserved (a taken email is a `conflict`
 * outcome, not a failure), and `UserCreated` published — for the whole batch in
 * one `publish` call (one PutEvents). All or nothing for everything else: if a
 * store write fails for another reason, or publishing fails, the users this
 * call stored are removed again and it throws, so a failed batch leaves no
 * users behind and is not cached; sending it again is safe.
 */
export async function registerBatch(batch: readonly unknown[], deps: BatchDeps): Promise<BatchResult> {
  const results: UserOutcome[] = [];
  const toCreate: { index: number; user: User }[] = [];
  batch.forEach((input, index) => {
    const parsed = newUserSchema.safeParse(input);
    if (parsed.success) toCreate.push({ index, user: buildUser(parsed.data, deps.newId(), deps.now()) });
    else results.push({ index, status: 'invalid', problems: problemsOf(parsed.error, input) });
  });

  const attempts = await Promise.allSettled(toCreate.map(({ user }) => deps.users.create(user)));
  const stored = toCreate.filter((_, i) => attempts[i]!.status === 'fulfilled');
  const failure = attempts.find(
    (a): a is PromiseRejectedResult => a.status === 'rejected' && !(a.reason instanceof ConflictError),
  );
  if (failure) {
    await removeAll(stored.map((s) => s.user), deps.users);
    throw failure.reason;
  }
  attempts.forEach((attempt, i) => {
    if (attempt.status === 'rejected') {
      results.push({ index: toCreate[i]!.index, status: 'conflict', message: (attempt.reason as Error).message });
    }
  });

  if (stored.length > 0) {
    const events = stored.map(({ user }) => ({ detailType: 'UserCreated', data: userCreated(user) }));
    try {
      await deps.publish(events, deps.correlationId);
    } catch (error) {
      logger.error('UserCreated not published for a batch; removing its users', error as Error);
      await removeAll(stored.map((s) => s.user), deps.users);
      throw error;
    }
  }
  for (const { index, user } of stored) results.push({ index, status: 'created', user });
  return { results: results.sort((a, b) => a.index - b.index) };
}

/** Compensation: removes every user given, trying all of them even if one removal fails. */
async function removeAll(users: readonly User[], store: UserStore): Promise<void> {
  const removals = await Promise.allSettled(users.map((user) => store.remove(user)));
  const failed = removals.filter((r) => r.status === 'rejected').length;
  if (failed > 0) logger.error('Could not remove users of a failed batch', { failed });
}
