import { ENV } from '#contracts/environment';
import { dayOf } from '#domain/users';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env(ENV.USERS_TABLE));

/** On `UserCreated`: counts the user in its day's statistics, exactly once per event. */
export const handler = eventHandler('UserCreated', async (user, event) => {
  const counted = await users.countUserCreated(dayOf(user.createdAt), event.detail.metadata.eventId);
  if (!counted) logger.info('Duplicate UserCreated delivery ignored');
  metrics.addMetric(counted ? 'UserCounted' : 'DuplicateEventIgnored', MetricUnit.Count, 1);
});
