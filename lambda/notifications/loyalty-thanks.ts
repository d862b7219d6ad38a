import { ENV } from '#contracts/environment';
import { KEY_PREFIX } from '#contracts/keys';
import { onEveryChannel } from '#domain/notifications';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler } from '#shared/events';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import { contactOf } from './contacts';
import { Notifier } from './notifier';
import { providersFromEnvironment } from './providers';

const notifier = new Notifier(dynamo, env(ENV.NOTIFICATIONS_TABLE), providersFromEnvironment());
const usersTable = env(ENV.USERS_TABLE);

const TEMPLATE = 'loyalty-thanks';

/**
 * On `HighEngagementDetected`: thanks the user for their loyalty by email, SMS
 * and push in parallel through the Notifier — one failing channel never stops
 * the others, and every attempt is recorded under `USER#<userId>`. Attempts are
 * keyed by the event (`<eventId>#email`..., as for the welcome email), so a
 * redelivered event never thanks twice; analytics publishes the event once per
 * user, and a second publication would show as a second set of records. A
 * failed channel stays recorded as FAILED rather than failing the event:
 * retrying could not reach a user whose channel the provider refuses (as for
 * order notices).
 */
export const handler = eventHandler('HighEngagementDetected', async (data, event) => {
  // An event without a user id is a poison one: eventHandler refuses it, so retries and then the DLQ keep it.
  const contact = await contactOf(dynamo, usersTable, data.userId);
  if (!contact) {
    // Activity may name a user that is not registered: nobody to thank.
    logger.warn('No contact data for the user; nothing sent', { userId: data.userId });
    metrics.addMetric('LoyaltyNoticeWithoutContact', MetricUnit.Count, 1);
    return;
  }
  const requests = onEveryChannel(data.userId, contact, TEMPLATE, { name: contact.name });
  const results = await notifier.notify(`${KEY_PREFIX.user}${data.userId}`, event.detail.metadata.eventId, requests);
  logger.info('Loyalty thanks attempted', { attempts: results.map(({ channel, status }) => ({ channel, status })) });
});
