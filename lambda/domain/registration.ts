import { newUserSchema, type NewUser } from './users';

/**
 * The profile a Cognito identity gets: the user id is the identity's `sub`;
 * email, name and phone come from the standard attributes `email`, `name` and
 * `phone_number` (all required at sign-up), checked by the same schema as any
 * user of the users table. Returns the zod result so that the caller can
 * describe the problems (the pre-sign-up check) or fail (the trigger).
 */
export function newUserFromAttributes(attributes: Readonly<Record<string, string | undefined>>) {
  return newUserSchema.safeParse({ name: attributes.name, email: attributes.email, phone: attributes.phone_number });
}

/** What `newUserFromAttributes` reads, by the attribute name a problem should report. */
export const ATTRIBUTE_OF: Readonly<Record<keyof NewUser, string>> = { name: 'name', email: 'email', phone: 'phone_number' };
