import type { Context, PostConfirmationTriggerEvent } from 'aws-lambda';
import { newUserFromAttributes } from '#domain/registration';
import { buildUser } from '#domain/users';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { registerProfile } from './profile-registration';

const table = env('USERS_TABLE');

/**
 * Cognito post confirmation: the confirmed identity gets its profile in the
 * users table — user id = its `sub`, email, name and phone from its attributes
 * — put only if absent, so a retried trigger (Cognito retries on errors and
 * timeouts) or a confirmed password reset neither fails nor writes a second
 * one. The table's stream then publishes `UserCreated` (the outbox), exactly as
 * for users imported by `POST /users/batch`. Returns the event unchanged, as
 * Cognito requires; a throw fails the confirmation call and Cognito retries.
 * Logs the user id and outcome, never the contact data.
 */
export const handler = async (event: PostConfirmationTriggerEvent, context: Context): Promise<PostConfirmationTriggerEvent> => {
  logger.resetKeys();
  logger.addContext(context);
  metrics.captureColdStartMetric();
  try {
    const sub = event.request.userAttributes.sub;
    if (!sub) throw new Error('The confirmed identity has no sub attribute');
    logger.appendKeys({ userId: sub, triggerSource: event.triggerSource });
    const parsed = newUserFromAttributes(event.request.userAttributes);
    if (!parsed.success) {
      // The pre-sign-up check refuses such attributes; an attribute changed since (or an admin-created user) can still get here.
      throw new Error(`The identity's attributes cannot make a profile: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    }
    const outcome = await registerProfile(dynamo, table, buildUser(parsed.data, sub, new Date()), context.awsRequestId);
    logger.info('Profile registration', { outcome });
    if (outcome !== 'already-registered') metrics.addMetric('UserRegistered', MetricUnit.Count, 1);
    if (outcome === 'registered-email-held') metrics.addMetric('RegisteredEmailHeldByAnotherUser', MetricUnit.Count, 1);
    return event;
  } finally {
    metrics.publishStoredMetrics();
  }
};
