import { ENV } from '#contracts/environment';
import { randomUUID } from 'node:crypto';
import { buildUser, newUserSchema } from '#domain/users';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { created, httpHandler, parseBody } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoUserStore } from './user-store';

const users = new DynamoUserStore(dynamo, env(ENV.USERS_TABLE));

/**
 * POST /users — registers a user: one transaction stores the user and reserves
 * its email. It does not publish: `UserCreated` goes out from the table's
 * stream (publish-user-events.ts), so a stored user always gets its event,
 * even if this function stops right after the write.
 */
export const handler = httpHandler(async (request) => {
  const input = parseBody(request, newUserSchema);
  const user = buildUser(input, randomUUID(), new Date());
  await users.create(user, request.correlationId);
  metrics.addMetric('UserRegistered', MetricUnit.Count, 1);
  return created(user);
});
