import { ENV } from '#contracts/environment';
import { KEY_PREFIX } from '#contracts/keys';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { eventHandler } from '#shared/events';
import { Notifier } from './notifier';
import { providersFromEnvironment } from './providers';

const notifier = new Notifier(dynamo, env(ENV.NOTIFICATIONS_TABLE), providersFromEnvironment());

/** On `UserCreated`: the welcome email (delivered by SES when the stage names a sender). */
export const handler = eventHandler('UserCreated', async (user, event) => {
  const [result] = await notifier.notify(`${KEY_PREFIX.user}${user.userId}`, event.detail.metadata.eventId, [
    { channel: 'email', recipient: user.email, template: 'welcome', values: { name: user.name } },
  ]);
  // A failed welcome email is retried by Lambda and lands in the DLQ when it keeps failing.
  if (result?.status === 'FAILED') throw new Error(`Welcome email failed: ${result.error}`);
});
