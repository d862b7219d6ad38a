import { MAX_EVENTS_PER_REQUEST, MAX_METADATA_BYTES } from '../../../lambda/domain/activity';
import { parseActivityRequest, validateActivityRequest } from '../../../lambda/analytics/activity-request';
import { ValidationError } from '../../../lambda/shared/errors';

const USER = '0b0f7f4e-2d7c-4c1a-9a57-3f1b2c3d4e5f';
const good = (overrides: Record<string, unknown> = {}) => ({
  userId: USER,
  activityType: 'click',
  timestamp: '2026-11-27T10:15:00Z',
  duration: 12,
  ...overrides,
});

function problemsOf(body: unknown) {
  try {
    validateActivityRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('per-event validation of POST /activity', () => {
  it('accepts one event on its own', () => {
    expect(validateActivityRequest(good())).toEqual({ accepted: [{ index: 0, input: good() }], rejected: [] });
  });

  it('accepts a userId in upper case and keeps it in lower case', () => {
    expect(validateActivityRequest(good({ userId: USER.toUpperCase() })).accepted[0]!.input.userId).toBe(USER);
  });

  it('keeps the good events of a partly bad batch and lists every reason of each bad one by index', () => {
    const result = validateActivityRequest({
      events: [
        good(),
        good({ duration: -1, activityType: 'scroll' }),
        good({ metadata: { page: '/p/1' }, timestamp: '2026-11-27T11:15:00+01:00' }),
        'not an event',
        good({ userId: 'u1', extra: true }),
      ],
    });
    expect(result.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(result.rejected).toEqual([
      {
        index: 1,
        reasons: [
          { path: 'activityType', message: 'must be one of: view, click, search, add_to_cart, purchase' },
          { path: 'duration', message: 'must be at least 0' },
        ],
      },
      { index: 3, reasons: [{ path: '(event)', message: 'must be an object' }] },
      {
        index: 4,
        reasons: [
          { path: 'userId', message: 'must be a UUID' },
          { path: '(event)', message: 'has unknown fields: extra' },
        ],
      },
    ]);
  });

  it('rejects timestamps that are not ISO date-times, missing fields and oversized metadata', () => {
    const { rejected } = validateActivityRequest({
      events: [
        good(),
        good({ timestamp: 'yesterday' }),
        { userId: USER },
        good({ metadata: { blob: 'x'.repeat(MAX_METADATA_BYTES) } }),
        good({ duration: Number.POSITIVE_INFINITY }),
      ],
    });
    expect(rejected).toEqual([
      { index: 1, reasons: [{ path: 'timestamp', message: 'must be an ISO 8601 date-time, e.g. 2026-11-27T10:15:00Z' }] },
      {
        index: 2,
        reasons: [
          { path: 'activityType', message: 'is required' },
          { path: 'timestamp', message: 'is required' },
          { path: 'duration', message: 'is required' },
        ],
      },
      { index: 3, reasons: [{ path: 'metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` }] },
      { index: 4, reasons: [{ path: 'duration', message: expect.any(String) }] },
    ]);
  });

  it('answers 400 when nothing is valid, with each problem at its event', () => {
    expect(problemsOf({ events: [good({ duration: -5 }), 42] })).toEqual([
      { path: 'events.0.duration', message: 'must be at least 0' },
      { path: 'events.1', message: 'must be an object' },
    ]);
    expect(problemsOf(good({ duration: 'long' }))).toEqual([{ path: 'duration', message: 'must be a number' }]);
  });

  it('answers 400 for a wrong envelope: empty, too many events, not a list', () => {
    expect(problemsOf({ events: [] })).toEqual([{ path: 'events', message: 'must have at least 1 item' }]);
    const tooMany = Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, () => good());
    expect(problemsOf({ events: tooMany })).toEqual([{ path: 'events', message: `must have at most ${MAX_EVENTS_PER_REQUEST} items` }]);
    expect(problemsOf({ events: 'x' })).toEqual([{ path: 'events', message: 'must be an array' }]);
    expect(problemsOf(null)).toEqual([{ path: '(body)', message: 'must be an object' }]);
  });

  it('takes the largest batch allowed', () => {
    const all = Array.from({ length: MAX_EVENTS_PER_REQUEST }, () => good());
    expect(validateActivityRequest({ events: all }).accepted).toHaveLength(MAX_EVENTS_PER_REQUEST);
  });
});

describe('the Idempotency-Key of POST /activity', () => {
  const KEY_PROBLEM = { path: 'Idempotency-Key', message: 'must be 8-128 letters, digits, ".", "_", ":" or "-"' };
  const problemsWith = (body: unknown, key: string | undefined) => {
    try {
      parseActivityRequest(body, key);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).problems;
    }
    throw new Error('expected a ValidationError');
  };

  it('is optional: without it the request is validated as before', () => {
    expect(parseActivityRequest(good(), undefined)).toEqual({ accepted: [{ index: 0, input: good() }], rejected: [] });
    expect(parseActivityRequest(good(), undefined)).not.toHaveProperty('idempotencyKey');
  });

  it('accepts 8 to 128 letters, digits, ".", "_", ":" and "-"', () => {
    for (const key of ['abcdefgh', 'a'.repeat(128), 'Order-2026.11:27_x', '0123456789']) {
      expect(parseActivityRequest(good(), key)).toMatchObject({ idempotencyKey: key });
    }
  });

  it('rejects anything else with a 400 naming the header', () => {
    for (const key of ['', 'short', 'a'.repeat(129), 'has space', 'has#hash', 'slash/key', 'ünïcode-key']) {
      expect(problemsWith(good(), key)).toEqual([KEY_PROBLEM]);
    }
  });

  it('lists a bad key and a bad body in one 400', () => {
    expect(problemsWith({ events: [] }, 'bad key')).toEqual([KEY_PROBLEM, { path: 'events', message: expect.any(String) }]);
  });
});
