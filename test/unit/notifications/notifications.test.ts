import { type Contact, onEveryChannel, render } from '../../../lambda/domain/notifications';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Notifier } from '../../../lambda/notifications/notifier';
import { type ChannelProvider, providersFromEnvironment, recordOnly } from '../../../lambda/notifications/providers';

const ADA: Contact = { name: 'Ada', email: 'ada@example.com', phone: '+14155550100' };
const USER = '3f2b6c1e-8a4d-4c7e-9b1a-2d3e4f5a6b7c';

describe('notification templates', () => {
  it('thanks a highly engaged user by name', () => {
    expect(render('loyalty-thanks', { name: 'Ada' })).toEqual({
      subject: 'Thank you, Ada!',
      text: 'Hi Ada, thank you for being one of our most engaged customers. We are glad to have you with us.',
    });
  });

  it('leaves a missing value visible rather than blank', () => {
    expect(render('loyalty-thanks', {}).subject).toBe('Thank you, {name}!');
    expect(render('order-failed', { orderId: 'o-1' }).text).toBe('Order o-1 failed: {reason}.');
  });
});

describe('onEveryChannel', () => {
  it('asks for email and SMS to the contact data and push to the user id, with the same template and values', () => {
    expect(onEveryChannel(USER, ADA, 'loyalty-thanks', { name: 'Ada' })).toEqual([
      { channel: 'email', recipient: 'ada@example.com', template: 'loyalty-thanks', values: { name: 'Ada' } },
      { channel: 'sms', recipient: '+14155550100', template: 'loyalty-thanks', values: { name: 'Ada' } },
      { channel: 'push', recipient: USER, template: 'loyalty-thanks', values: { name: 'Ada' } },
    ]);
  });
});

describe('providersFromEnvironment', () => {
  it('records only when the stage configures no delivery', () => {
    expect(providersFromEnvironment({})).toEqual({ email: recordOnly, sms: recordOnly, push: recordOnly });
    expect(providersFromEnvironment({ SNS_DELIVERY: 'false' }).sms).toBe(recordOnly);
  });

  it('delivers email by SES when a sender is named, SMS and push by SNS when enabled', () => {
    const providers = providersFromEnvironment({ SES_SENDER: 'shop@example.com', SNS_DELIVERY: 'true' });
    expect([providers.email.name, providers.sms.name, providers.push.name]).toEqual(['ses', 'sns-sms', 'sns-push']);
  });
});

describe('Notifier statuses', () => {
  /** A document client that accepts every write and remembers the status each attempt ended with. */
  function fakeTable() {
    const finished: string[] = [];
    const client = {
      send: async (command: { input: { ExpressionAttributeValues?: Record<string, unknown> } }) => {
        const status = command.input.ExpressionAttributeValues?.[':status'];
        if (typeof status === 'string') finished.push(status);
        return {};
      },
    };
    return { client: client as unknown as DynamoDBDocumentClient, finished };
  }
  const delivering: ChannelProvider = { name: 'fake', send: async () => {} };
  const refusing: ChannelProvider = {
    name: 'fake',
    send: async () => {
      throw new Error('refused');
    },
  };

  it('says RECORDED (not SENT) for a record-only channel, SENT for a delivering one, FAILED for a refusal', async () => {
    const { client, finished } = fakeTable();
    const notifier = new Notifier(client, 'notifications', { email: recordOnly, sms: delivering, push: refusing });
    const results = await notifier.notify(`USER#${USER}`, 'event-1', onEveryChannel(USER, ADA, 'loyalty-thanks', { name: 'Ada' }));
    expect(results.map((r) => [r.channel, r.status])).toEqual([
      ['email', 'RECORDED'],
      ['sms', 'SENT'],
      ['push', 'FAILED'],
    ]);
    expect(finished).toEqual(['RECORDED', 'SENT', 'FAILED']);
  });
});
