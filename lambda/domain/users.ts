import * as z from 'zod/mini';
import type { UserCreated } from '#contracts/events';

/** Characters of a user's name (after trimming). */
export const MAX_NAME_LENGTH = 100;
/** Characters of an email address (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

/** What a client may send to register a user. Unknown fields are rejected, not ignored. */
export const newUserSchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_NAME_LENGTH)),
  email: z.string().check(z.trim(), z.toLowerCase(), z.maxLength(MAX_EMAIL_LENGTH), z.email()),
  phone: z.string().check(z.trim(), z.regex(/^\+[1-9]\d{6,14}$/, 'must be in E.164 format, e.g. +14155550100')),
});

export type NewUser = z.infer<typeof newUserSchema>;

export interface User extends NewUser {
  readonly userId: string;
  readonly createdAt: string;
}

/** A UUID as stored: lower case (user, customer and order ids). */
export const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The API's rule for ids: a UUID is accepted in either case (`3F2A...` is
 * `3f2a...`) and stored, compared and answered in lower case. The id as
 * stored, or undefined when `value` is no UUID.
 */
export function canonicalUuid(value: string): string | undefined {
  const lower = value.toLowerCase();
  return USER_ID.test(lower) ? lower : undefined;
}

/** A UUID in a body (e.g. `customerId`), in either case; parsed to lower case. */
export const uuidSchema = z.string().check(z.toLowerCase(), z.regex(USER_ID, 'must be a UUID'));

export function buildUser(input: NewUser, userId: string, now: Date): User {
  return { userId, ...input, createdAt: now.toISOString() };
}

/** `UserCreated` names the user only: contact data stays in the users table (consumers read it when they send). */
export function userCreated(user: Pick<User, 'userId' | 'createdAt'>): UserCreated {
  return { userId: user.userId, createdAt: user.createdAt };
}

/** The UTC day an instant falls on (`2026-11-27`): the key of the daily statistics. */
export function dayOf(instant: string | Date): string {
  return new Date(instant).toISOString().slice(0, 10);
}

/**
 * Shards of one day's statistics: a burst of sign-ups spreads its counting
 * transactions over this many items instead of conflicting on one (DynamoDB
 * cancels concurrent transactions on one item with `TransactionConflict`).
 */
export const STATISTICS_SHARDS = 32;

/** The key of shard `shard` of `day`'s statistics (`STATS#2026-11-27#7`). */
export const statisticsShardKey = (day: string, shard: number) => ({ pk: `STATS#${day}#${shard}` });

/** Every shard key of `day`'s statistics: the day's count is the sum of their `usersCreated`. */
export const statisticsShardKeys = (day: string) => Array.from({ length: STATISTICS_SHARDS }, (_, shard) => statisticsShardKey(day, shard));
