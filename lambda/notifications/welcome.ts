import { ENV } from '#contracts/environment';
import { KEY_PREFIX } from '#contracts/keys';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler } from '#shared/events';
import { contactOf } from './contacts';
import { Notifier } from './notifier';
import { providersFromEnvironment } from './providers';

const notifier = new Notifier(dynamo, env(ENV.NOTIFICATIONS_TABLE), providersFromEnvironment());
const usersTable = env(ENV.USERS_TABLE);

/**
 * On `UserCreated`: the welcome email (delivered by SES when the stage names a
 * sender). The event carries the user id only; name and email are read from
 * the users table now. A user that is not there (yet) fails the delivery, so
 * Lambda retries it and it ends in the DLQ if the user never appears.
 */
export const handler = eventHandler('UserCreated', async (user, event) => {
  const contact = await contactOf(dynamo, usersTable, user.userId);
  if (!contact) throw new Error(`Welcome email: no user ${user.userId} in the users table`);
  const [result] = await notifier.notify(`${KEY_PREFIX.user}${user.userId}`, event.detail.metadata.eventId, [
    { channel: 'email', recipient: contact.email, template: 'welcome', values: { name: contact.name } },
  ]);
  // A failed welcome email is retried by Lambda and lands in the DLQ when it keeps failing.
  if (result?.status === 'FAILED') throw new Error(`Welcome email failed: ${result.error}`);
});
