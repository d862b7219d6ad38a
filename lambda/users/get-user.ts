import { ENV } from '#contracts/environment';
import { canonicalUuid } from '#domain/users';
import { mayReadUser } from '#domain/access';
import { env } from '#shared/aws';
import { authorizeUser } from '#shared/caller';
import { dynamo } from '#shared/dynamo';
import { NotFoundError, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env(ENV.USERS_TABLE));

/**
 * GET /users/me — the caller's profile; GET /users/{userId} — one user, for that
 * user or an admin. The id in either case (stored lower case); 400 for an id that is not a UUID; 404 when absent, and the
 * same 404 for a user the caller may not read (ids cannot be probed).
 */
export const handler = httpHandler(async (request) => {
  const caller = authorizeUser(request.event);
  const userId = request.event.resource === '/users/me' ? caller.userId : canonicalUuid(request.pathParameter('userId') ?? '');
  if (userId === undefined) throw new ValidationError([{ path: 'userId', message: 'must be a UUID' }]);
  if (!mayReadUser(caller, userId)) throw new NotFoundError('User');
  const user = await users.get(userId);
  if (!user) throw new NotFoundError('User');
  metrics.addMetric('UserRead', MetricUnit.Count, 1);
  return ok(user);
});
