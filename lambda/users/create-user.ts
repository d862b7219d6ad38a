import { randomUUID } from 'node:crypto';
import { buildUser, newUserSchema, userCreated } from '#domain/users';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { AppError } from '#shared/errors';
import { publish } from '#shared/events';
import { created, httpHandler, parseBody } from '#shared/http';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env('USERS_TABLE'));

/**
 * POST /users — registers a user and publishes `UserCreated`.
 * If the event cannot be published the user is removed again and the client is
 * told to retry (503): a stored user always has its event.
 */
export const handler = httpHandler(async (request) => {
  const input = parseBody(request, newUserSchema);
  const user = buildUser(input, randomUUID(), new Date());
  await users.create(user);
  try {
    await publish([{ detailType: 'UserCreated', data: userCreated(user) }], request.correlationId);
  } catch (error) {
    logger.error('UserCreated not published; removing the user', error as Error);
    await users.remove(user);
    throw new AppError(503, 'ServiceUnavailable', 'The user could not be registered now; try again');
  }
  metrics.addMetric('UserRegistered', MetricUnit.Count, 1);
  return created(user);
});
