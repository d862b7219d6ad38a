import { attributeActivity } from '../../../lambda/analytics/activity-request';
import { MAX_PROVIDER_ERROR_LENGTH, maskProviderError } from '../../../lambda/domain/masking';
import { scopedKey } from '../../../lambda/domain/idempotency';
import { callerScope } from '../../../lambda/shared/caller';

const ME = '3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';

describe('provider errors, masked before they are logged or stored', () => {
  it('masks the recipient wherever the provider echoes it', () => {
    expect(
      maskProviderError(
        'MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ada.lovelace@example.com',
        'email',
        'ada.lovelace@example.com',
      ),
    ).toBe(
      'MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ad**********@example.com',
    );
    expect(
      maskProviderError('InvalidParameter: Invalid parameter: PhoneNumber Reason: +14155550100 is not valid', 'sms', '+14155550100'),
    ).toBe('InvalidParameter: Invalid parameter: PhoneNumber Reason: +*******0100 is not valid');
    expect(maskProviderError('EndpointDisabled: device-token-abcdef123456 is disabled', 'push', 'device-token-abcdef123456')).toBe(
      'EndpointDisabled: dev***456 is disabled',
    );
  });

  it('masks other addresses and numbers too, and bounds the length', () => {
    expect(maskProviderError('bounced to bob@example.org, call +44 20 7946 0958', 'email', 'ada@example.com')).toBe(
      'bounced to bo*@example.org, call +********0958',
    );
    const long = maskProviderError(`Throttling: ${'x'.repeat(1000)}`, 'email', 'ada@example.com');
    expect(long).toHaveLength(MAX_PROVIDER_ERROR_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe("a customer's activity", () => {
  it("fills in the caller's id where an event names none, and flags events of another user", () => {
    expect(attributeActivity({ activityType: 'view' }, ME)).toEqual({ body: { activityType: 'view', userId: ME }, foreign: false });
    expect(attributeActivity({ events: [{ activityType: 'view' }, { userId: ME }] }, ME)).toEqual({
      body: { events: [{ activityType: 'view', userId: ME }, { userId: ME }] },
      foreign: false,
    });
    expect(attributeActivity({ events: [{ userId: 'someone-else' }] }, ME).foreign).toBe(true);
    expect(attributeActivity({ userId: 'someone-else' }, ME).foreign).toBe(true);
  });

  it("takes the caller's own id in upper case as theirs (ids compare in lower case)", () => {
    expect(attributeActivity({ userId: ME.toUpperCase() }, ME).foreign).toBe(false);
    expect(attributeActivity({ userId: 42 }, ME).foreign).toBe(true);
  });

  it('leaves what is not an event for validation to describe', () => {
    expect(attributeActivity({ events: 'all' }, ME)).toEqual({ body: { events: 'all' }, foreign: false });
    expect(attributeActivity([1, 2], ME)).toEqual({ body: [1, 2], foreign: false });
    expect(attributeActivity({ events: [42] }, ME)).toEqual({ body: { events: [42] }, foreign: false });
  });
});

describe("Idempotency-Keys are the caller's", () => {
  it('scopes a key by the kind and id of its caller', () => {
    const user = scopedKey(callerScope({ kind: 'user', userId: ME, groups: [] }), 'key-12345678');
    const machine = scopedKey(callerScope({ kind: 'machine', clientId: 'client-1', scopes: [] }), 'key-12345678');
    expect(user).toBe(`user:${ME}|key-12345678`);
    expect(machine).toBe('client:client-1|key-12345678');
    expect(user).not.toBe(
      scopedKey(callerScope({ kind: 'user', userId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d', groups: [] }), 'key-12345678'),
    );
  });
});
