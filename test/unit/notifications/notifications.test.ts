import { type Contact, onEveryChannel, render } from '../../../lambda/domain/notifications';
import { providersFromEnvironment, recordOnly } from '../../../lambda/notifications/providers';

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
