/** The channels a notification can go out on; each attempt is recorded separately. */
export type Channel = 'email' | 'sms' | 'push';

export interface Message {
  readonly subject: string;
  readonly text: string;
}

/** A notification to send: who, how, and which template with which values. */
export interface NotificationRequest {
  readonly channel: Channel;
  readonly recipient: string;
  readonly template: TemplateName;
  readonly values: Readonly<Record<string, string | number>>;
}

const TEMPLATES = {
  welcome: { subject: 'Welcome, {name}!', text: 'Hi {name}, your account is ready.' },
  'order-confirmed': {
    subject: 'Order {orderId} confirmed',
    text: 'Your order {orderId} of {total} is paid and confirmed.',
  },
  'order-failed': { subject: 'Order {orderId} could not be completed', text: 'Order {orderId} failed: {reason}.' },
  'loyalty-thanks': {
    subject: 'Thank you, {name}!',
    text: 'Hi {name}, thank you for being one of our most engaged customers. We are glad to have you with us.',
  },
} as const satisfies Record<string, Message>;

export type TemplateName = keyof typeof TEMPLATES;

/** Fills a template's `{placeholders}`; a missing value is left visible rather than silently blank. */
export function render(template: TemplateName, values: NotificationRequest['values']): Message {
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (match, key: string) => String(values[key] ?? match));
  const { subject, text } = TEMPLATES[template];
  return { subject: fill(subject), text: fill(text) };
}

/** How to reach a user: read from the users table when notifying, never carried in events (archived, dead-lettered). */
export interface Contact {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
}

/**
 * One notice on every channel, to be sent in parallel: email and SMS to the
 * user's contact data, push to the user's devices (addressed by user id).
 */
export function onEveryChannel(
  userId: string,
  contact: Contact,
  template: TemplateName,
  values: NotificationRequest['values'],
): NotificationRequest[] {
  return [
    { channel: 'email', recipient: contact.email, template, values },
    { channel: 'sms', recipient: contact.phone, template, values },
    { channel: 'push', recipient: userId, template, values },
  ];
}
