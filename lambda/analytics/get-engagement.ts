import { ENV } from '#contracts/environment';
import { canonicalUuid } from '#domain/users';
import { mayReadUser } from '#domain/access';
import { env } from '#shared/aws';
import { authorizeUser } from '#shared/caller';
import { dynamo } from '#shared/dynamo';
import { NotFoundError, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoEngagementStore } from './engagement-store';

const engagement = new DynamoEngagementStore(dynamo, env(ENV.ENGAGEMENT_TABLE));

/**
 * GET /users/{userId}/engagement — the user's aggregate, for that user or an
 * admin (the id in either case); 400 for an id that is not a UUID, 404 when none and for a user the
 * caller may not read.
 */
export const handler = httpHandler(async (request) => {
  const caller = authorizeUser(request.event);
  const userId = canonicalUuid(request.pathParameter('userId') ?? '');
  if (userId === undefined) throw new ValidationError([{ path: 'userId', message: 'must be a UUID' }]);
  if (!mayReadUser(caller, userId)) throw new NotFoundError('Engagement of this user');
  const found = await engagement.get(userId);
  if (!found) throw new NotFoundError('Engagement of this user');
  metrics.addMetric('EngagementRead', MetricUnit.Count, 1);
  return ok(found);
});
