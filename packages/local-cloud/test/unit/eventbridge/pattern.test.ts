/**
 * The event-pattern language, table-tested against the examples of AWS's
 * EventBridge user guide (event patterns, content filtering / comparison
 * operators, arrays, null and empty values), each with the events it must and
 * must not match, and the patterns EventBridge refuses.
 */
import { compileEventPattern, InvalidEventPatternError, matchesEventPattern, validateEventPattern } from '../../../src/eventbridge/pattern';

/** The EC2 state-change event of the user guide's "Creating event patterns" page. */
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** An event whose detail is `detail` (everything else from the EC2 example). */
const withDetail = (detail: Record<string, unknown>) => ({ ...ec2Event, detail });

type Case = [description: string, pattern: object, event: object, expected: boolean];

const cases: Case[] = [
  // ---- exact values, alternatives, nesting (Creating event patterns / Matching event values)
  [
    'source, detail-type and detail.state all match',
    { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } },
    ec2Event,
    true,
  ],
  ['one field differs', { source: ['aws.ec2'], detail: { state: ['running'] } }, ec2Event, false],
  ['alternatives: aws.ec2 or aws.fargate', { source: ['aws.ec2', 'aws.fargate'] }, ec2Event, true],
  ['alternatives that do not include the value', { source: ['aws.fargate', 'aws.ecs'] }, ec2Event, false],
  ['a pattern field the event lacks', { detail: { 'instance-type': ['t3.micro'] } }, ec2Event, false],
  ['matching is case-sensitive', { source: ['AWS.EC2'] }, ec2Event, false],
  ['a string never equals a number', { detail: { count: ['5'] } }, withDetail({ count: 5 }), false],
  ['numbers compare by value (3.018e2 is 301.8)', { detail: { 'x-limit': [3.018e2] } }, withDetail({ 'x-limit': 301.8 }), true],
  ['booleans', { detail: { enabled: [true] } }, withDetail({ enabled: true }), true],
  ['booleans, no match', { detail: { enabled: [true] } }, withDetail({ enabled: false }), false],

  // ---- arrays (Arrays in event patterns)
  [
    'event array intersects the pattern values',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
    {
      ...ec2Event,
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:asg',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    true,
  ],
  [
    'event array disjoint from the pattern values',
    { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
    { ...ec2Event, resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    false,
  ],
  [
    'nested pattern over an array of objects: one element matches it all',
    { detail: { items: { sku: ['b'], qty: [2] } } },
    withDetail({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
    }),
    true,
  ],
  [
    'nested pattern over an array of objects: fields of different elements never combine',
    { detail: { items: { sku: ['a'], qty: [2] } } },
    withDetail({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
    }),
    false,
  ],

  // ---- null and empty strings (Matching null values and empty strings)
  ['empty string', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: '', responseElements: null }), true],
  ['null', { detail: { responseElements: [null] } }, withDetail({ eventVersion: '', responseElements: null }), true],
  [
    'an empty-string pattern does not match null',
    { detail: { responseElements: [''] } },
    withDetail({ eventVersion: '', responseElements: null }),
    false,
  ],
  [
    'a null pattern does not match an empty string',
    { detail: { eventVersion: [null] } },
    withDetail({ eventVersion: '', responseElements: null }),
    false,
  ],
  ['a null pattern does not match a missing field', { detail: { userId: [null] } }, withDetail({ eventVersion: '' }), false],

  // ---- prefix (Prefix matching, with and without ignoring case)
  ['prefix of time', { time: [{ prefix: '2017-12-22' }] }, ec2Event, true],
  ['prefix of time, other day', { time: [{ prefix: '2017-10-02' }] }, ec2Event, false],
  ['European regions: prefix eu-', { source: ['aws.ec2'], region: [{ prefix: 'eu-' }] }, ec2Event, false],
  ['US regions: prefix us-', { region: [{ prefix: 'us-' }] }, ec2Event, true],
  [
    'prefix ignoring case',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    withDetail({ service: 'eventbridge' }),
    true,
  ],
  [
    'prefix ignoring case, other prefix',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    withDetail({ service: 'lambda' }),
    false,
  ],
  ['prefix only applies to strings', { detail: { code: [{ prefix: '12' }] } }, withDetail({ code: 123 }), false],

  // ---- suffix
  ['suffix .png', { detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'image.png' }), true],
  ['suffix is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'image.PNG' }), false],
  [
    'suffix ignoring case',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    withDetail({ FileName: 'image.PNG' }),
    true,
  ],
  [
    'suffix ignoring case, other extension',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    withDetail({ FileName: 'image.jpg' }),
    false,
  ],

  // ---- anything-but
  ['anything-but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'running' }), true],
  [
    'anything-but the same string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    withDetail({ state: 'initializing' }),
    false,
  ],
  ['anything-but a number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 456 }), true],
  ['anything-but the same number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 123 }), false],
  [
    'anything-but a list of strings',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    withDetail({ state: 'running' }),
    true,
  ],
  [
    'anything-but a list of strings, listed value',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    withDetail({ state: 'overloaded' }),
    false,
  ],
  [
    'anything-but a list of numbers',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    withDetail({ 'x-limit': 250 }),
    true,
  ],
  [
    'anything-but a list of numbers, listed value',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    withDetail({ 'x-limit': 200 }),
    false,
  ],
  ['anything-but a prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'running' }), true],
  [
    'anything-but a prefix, prefixed value',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    withDetail({ state: 'initializing' }),
    false,
  ],
  ['anything-but a suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, withDetail({ FileName: 'notes.md' }), true],
  [
    'anything-but a suffix, suffixed value',
    { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    withDetail({ FileName: 'notes.txt' }),
    false,
  ],
  [
    'anything-but ignoring case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Overloaded'] } }] } },
    withDetail({ state: 'running' }),
    true,
  ],
  [
    'anything-but ignoring case, other casing of a listed value',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Overloaded'] } }] } },
    withDetail({ state: 'STOPPED' }),
    false,
  ],
  [
    'anything-but a wildcard',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    withDetail({ FilePath: '/usr/bin/node' }),
    true,
  ],
  [
    'anything-but a wildcard, matching path',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    withDetail({ FilePath: '/usr/lib/node' }),
    false,
  ],
  [
    'anything-but needs a value: a missing field does not match',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    withDetail({}),
    false,
  ],
  [
    'anything-but over an array: any other element matches',
    { detail: { tags: [{ 'anything-but': 'x' }] } },
    withDetail({ tags: ['x', 'y'] }),
    true,
  ],

  // ---- numeric
  ...((): Case[] => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    return [
      ['numeric: range, upper bound, equality all hold', pattern, withDetail({ 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 }), true],
      ['numeric: > 0 excludes 0', pattern, withDetail({ 'c-count': 0, 'd-count': 7, 'x-limit': 301.8 }), false],
      ['numeric: <= 5 excludes 5.5', pattern, withDetail({ 'c-count': 5.5, 'd-count': 7, 'x-limit': 301.8 }), false],
      ['numeric: < 10 excludes 10', pattern, withDetail({ 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 }), false],
      ['numeric: = 301.8 excludes 301', pattern, withDetail({ 'c-count': 1, 'd-count': 1, 'x-limit': 301 }), false],
      ['numeric only matches JSON numbers', { detail: { 'c-count': [{ numeric: ['>', 0] }] } }, withDetail({ 'c-count': '3' }), false],
      ['numeric >= includes the bound', { detail: { price: [{ numeric: ['>=', 10, '<', 20] }] } }, withDetail({ price: 10 }), true],
    ];
  })(),

  // ---- IP addresses (cidr)
  [
    'IPv4 address inside the block',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    withDetail({ sourceIPAddress: '10.0.0.123' }),
    true,
  ],
  [
    'IPv4 address outside the block',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    withDetail({ sourceIPAddress: '10.0.1.1' }),
    false,
  ],
  [
    'IPv6 address inside the block',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    withDetail({ sourceIPAddress: '2001:db8::ff00:42:8329' }),
    true,
  ],
  [
    'IPv6 address outside the block',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    withDetail({ sourceIPAddress: '2001:db8:0:1::1' }),
    false,
  ],
  [
    'an IPv4 address is not in an IPv6 block',
    { detail: { sourceIPAddress: [{ cidr: '::/0' }] } },
    withDetail({ sourceIPAddress: '10.0.0.1' }),
    false,
  ],
  [
    'a non-address never matches a cidr',
    { detail: { sourceIPAddress: [{ cidr: '0.0.0.0/0' }] } },
    withDetail({ sourceIPAddress: 'localhost' }),
    false,
  ],

  // ---- exists (leaf nodes only)
  ['exists: true on a present field', { detail: { state: [{ exists: true }] } }, ec2Event, true],
  ['exists: false on a present field', { detail: { state: [{ exists: false }] } }, ec2Event, false],
  ['exists: false on a missing field', { detail: { 'c-count': [{ exists: false }] } }, ec2Event, true],
  ['exists: true on a missing field', { detail: { 'c-count': [{ exists: true }] } }, ec2Event, false],
  ['exists: true on an object is not a leaf', { detail: { state: [{ exists: true }] } }, withDetail({ state: { name: 'running' } }), false],
  ['exists: false under a missing parent', { detail: { nested: { flag: [{ exists: false }] } } }, ec2Event, true],
  ['exists: true on a null value', { detail: { responseElements: [{ exists: true }] } }, withDetail({ responseElements: null }), true],

  // ---- equals-ignore-case
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ec2Event, true],
  ['equals-ignore-case is still equality', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change' }] }, ec2Event, false],

  // ---- wildcard
  [
    'wildcard: file with a .png extension in dir',
    { detail: { FileName: [{ wildcard: 'dir/*.png' }] } },
    withDetail({ FileName: 'dir/image.png' }),
    true,
  ],
  ['wildcard: other extension', { detail: { FileName: [{ wildcard: 'dir/*.png' }] } }, withDetail({ FileName: 'dir/image.jpg' }), false],
  [
    'wildcard is anchored at both ends',
    { detail: { FileName: [{ wildcard: 'dir/*.png' }] } },
    withDetail({ FileName: 'other/dir/image.png' }),
    false,
  ],
  ['wildcard: several stars', { resources: [{ wildcard: 'arn:aws:ec2:*:*:instance/*' }] }, ec2Event, true],
  ['wildcard: an escaped star is literal', { detail: { name: [{ wildcard: 'a\\*b' }] } }, withDetail({ name: 'a*b' }), true],
  [
    'wildcard: an escaped star does not match other characters',
    { detail: { name: [{ wildcard: 'a\\*b' }] } },
    withDetail({ name: 'axb' }),
    false,
  ],

  // ---- $or
  ...((): Case[] => {
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    return [
      ['$or: the second alternative holds', pattern, withDetail({ 'd-count': 7 }), true],
      ['$or: no alternative holds', pattern, withDetail({ 'c-count': 9, 'd-count': 12 }), false],
      [
        '$or at the top level, with other fields ANDed',
        { source: ['aws.ec2'], $or: [{ 'detail-type': ['Nope'] }, { detail: { state: ['terminated'] } }] },
        ec2Event,
        true,
      ],
      [
        '$or at the top level, the ANDed field fails',
        { source: ['aws.s3'], $or: [{ 'detail-type': ['EC2 Instance State-change Notification'] }, { detail: { state: ['terminated'] } }] },
        ec2Event,
        false,
      ],
    ];
  })(),

  // ---- several operators on one field are alternatives
  ['prefix or numeric on one field', { detail: { v: [{ prefix: 'x' }, { numeric: ['>', 10] }] } }, withDetail({ v: 11 }), true],
  ['exact or exists: false', { detail: { v: ['a', { exists: false }] } }, withDetail({}), true],
];

describe('event pattern matching (AWS user guide examples)', () => {
  test.each(cases)('%s', (_description, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  test('a pattern given as a JSON string matches like the object', () => {
    const compiled = compileEventPattern('{"source":["aws.ec2"],"detail":{"state":["terminated"]}}');
    expect(compiled.matches(ec2Event)).toBe(true);
    expect(compiled.matches({ ...ec2Event, source: 'aws.s3' })).toBe(false);
  });

  test('a compiled pattern never throws on odd events', () => {
    const compiled = compileEventPattern({ detail: { a: { b: [{ numeric: ['>', 1] }] } } });
    for (const event of [null, 42, 'text', [], { detail: 'x' }, { detail: [1, [2]] }]) expect(compiled.matches(event)).toBe(false);
  });
});

describe('event pattern validation', () => {
  // Reasons as AWS words them (event-ruler's messages), then the path of the problem.
  const invalid: Array<[description: string, pattern: string | object, reason: RegExp]> = [
    ['not JSON', '{"source": ', /not valid JSON/],
    ['not an object', '["aws.ec2"]', /Reason: Filter is not an object/],
    ['empty pattern', {}, /Empty objects are not allowed/],
    ['a field mapped to a bare string', { source: 'aws.ec2' }, /Reason: "source" must be an object or an array at "source"/],
    ['an empty list of values', { source: [] }, /Reason: Empty arrays are not allowed at "source"/],
    ['nested arrays', { source: [['aws.ec2']] }, /Reason: Match value must be String, number, true, false, or null/],
    ['an unknown operator', { detail: { a: [{ contains: 'x' }] } }, /Reason: Unrecognized match type contains at "detail\.a"/],
    ['two operators in one object', { a: [{ prefix: 'a', suffix: 'b' }] }, /Reason: Only one key allowed in match expression/],
    ['prefix of a number', { a: [{ prefix: 1 }] }, /Reason: prefix match pattern must be a string/],
    ['exists with a string', { a: [{ exists: 'yes' }] }, /Reason: exists match pattern must be either true or false\./],
    ['numeric with a string bound', { a: [{ numeric: ['>', 'x'] }] }, /Reason: Value of > must be numeric/],
    ['numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }, /Reason: Unrecognized numeric range operator: !=/],
    ['numeric range upside down', { a: [{ numeric: ['>', 5, '<', 1] }] }, /Reason: Bottom must be less than top/],
    ['numeric "=" combined with a bound', { a: [{ numeric: ['=', 1, '<', 5] }] }, /Reason: Too many elements in numeric expression/],
    ['numeric with two lower bounds', { a: [{ numeric: ['>', 1, '>=', 2] }] }, /Reason: Bad numeric range operator: >=/],
    ['numeric beyond the allowed range', { a: [{ numeric: ['<', 1e10] }] }, /between -5\.0E9 and 5\.0E9/],
    ['cidr prefix too long', { a: [{ cidr: '10.0.0.0/33' }] }, /Reason: Nonstandard IP address: 10\.0\.0\.0/],
    ['cidr that is no address', { a: [{ cidr: 'not-an-ip/8' }] }, /Reason: Nonstandard IP address: not-an-ip/],
    ['cidr without a mask', { a: [{ cidr: '10.1.2.3' }] }, /Reason: Malformed CIDR, one '\/' required/],
    ['consecutive wildcards', { a: [{ wildcard: 'a**b' }] }, /Reason: Consecutive wildcard characters at pos 2/],
    ['a bad wildcard escape', { a: [{ wildcard: 'a\\b' }] }, /invalid escape/],
    [
      'anything-but with a mixed list',
      { a: [{ 'anything-but': ['a', 1] }] },
      /Reason: Inside anything but list, either all values are number or string/,
    ],
    ['anything-but numeric', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, /Reason: Unsupported anything-but pattern: numeric/],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }, /at least two alternatives/],
    ['an invalid alternative inside $or', { $or: [{ a: ['x'] }, { b: 'y' }] }, /"\$or\.1\.b"/],
  ];

  test.each(invalid)('rejects %s', (_description, pattern, reason) => {
    let caught: unknown;
    try {
      validateEventPattern(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    expect((caught as Error).name).toBe('InvalidEventPatternException');
    expect((caught as Error).message).toMatch(/^Event pattern is not valid\. Reason: /);
    expect((caught as Error).message).toMatch(reason);
  });

  test('accepts every operator of the language', () => {
    expect(() =>
      validateEventPattern({
        source: ['a', 1, true, null, ''],
        detail: {
          p: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }, { suffix: 'x' }, { suffix: { 'equals-ignore-case': 'x' } }],
          b: [
            { 'anything-but': 'x' },
            { 'anything-but': [1, 2] },
            { 'anything-but': { prefix: 'x' } },
            { 'anything-but': { suffix: 'x' } },
          ],
          w: [{ 'anything-but': { wildcard: ['*a', 'b*'] } }, { 'anything-but': { 'equals-ignore-case': 'x' } }, { wildcard: '*' }],
          n: [{ numeric: ['=', 0] }, { numeric: ['<=', 5] }, { numeric: ['>=', -5, '<', 5] }],
          i: [{ cidr: '192.168.0.0/16' }, { cidr: '2001:db8::/32' }, { cidr: '10.1.2.3/32' }],
          e: [{ exists: true }, { 'equals-ignore-case': 'x' }],
          $or: [{ x: ['1'] }, { y: { z: ['2'] } }],
        },
      }),
    ).not.toThrow();
  });
});
