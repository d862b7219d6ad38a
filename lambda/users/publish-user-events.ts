import type { DynamoDBRecord } from 'aws-lambda';
import { userCreated } from '#domain/users';
import { eventIdFor, type PreparedEvent } from '#shared/events';
import { outboxHandler } from '#shared/outbox';
import { createdUserOf } from './user-store';

/**
 * The `UserCreated` event of a record, if it inserted a user: the envelope is
 * fixed by the stored item — the event id is derived from the user id, the
 * time is the user's `createdAt`, the correlation id is the registering
 * request's — so a record delivered again publishes the very same event.
 */
export function userCreatedOf(record: DynamoDBRecord): PreparedEvent<'UserCreated'> | undefined {
  const created = createdUserOf(record);
  if (!created) return undefined;
  const { user, correlationId } = created;
  const eventId = eventIdFor('UserCreated', user.userId);
  return {
    detailType: 'UserCreated',
    data: userCreated(user),
    metadata: {
      eventId,
      // Items stored before the outbox carry none: the event id still ties the logs together.
      correlationId: correlationId ?? eventId,
      occurredAt: user.createdAt,
      version: 1,
    },
  };
}

/**
 * The users table's outbox publisher (#shared/outbox): `UserCreated` for every
 * inserted user item, nothing for other items or changes.
 */
export const handler = outboxHandler('UserCreated', userCreatedOf);
