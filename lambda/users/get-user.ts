import { ENV } from '#contracts/environment';
import { USER_ID } from '#domain/users';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { NotFoundError, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env(ENV.USERS_TABLE));

/** GET /users/{userId} — one user; 400 for an id that is not a UUID, 404 when absent. */
export const handler = httpHandler(async (request) => {
  const userId = request.pathParameter('userId') ?? '';
  if (!USER_ID.test(userId)) throw new ValidationError([{ path: 'userId', message: 'must be a UUID' }]);
  const user = await users.get(userId);
  if (!user) throw new NotFoundError('User');
  metrics.addMetric('UserRead', MetricUnit.Count, 1);
  return ok(user);
});
