/**
 * The local EventBridge through the real @aws-sdk/client-eventbridge (AWS JSON
 * 1.1) against EventBridgeService's EdgeHandler served on a free port, with a
 * fake LambdaInvoker (whose failures the tests choose) and the real SqsService
 * for SQS targets and dead-letter queues.
 */
import {
  DescribeRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { EventBridgeService, type EventBridgeEvent, type PublishedEvent } from '../../../src/eventbridge/service';
import { SqsService } from '../../../src/sqs/service';
import type { InvokeResult, LambdaInvoker, StackResource } from '../../../src/types';
import { serveEdgeHandler, type ServedHandler } from '../../support/edge-handler';
import { localStack } from '../../support/local-stack';

// ---------------------------------------------------------------- helpers

const stackOf = (resources: StackResource[]) => localStack(resources);

const ARN = 'arn:aws:%s:us-east-1:000000000000:';
const lambdaArn = (name: string) => `${ARN.replace('%s', 'lambda')}function:${name}`;
const queueArn = (name: string) => `${ARN.replace('%s', 'sqs')}${name}`;
const BUS = 'commerce-bus';

function resource(
  logicalId: string,
  type: string,
  physicalId: string,
  attributes: Record<string, string>,
  properties: Record<string, unknown> = {},
): StackResource {
  return { logicalId, type, properties, physicalId, attributes, metadata: {} };
}

function queue(name: string): StackResource {
  const url = `http://localhost:4566/000000000000/${name}`;
  return resource(`${name}Queue`, 'AWS::SQS::Queue', url, { Arn: queueArn(name), QueueName: name, QueueUrl: url });
}

/** A rule on the custom bus, resolved as src/assembly/load.ts resolves it. */
function rule(logicalId: string, name: string, properties: Record<string, unknown>): StackResource {
  return resource(
    logicalId,
    'AWS::Events::Rule',
    `${BUS}|${name}`,
    { Arn: `${ARN.replace('%s', 'events')}rule/${BUS}/${name}` },
    { EventBusName: BUS, State: 'ENABLED', ...properties },
  );
}

const usersPattern = { source: ['commerce.users'], 'detail-type': ['UserCreated'] };
const retry = { RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } };

const stack = stackOf([
  resource('Bus', 'AWS::Events::EventBus', BUS, { Arn: `${ARN.replace('%s', 'events')}event-bus/${BUS}`, Name: BUS }),
  queue('welcome-dlq'),
  queue('audit'),
  rule('WelcomeRule', 'welcome', {
    Description: 'UserCreated -> Welcome',
    EventPattern: usersPattern,
    Targets: [{ Id: 'Target0', Arn: lambdaArn('welcome'), DeadLetterConfig: { Arn: queueArn('welcome-dlq') }, ...retry }],
  }),
  rule('DisabledRule', 'disabled', {
    State: 'DISABLED',
    EventPattern: usersPattern,
    Targets: [{ Id: 'Target0', Arn: lambdaArn('disabled') }],
  }),
  rule('GoneRule', 'gone', {
    EventPattern: JSON.stringify({ source: ['commerce.users'], 'detail-type': ['UserDeleted'] }),
    Targets: [{ Id: 'Target0', Arn: lambdaArn('deleted-function'), DeadLetterConfig: { Arn: queueArn('welcome-dlq') }, ...retry }],
  }),
  rule('BigOrdersRule', 'big-orders', {
    EventPattern: { source: ['commerce.orders'], detail: { data: { total: [{ numeric: ['>=', 100] }] } } },
    Targets: [
      {
        Id: 'Audit',
        Arn: queueArn('audit'),
        InputTransformer: {
          InputPathsMap: { order: '$.detail.data.orderId', total: '$.detail.data.total' },
          InputTemplate: '{"order": "<order>", "total": <total>, "rule": "<aws.events.rule-name>"}',
        },
      },
    ],
  }),
  resource(
    'NightlyRule',
    'AWS::Events::Rule',
    'nightly',
    { Arn: `${ARN.replace('%s', 'events')}rule/nightly` },
    {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [{ Id: 'Report', Arn: lambdaArn('report'), Input: '{"report":"daily"}' }],
    },
  ),
  // One target of each outcome a fired schedule can report.
  resource(
    'HourlyRule',
    'AWS::Events::Rule',
    'hourly',
    { Arn: `${ARN.replace('%s', 'events')}rule/hourly` },
    {
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
      Description: 'every target kind',
      Targets: [
        { Id: 'Report', Arn: lambdaArn('report'), ...retry },
        { Id: 'Audit', Arn: queueArn('audit') },
        { Id: 'Gone', Arn: lambdaArn('deleted-function') },
        { Id: 'Topic', Arn: `${ARN.replace('%s', 'sns')}alerts` },
      ],
    },
  ),
]);

/** Records asynchronous invocations; functions fail as a test says, unknown ones do not exist. */
class FakeLambda implements LambdaInvoker {
  readonly calls: Array<{ functionRef: string; event: any }> = [];
  /** Failures still to come, per function name (Infinity: always). */
  readonly failures = new Map<string, number>();
  private readonly known = new Set(['welcome', 'disabled', 'report']);

  async invoke(): Promise<InvokeResult> {
    throw new Error('EventBridge invokes asynchronously');
  }

  async invokeAsync(functionRef: string, event: unknown): Promise<void> {
    this.calls.push({ functionRef, event });
    const name = functionRef.slice(functionRef.lastIndexOf(':') + 1);
    if (!this.known.has(name)) throw Object.assign(new Error(`Function not found: ${functionRef}`), { name: 'ResourceNotFoundException' });
    const left = this.failures.get(name) ?? 0;
    if (left > 0) {
      this.failures.set(name, left - 1);
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    }
  }

  callsTo(name: string) {
    return this.calls.filter((c) => c.functionRef === lambdaArn(name));
  }
}

// ---------------------------------------------------------------- setup

let lambda: FakeLambda;
let sqs: SqsService;
let bus: EventBridgeService;
let client: EventBridgeClient;
let served: ServedHandler;
const logged: string[] = [];

beforeEach(async () => {
  lambda = new FakeLambda();
  sqs = new SqsService({ stack, edgeUrl: 'http://localhost:4566' });
  bus = new EventBridgeService({ stack, lambda, queues: sqs, retryBaseDelayMs: 1, log: (line) => logged.push(line) });
  served = await serveEdgeHandler(bus.handler, 'events');
  client = new EventBridgeClient({
    endpoint: served.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterEach(async () => {
  client.destroy();
  await bus.stop();
  await sqs.stop();
  await served.close();
});

const userCreated = {
  EventBusName: BUS,
  Source: 'commerce.users',
  DetailType: 'UserCreated',
  Detail: JSON.stringify({ data: { userId: 'u-1' } }),
};

// ---------------------------------------------------------------- tests

describe('PutEvents', () => {
  test('a bad entry fails alone: FailedEntryCount counts it, the good entries go through', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          userCreated,
          { ...userCreated, Detail: '{not json' },
          { ...userCreated, Detail: '["an array"]' },
          { EventBusName: BUS, DetailType: 'UserCreated', Detail: '{}' },
          { ...userCreated, EventBusName: 'no-such-bus' },
          { ...userCreated, Detail: JSON.stringify({ data: { userId: 'u-2' } }) },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    const entries = result.Entries!;
    expect(entries[0]!.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(entries[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(entries[2]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(entries[3]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(entries[4]).toEqual({ ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' });
    expect(entries[5]!.EventId).toMatch(/^[0-9a-f-]{36}$/);

    await bus.idle();
    expect(bus.events().map((p) => p.event.id)).toEqual([entries[0]!.EventId, entries[5]!.EventId]);
    expect(lambda.callsTo('welcome').map((c) => c.event.detail.data.userId)).toEqual(['u-1', 'u-2']);
  });

  test('more than 10 entries, or none, is a ValidationException for the whole call', async () => {
    await expect(client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => userCreated) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
    const big = { ...userCreated, Detail: JSON.stringify({ blob: 'x'.repeat(256 * 1024) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(bus.events()).toEqual([]);
  });

  test('a matching ENABLED rule delivers the event, as AWS builds it, to its Lambda target', async () => {
    const seen: PublishedEvent[] = [];
    bus.onEvent((published) => seen.push(published));
    const time = new Date('2026-11-26T10:20:30.456Z');
    const result = await client.send(new PutEventsCommand({ Entries: [{ ...userCreated, Time: time, Resources: ['arn:aws:users:u-1'] }] }));
    await bus.idle();

    const calls = lambda.callsTo('welcome');
    expect(calls).toHaveLength(1);
    const event = calls[0]!.event as EventBridgeEvent;
    expect(event).toEqual({
      version: '0',
      id: result.Entries![0]!.EventId,
      'detail-type': 'UserCreated',
      source: 'commerce.users',
      account: '000000000000',
      time: '2026-11-26T10:20:30Z',
      region: 'us-east-1',
      resources: ['arn:aws:users:u-1'],
      detail: { data: { userId: 'u-1' } },
    });
    expect(lambda.callsTo('disabled')).toEqual([]);
    expect(seen.map((p) => [p.eventBusName, p.matchedRules])).toEqual([[BUS, ['welcome']]]);
  });

  test('an event on another bus, or matching no rule, reaches no target', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'commerce.users', DetailType: 'UserCreated', Detail: '{}' }, // the default bus has no rules
          { ...userCreated, DetailType: 'UserUpdated' },
        ],
      }),
    );
    await bus.idle();
    expect(lambda.calls).toEqual([]);
    expect(bus.events().map((p) => [p.eventBusName, p.matchedRules])).toEqual([
      ['default', []],
      [BUS, []],
    ]);
  });

  test('an SQS target gets the InputTransformer output when the numeric pattern matches', async () => {
    const order = (orderId: string, total: number) => ({
      EventBusName: BUS,
      Source: 'commerce.orders',
      DetailType: 'OrderPlaced',
      Detail: JSON.stringify({ data: { orderId, total } }),
    });
    await client.send(new PutEventsCommand({ Entries: [order('small', 99.5), order('big', 250)] }));
    await bus.idle();
    expect(sqs.peek('audit').map((m) => JSON.parse(m.body))).toEqual([{ order: 'big', total: 250, rule: 'big-orders' }]);
  });
});

describe('delivery failures', () => {
  test('a failing target is retried with backoff and succeeds within its RetryPolicy', async () => {
    lambda.failures.set('welcome', 2);
    await client.send(new PutEventsCommand({ Entries: [userCreated] }));
    await bus.idle();
    expect(lambda.callsTo('welcome')).toHaveLength(3);
    expect(sqs.peek('welcome-dlq')).toEqual([]);
  });

  test('a target that keeps failing is retried MaximumRetryAttempts times, then lands in its DLQ with AWS attributes', async () => {
    lambda.failures.set('welcome', Infinity);
    const result = await client.send(new PutEventsCommand({ Entries: [userCreated] }));
    await bus.idle();

    expect(lambda.callsTo('welcome')).toHaveLength(3); // the first attempt and 2 retries
    const dead = sqs.peek('welcome-dlq');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body)).toMatchObject({ id: result.Entries![0]!.EventId, 'detail-type': 'UserCreated' });
    const attribute = (name: string) => dead[0]!.attributes[name]?.StringValue;
    expect({
      RULE_ARN: attribute('RULE_ARN'),
      TARGET_ARN: attribute('TARGET_ARN'),
      ERROR_CODE: attribute('ERROR_CODE'),
      ERROR_MESSAGE: attribute('ERROR_MESSAGE'),
      RETRY_ATTEMPTS: attribute('RETRY_ATTEMPTS'),
      EXHAUSTED_RETRY_CONDITION: attribute('EXHAUSTED_RETRY_CONDITION'),
    }).toEqual({
      RULE_ARN: `arn:aws:events:us-east-1:000000000000:rule/${BUS}/welcome`,
      TARGET_ARN: lambdaArn('welcome'),
      ERROR_CODE: 'THROTTLING',
      ERROR_MESSAGE: 'Rate exceeded',
      RETRY_ATTEMPTS: '2',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    });
  });

  test('a target function that does not exist is not retried: straight to the DLQ, as on AWS', async () => {
    await client.send(new PutEventsCommand({ Entries: [{ ...userCreated, DetailType: 'UserDeleted' }] }));
    await bus.idle();
    expect(lambda.callsTo('deleted-function')).toHaveLength(1);
    const [dead] = sqs.peek('welcome-dlq');
    expect(dead?.attributes.ERROR_CODE?.StringValue).toBe('NO_RESOURCE');
    expect(dead?.attributes.RETRY_ATTEMPTS?.StringValue).toBe('0');
    expect(dead?.attributes.EXHAUSTED_RETRY_CONDITION).toBeUndefined();
    expect(dead?.attributes.ERROR_MESSAGE?.StringValue).toContain('deleted-function');
  });
});

describe('TestEventPattern', () => {
  const event = JSON.stringify({
    id: 'e-1',
    account: '000000000000',
    source: 'commerce.orders',
    time: '2026-11-26T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    'detail-type': 'OrderPlaced',
    detail: { data: { total: 120 } },
  });

  test('answers true and false', async () => {
    const matches = await client.send(
      new TestEventPatternCommand({ EventPattern: '{"detail":{"data":{"total":[{"numeric":[">",100]}]}}}', Event: event }),
    );
    expect(matches.Result).toBe(true);
    const other = await client.send(
      new TestEventPatternCommand({ EventPattern: '{"source":[{"prefix":"commerce.users"}]}', Event: event }),
    );
    expect(other.Result).toBe(false);
  });

  test('an invalid pattern is an InvalidEventPatternException', async () => {
    const invalid = client.send(new TestEventPatternCommand({ EventPattern: '{"source":[{"numeric":[">","x"]}]}', Event: event }));
    await expect(invalid).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(client.send(new TestEventPatternCommand({ EventPattern: '{"source":', Event: event }))).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringContaining('not valid JSON'),
    });
  });

  test('an event without the mandatory fields is a ValidationException', async () => {
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('rules and buses', () => {
  test('ListEventBuses, ListRules, DescribeRule and ListTargetsByRule describe the stack', async () => {
    const buses = await client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default', BUS]);

    const rules = await client.send(new ListRulesCommand({ EventBusName: BUS }));
    expect(rules.Rules?.map((r) => [r.Name, r.State])).toEqual([
      ['welcome', 'ENABLED'],
      ['disabled', 'DISABLED'],
      ['gone', 'ENABLED'],
      ['big-orders', 'ENABLED'],
    ]);
    const paged = await client.send(new ListRulesCommand({ EventBusName: BUS, Limit: 3 }));
    expect(paged.Rules).toHaveLength(3);
    const rest = await client.send(new ListRulesCommand({ EventBusName: BUS, Limit: 3, NextToken: paged.NextToken }));
    expect(rest.Rules?.map((r) => r.Name)).toEqual(['big-orders']);

    const welcome = await client.send(new DescribeRuleCommand({ Name: 'welcome', EventBusName: BUS }));
    expect(welcome).toMatchObject({
      Name: 'welcome',
      Description: 'UserCreated -> Welcome',
      EventBusName: BUS,
      Arn: `arn:aws:events:us-east-1:000000000000:rule/${BUS}/welcome`,
    });
    expect(JSON.parse(welcome.EventPattern!)).toEqual(usersPattern);
    expect((await client.send(new DescribeRuleCommand({ Name: 'nightly' }))).ScheduleExpression).toBe('rate(1 day)');

    const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'welcome', EventBusName: BUS }));
    expect(targets.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: lambdaArn('welcome'),
        DeadLetterConfig: { Arn: queueArn('welcome-dlq') },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      },
    ]);

    await expect(client.send(new DescribeRuleCommand({ Name: 'nope', EventBusName: BUS }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  test('fireSchedule delivers a Scheduled Event to the schedule rule targets, with their Input', async () => {
    const event = bus.fireSchedule('NightlyRule');
    await bus.idle();
    expect(event).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/nightly'],
      detail: {},
    });
    expect(lambda.callsTo('report').map((c) => c.event)).toEqual([{ report: 'daily' }]);
    expect(bus.events().map((p) => p.matchedRules)).toEqual([['nightly']]);
    expect(() => bus.fireSchedule('welcome')).toThrow(/no ScheduleExpression/);
  });

  test('scheduleRules lists the schedule rules of every bus, whatever their state, with their targets', () => {
    expect(bus.scheduleRules()).toEqual([
      {
        name: 'nightly',
        logicalId: 'NightlyRule',
        arn: 'arn:aws:events:us-east-1:000000000000:rule/nightly',
        eventBusName: 'default',
        state: 'ENABLED',
        scheduleExpression: 'rate(1 day)',
        targets: [{ id: 'Report', arn: lambdaArn('report') }],
      },
      expect.objectContaining({ name: 'hourly', state: 'DISABLED', scheduleExpression: 'rate(1 hour)', description: 'every target kind' }),
    ]);
  });

  test("fireScheduleAndReport says what each target's first attempt came to; retries go on after it answers", async () => {
    lambda.failures.set('report', 1);
    const fired = await bus.fireScheduleAndReport('hourly');
    expect(fired.rule.logicalId).toBe('HourlyRule');
    expect(fired.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/hourly'],
    });
    expect(fired.targets).toEqual([
      { id: 'Report', arn: lambdaArn('report'), outcome: 'retrying', error: 'TooManyRequestsException: Rate exceeded' },
      { id: 'Audit', arn: queueArn('audit'), outcome: 'delivered' },
      {
        id: 'Gone',
        arn: lambdaArn('deleted-function'),
        outcome: 'failed',
        error: `ResourceNotFoundException: Function not found: ${lambdaArn('deleted-function')}`,
      },
      { id: 'Topic', arn: 'arn:aws:sns:us-east-1:000000000000:alerts', outcome: 'not-emulated' },
    ]);
    await bus.idle();
    // The throttled target got the event on its retry; the missing function was not retried.
    expect(lambda.callsTo('report')).toHaveLength(2);
    expect(lambda.callsTo('deleted-function')).toHaveLength(1);
    expect(sqs.peek('audit').map((m) => JSON.parse(m.body).id)).toEqual([fired.event.id]);
    await expect(bus.fireScheduleAndReport('big-orders')).rejects.toThrow(/no ScheduleExpression/);
    await expect(bus.fireScheduleAndReport('nope')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('a rule with an invalid pattern in the template is refused at start, naming the rule', () => {
    const broken = stackOf([rule('BrokenRule', 'broken', { EventPattern: { source: 'not-a-list' }, Targets: [] })]);
    expect(() => new EventBridgeService({ stack: broken, lambda, queues: sqs })).toThrow(/BrokenRule: Event pattern is not valid/);
  });
});
