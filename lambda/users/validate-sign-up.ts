import type { Context, PreSignUpTriggerEvent } from 'aws-lambda';
import { ATTRIBUTE_OF, newUserFromAttributes } from '#domain/registration';
import type { NewUser } from '#domain/users';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { problemsOf } from '#shared/validation';

/**
 * Cognito pre sign-up: refuses a sign-up whose attributes the profile could not
 * store (a name over 100 characters, a phone number not in E.164...) before
 * the identity exists, so that confirmation never meets a profile it cannot
 * write. Cognito answers the client `UserLambdaValidationException` with this
 * message. Confirms nothing automatically: the email is verified by its code.
 */
export const handler = async (event: PreSignUpTriggerEvent, context: Context): Promise<PreSignUpTriggerEvent> => {
  logger.resetKeys();
  logger.addContext(context);
  const attributes = event.request.userAttributes;
  const parsed = newUserFromAttributes(attributes);
  if (parsed.success) return event;
  const input = { name: attributes.name, email: attributes.email, phone: attributes.phone_number };
  const problems = problemsOf(parsed.error, input).map((p) => `${ATTRIBUTE_OF[p.path as keyof NewUser] ?? p.path} ${p.message}`);
  logger.info('Sign-up refused', { triggerSource: event.triggerSource, problems });
  metrics.addMetric('SignUpRefused', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  throw new Error(problems.join('; '));
};
