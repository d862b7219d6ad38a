/**
 * EventBridge as AWS judges it: a table of the EventBridge user guide's own
 * pattern examples ("Comparison operators", "Considerations when creating
 * event patterns"), each a match, a no-match or a refusal with AWS's reason,
 * and TestEventPattern's event validation (API reference; `resources` is not
 * required in practice).
 */
import { testEventPattern } from '../../../src/eventbridge/events';
import { compileEventPattern, InvalidEventPatternError } from '../../../src/eventbridge/pattern';

const event = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: '1',
  source: 'test-source',
  'detail-type': 'EC2 Instance State-change Notification',
  account: '123456789012',
  region: 'us-east-2',
  time: '2017-10-02T18:43:48Z',
  resources: [],
  detail,
  ...extra,
});

type Case = [description: string, pattern: object, event: object, expected: boolean];

const cases: Case[] = [
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, event({}), true],
  ['prefix, no match', { time: [{ prefix: '2017-10-03' }] }, event({}), false],
  ['empty prefix matches any string', { source: [{ prefix: '' }] }, event({}), true],
  ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'TEST-' } }] }, event({}), true],
  ['suffix', { detail: { FileName: [{ suffix: '.png' }] } }, event({ FileName: 'image.png' }), true],
  [
    'suffix ignoring case',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.PNG' } }] } },
    event({ FileName: 'image.png' }),
    true,
  ],
  ['anything-but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, event({ state: 'running' }), true],
  ['anything-but a string, no match', { detail: { state: [{ 'anything-but': 'initializing' }] } }, event({ state: 'initializing' }), false],
  ['anything-but a number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, event({ 'x-limit': 456 }), true],
  ['anything-but a list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, event({ state: 'stopped' }), false],
  ['anything-but a prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, event({ state: 'initializing' }), false],
  [
    'anything-but a list of prefixes',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] } },
    event({ state: 'post-init' }),
    true,
  ],
  [
    'anything-but a list of prefixes, no match',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] } },
    event({ state: 'test-1' }),
    false,
  ],
  ['anything-but a suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, event({ FileName: 'file.txt.bak' }), true],
  [
    'anything-but a list of suffixes',
    { detail: { FileName: [{ 'anything-but': { suffix: ['.txt', '.bak'] } }] } },
    event({ FileName: 'file.txt.bak' }),
    false,
  ],
  [
    'anything-but ignoring case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    event({ state: 'STOPPED' }),
    false,
  ],
  [
    'anything-but a wildcard',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event({ FilePath: '/user/me/file' }),
    true,
  ],
  ['anything-but never matches a missing field', { detail: { state: [{ 'anything-but': 'x' }] } }, event({}), false],
  [
    'numeric range, bound and equality',
    {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    event({ 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 }),
    true,
  ],
  ['numeric, no match', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, event({ 'c-count': 6 }), false],
  ['cidr', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, event({ sourceIPAddress: '10.0.0.255' }), true],
  ['cidr, no match', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, event({ sourceIPAddress: '10.0.1.1' }), false],
  ['exists', { detail: { state: [{ exists: true }] } }, event({ state: 'x' }), true],
  ['exists: false', { detail: { state: [{ exists: false }] } }, event({}), true],
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, event({}), true],
  [
    'wildcard',
    { detail: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] } },
    event({ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/main' }),
    true,
  ],
  [
    '$or',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } },
    event({ 'd-count': 7 }),
    true,
  ],
  ['dot-joined pattern key, nested event', { detail: { 'state.status': ['running'] } }, event({ state: { status: 'running' } }), true],
  ['nested pattern, dot-joined event key', { detail: { state: { status: ['running'] } } }, event({ 'state.status': 'running' }), true],
  ['dot-joined key, no match', { detail: { 'state.status': ['running'] } }, event({ state: { status: 'stopped' } }), false],
];

const invalid: Array<[description: string, pattern: object, reason: string]> = [
  ['anything-but an empty prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'Null prefix/suffix not allowed'],
  ['anything-but an empty suffix', { a: [{ 'anything-but': { suffix: '' } }] }, 'Null prefix/suffix not allowed'],
  [
    'anything-but a prefix ignoring case',
    { a: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] },
    'Value of anything-but must be an array or single string/number value.',
  ],
  ['anything-but null', { a: [{ 'anything-but': null }] }, 'Value of anything-but must be an array or single string/number value.'],
  [
    'anything-but a list with null',
    { a: [{ 'anything-but': ['a', null] }] },
    'Inside anything but list, start|null|boolean is not supported.',
  ],
  [
    'anything-but ignoring case, a number',
    { a: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
    'Inside anything-but/ignore-case list, number|start|null|boolean is not supported.',
  ],
  ['equals-ignore-case with a list', { a: [{ 'equals-ignore-case': ['x', 'y'] }] }, 'equals-ignore-case match pattern must be a string'],
  [
    'equals-ignore-case with a prefix',
    { a: [{ 'equals-ignore-case': { prefix: 'ec2' } }] },
    'equals-ignore-case match pattern must be a string',
  ],
  ['wildcard with a list', { a: [{ wildcard: ['*a', 'b*'] }] }, 'wildcard match pattern must be a string'],
  ['wildcard with consecutive stars', { a: [{ wildcard: 'a**' }] }, 'Consecutive wildcard characters at pos 2'],
  ['prefix of a number', { a: [{ prefix: 1 }] }, 'prefix match pattern must be a string'],
  ['cidr with a bad mask', { a: [{ cidr: '10.0.0.0/abc' }] }, 'Malformed CIDR, mask bits must be an integer'],
];

describe('EventBridge user guide examples', () => {
  test.each(cases)('%s', (_description, pattern, evt, expected) => {
    expect(compileEventPattern(pattern).matches(evt)).toBe(expected);
    expect(testEventPattern(JSON.stringify(pattern), JSON.stringify(evt))).toBe(expected);
  });

  test.each(invalid)('refuses %s', (_description, pattern, reason) => {
    let caught: unknown;
    try {
      compileEventPattern(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    expect((caught as Error).message).toMatch(
      new RegExp(`^Event pattern is not valid\\. Reason: ${reason.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });
});

describe('TestEventPattern event validation', () => {
  const pattern = JSON.stringify({ source: ['test-source'] });

  test('takes an event without resources, as AWS does', () => {
    const { resources: _resources, ...withoutResources } = event({});
    expect(testEventPattern(pattern, JSON.stringify(withoutResources))).toBe(true);
  });

  test.each(['id', 'account', 'source', 'time', 'region', 'detail-type'])('refuses an event without %s', (field) => {
    const incomplete: Record<string, unknown> = event({});
    delete incomplete[field];
    expect(() => testEventPattern(pattern, JSON.stringify(incomplete))).toThrow(
      expect.objectContaining({ code: 'ValidationException', message: 'Parameter Event is not valid.' }),
    );
  });

  test('refuses an event that is not a JSON object', () => {
    expect(() => testEventPattern(pattern, '[1]')).toThrow('Parameter Event is not valid.');
    expect(() => testEventPattern(pattern, '{')).toThrow('Parameter Event is not valid.');
  });
});
