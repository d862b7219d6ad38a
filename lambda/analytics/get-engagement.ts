import { ENV } from '#contracts/environment';
import { USER_ID } from '#domain/users';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { NotFoundError, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoEngagementStore } from './engagement-store';

const engagement = new DynamoEngagementStore(dynamo, env(ENV.ENGAGEMENT_TABLE));

/** GET /users/{userId}/engagement — the user's aggregate; 400 for an id that is not a UUID, 404 when none. */
export const handler = httpHandler(async (request) => {
  const userId = request.pathParameter('userId') ?? '';
  if (!USER_ID.test(userId)) throw new ValidationError([{ path: 'userId', message: 'must be a UUID' }]);
  const found = await engagement.get(userId);
  if (!found) throw new NotFoundError('Engagement of this user');
  metrics.addMetric('EngagementRead', MetricUnit.Count, 1);
  return ok(found);
});
