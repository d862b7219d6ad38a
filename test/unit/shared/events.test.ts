import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { EventBridgeEvent } from 'aws-lambda';
import { lambdaContext } from '../../support/api-event';
import { validData } from '../../support/events';

process.env.EVENT_BUS_NAME = 'test-bus';

import { eventHandler, publish } from '../../../lambda/shared/events';
import { metrics } from '../../../lambda/shared/powertools';

const delivery = (detailType: string, detail: unknown): EventBridgeEvent<string, unknown> => ({
  version: '0',
  id: 'delivery-1',
  'detail-type': detailType,
  source: 'commerce.test',
  account: '000000000000',
  time: '2026-11-27T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});
const metadata = { eventId: 'e-1', correlationId: 'c-1', occurredAt: '2026-11-27T10:00:00Z', version: 1 };

// No EMF lines in the test output (the metrics object exists before this file sets the environment).
jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

describe('eventHandler', () => {
  const counted = jest.spyOn(metrics, 'addMetric');
  beforeEach(() => counted.mockClear());
  const malformedCount = () => counted.mock.calls.filter(([name]) => name === 'MalformedEvent').length;

  it("hands the consumer its event's data, validated and typed (fields outside the contract dropped)", async () => {
    const consume = jest.fn(async (data: { orderId: string }) => void data.orderId);
    const data = validData('OrderPlaced', { orderId: 'o-1', extra: 'not in the contract' });
    await eventHandler('OrderPlaced', consume)(delivery('OrderPlaced', { metadata, data }), lambdaContext);
    const { extra: _extra, ...contracted } = data as Record<string, unknown>;
    expect(consume).toHaveBeenCalledWith(
      contracted,
      expect.objectContaining({ 'detail-type': 'OrderPlaced', detail: { metadata, data: contracted } }),
    );
    expect(malformedCount()).toBe(0);
  });

  it('dispatches by detail-type to one consumer per event', async () => {
    const completed = jest.fn(async () => undefined);
    const failed = jest.fn(async () => undefined);
    const handler = eventHandler({ PaymentCompleted: completed, OrderFailed: failed });
    await handler(delivery('OrderFailed', { metadata, data: validData('OrderFailed', {}) }), lambdaContext);
    expect(failed).toHaveBeenCalledTimes(1);
    expect(completed).not.toHaveBeenCalled();
  });

  it('refuses data that does not match the contract: logged, counted, thrown (so retries and the DLQ keep it), never consumed', async () => {
    const consume = jest.fn(async () => undefined);
    const handler = eventHandler('PaymentFailed', consume);
    const data = { ...validData('PaymentFailed', { code: 'NO_SUCH_CODE' }), amount: undefined };
    await expect(handler(delivery('PaymentFailed', { metadata, data }), lambdaContext)).rejects.toThrow(
      /^PaymentFailed without an amount; code must be one of: CARD_DECLINED, AMOUNT_OVER_LIMIT, PROVIDER_TIMEOUT \(id delivery-1\)$/,
    );
    expect(consume).not.toHaveBeenCalled();
    expect(malformedCount()).toBe(1);
  });

  it('refuses an event without an envelope, and a detail-type it does not consume', async () => {
    const consume = jest.fn(async () => undefined);
    const handler = eventHandler('UserCreated', consume);
    await expect(handler(delivery('UserCreated', { data: validData('UserCreated', {}) }), lambdaContext)).rejects.toThrow(
      'Malformed event envelope for UserCreated (id delivery-1)',
    );
    await expect(handler(delivery('OrderPlaced', { metadata, data: validData('OrderPlaced', {}) }), lambdaContext)).rejects.toThrow(
      'This consumer does not handle OrderPlaced',
    );
    expect(consume).not.toHaveBeenCalled();
    expect(malformedCount()).toBe(2);
  });
});

describe('publish', () => {
  const bus = mockClient(EventBridgeClient);
  afterEach(() => bus.reset());

  it("gives each event its contract's source and the envelope", async () => {
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] });
    await publish(
      [
        { detailType: 'OrderPlaced', data: validData('OrderPlaced', {}) },
        { detailType: 'HighEngagementDetected', data: validData('HighEngagementDetected', {}) },
      ],
      'corr-1',
    );
    const entries = bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entries.map((e) => [e.Source, e.DetailType, e.EventBusName])).toEqual([
      ['commerce.orders', 'OrderPlaced', 'test-bus'],
      ['commerce.analytics', 'HighEngagementDetected', 'test-bus'],
    ]);
    expect(JSON.parse(entries[0]!.Detail!).metadata).toMatchObject({ correlationId: 'corr-1', version: 1 });
  });

  it('sends again only the entries PutEvents failed, and throws when some still fail after four attempts', async () => {
    bus
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: '1' }, { ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const events = [
      { detailType: 'OrderPlaced' as const, data: validData('OrderPlaced', { orderId: 'o-1' }) },
      { detailType: 'OrderPlaced' as const, data: validData('OrderPlaced', { orderId: 'o-2' }) },
    ];
    await expect(publish(events, 'corr-2')).rejects.toThrow('PutEvents failed for 1 entries after 4 attempts');
    const calls = bus
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).data.orderId));
    expect(calls).toEqual([['o-1', 'o-2'], ['o-2'], ['o-2'], ['o-2']]);
  });
});
