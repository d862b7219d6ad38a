import type { Channel, Message } from '#domain/notifications';
import { clientConfig } from '#shared/aws';

/** Delivers one message on one channel; throws when the provider refuses it. */
export interface ChannelProvider {
  readonly name: string;
  /** True when `send` delivers nothing (the attempt is only recorded). */
  readonly recordOnly?: boolean;
  send(recipient: string, message: Message): Promise<void>;
}

/** Used when a stage has no sender configured: the attempt is recorded, nothing leaves. */
export const recordOnly: ChannelProvider = { name: 'record-only', recordOnly: true, send: async () => {} };

/** Creates a client on first use, so a stage that never delivers pays no import at cold start. */
function lazy<T>(create: () => Promise<T>): () => Promise<T> {
  let instance: Promise<T> | undefined;
  return () => (instance ??= create());
}

const ses = lazy(async () => {
  const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
  return { client: new SESv2Client(clientConfig), SendEmailCommand };
});

const sns = lazy(async () => {
  const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
  return { client: new SNSClient(clientConfig), PublishCommand };
});

export function sesEmail(sender: string): ChannelProvider {
  return {
    name: 'ses',
    async send(recipient, message) {
      const { client, SendEmailCommand } = await ses();
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: sender,
          Destination: { ToAddresses: [recipient] },
          Content: { Simple: { Subject: { Data: message.subject }, Body: { Text: { Data: message.text } } } },
        }),
      );
    },
  };
}

export const snsSms: ChannelProvider = {
  name: 'sns-sms',
  async send(recipient, message) {
    const { client, PublishCommand } = await sns();
    await client.send(new PublishCommand({ PhoneNumber: recipient, Message: `${message.subject}: ${message.text}` }));
  },
};

/** Push goes to an SNS platform endpoint ARN (the recipient of a push notification). */
export const snsPush: ChannelProvider = {
  name: 'sns-push',
  async send(recipient, message) {
    const { client, PublishCommand } = await sns();
    await client.send(new PublishCommand({ TargetArn: recipient, Message: message.text, Subject: message.subject }));
  },
};

/** The providers a stage's configuration enables (SES_SENDER, SNS_DELIVERY); record-only otherwise. */
export function providersFromEnvironment(env = process.env): Record<Channel, ChannelProvider> {
  const deliverBySns = env.SNS_DELIVERY === 'true';
  return {
    email: env.SES_SENDER ? sesEmail(env.SES_SENDER) : recordOnly,
    sms: deliverBySns ? snsSms : recordOnly,
    push: deliverBySns ? snsPush : recordOnly,
  };
}
