import { ACTIVITY_TYPES, type ActivityEvent, rawLogKey, toNdjson } from '../../../lambda/domain/activity';
import { buildActivityEvents, keyedBatchId, keyedEventId, keyGeneration } from '../../../lambda/domain/activity-batch';
import { chunk } from '../../../lambda/shared/chunks';

const USER = '0b0f7f4e-2d7c-4c1a-9a57-3f1b2c3d4e5f';

describe('raw log key layout', () => {
  it('is raw/YYYY/MM/DD/HH/<batchId>.ndjson by the UTC hour the batch was received', () => {
    expect(rawLogKey(new Date('2026-11-27T09:59:59.999Z'), 'b-1')).toBe('raw/2026/11/27/09/b-1.ndjson');
    expect(rawLogKey(new Date('2026-01-02T00:00:00Z'), 'b-2')).toBe('raw/2026/01/02/00/b-2.ndjson');
  });

  it('uses UTC, not the offset of the time given', () => {
    expect(rawLogKey(new Date('2026-12-31T23:30:00-02:00'), 'b')).toBe('raw/2027/01/01/01/b.ndjson');
  });

  it('names a part of a batch <batchId>.<part>.ndjson', () => {
    expect(rawLogKey(new Date('2026-11-27T09:15:00Z'), 'batch', '2')).toBe('raw/2026/11/27/09/batch.2.ndjson');
  });

  it('gives two batches of the same hour two keys', () => {
    const at = new Date('2026-11-27T10:00:00Z');
    expect(rawLogKey(at, 'a')).not.toBe(rawLogKey(at, 'b'));
  });
});

describe('NDJSON', () => {
  it('writes one complete JSON document a line, with a final newline', () => {
    const events = [{ eventId: 'a', note: 'line\nbreak' }, { eventId: 'b' }] as unknown as ActivityEvent[];
    const text = toNdjson(events);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').filter(Boolean);
    expect(lines.map((line) => JSON.parse(line))).toEqual(events);
  });
});

describe('building activity events', () => {
  const batch = { batchId: 'batch-1', receivedAt: new Date('2026-11-27T10:00:00Z'), correlationId: 'corr-1' };
  let n = 0;
  const newId = () => `id-${++n}`;

  it('gives each event its own id, its score, the batch and a UTC timestamp', () => {
    const events = buildActivityEvents(
      [
        { userId: USER, activityType: 'purchase', timestamp: '2026-11-27T11:00:00+01:00', duration: 90 },
        { userId: USER, activityType: 'view', timestamp: '2026-11-27T10:00:00Z', duration: 3, metadata: { page: '/' } },
      ],
      batch,
      newId,
    );
    expect(events).toEqual([
      {
        eventId: 'id-1',
        batchId: 'batch-1',
        userId: USER,
        activityType: 'purchase',
        timestamp: '2026-11-27T10:00:00.000Z',
        duration: 90,
        score: 30,
        receivedAt: '2026-11-27T10:00:00.000Z',
        correlationId: 'corr-1',
      },
      {
        eventId: 'id-2',
        batchId: 'batch-1',
        userId: USER,
        activityType: 'view',
        timestamp: '2026-11-27T10:00:00.000Z',
        duration: 3,
        metadata: { page: '/' },
        score: 0,
        receivedAt: '2026-11-27T10:00:00.000Z',
        correlationId: 'corr-1',
      },
    ]);
  });

  it('knows the fixed activity types', () => {
    expect(ACTIVITY_TYPES).toEqual(expect.arrayContaining(['view', 'click', 'search', 'add_to_cart', 'purchase']));
  });
});

describe('chunking', () => {
  it('splits 1,200 records into PutRecords calls of 500 and stats writes of 25, in order', () => {
    const items = Array.from({ length: 1_200 }, (_, i) => i);
    expect(chunk(items, 500).map((c) => c.length)).toEqual([500, 500, 200]);
    const writes = chunk(items, 25);
    expect(writes).toHaveLength(48);
    expect(writes.every((c) => c.length === 25)).toBe(true);
    expect(writes.flat()).toEqual(items);
  });

  it('keeps a short last chunk and makes none for nothing', () => {
    expect(chunk([1, 2, 3], 25)).toEqual([[1, 2, 3]]);
    expect(chunk([], 25)).toEqual([]);
  });
});

describe('ids derived from an Idempotency-Key', () => {
  const UUID_LAYOUT = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('are the same for the same key and index, every time', () => {
    expect(keyedEventId('client-key-1', 3)).toBe(keyedEventId('client-key-1', 3));
    expect(keyedBatchId('client-key-1')).toBe(keyedBatchId('client-key-1'));
    // Fixed values: a change of the derivation would break resends across a deployment.
    expect(keyedBatchId('client-key-1')).toBe('9a7554df-23aa-8d6c-85e7-bdb4b5614b0b');
    expect(keyedEventId('client-key-1', 0)).toBe('692494b4-7208-84f7-a826-25ac29c49e33');
  });

  it('differ by index, by key, and between the batch and its events', () => {
    const ids = [
      keyedBatchId('client-key-1'),
      keyedBatchId('client-key-2'),
      ...Array.from({ length: 500 }, (_, i) => keyedEventId('client-key-1', i)),
      ...Array.from({ length: 500 }, (_, i) => keyedEventId('client-key-2', i)),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    // No ambiguity between a key ending in digits and an index.
    expect(keyedEventId('client-key-1', 12)).not.toBe(keyedEventId('client-key-11', 2));
  });

  it('look like the random ids (UUID layout, version 8, RFC variant)', () => {
    for (const id of [keyedBatchId('k'.repeat(128)), keyedEventId('abcdefgh', 0), keyedEventId('a.b_c:d-e', 499)]) {
      expect(id).toMatch(UUID_LAYOUT);
    }
  });
});

describe('keyGeneration', () => {
  it('gives a resend (same claim) the same ids, and a key reused after its claim expired new ids', () => {
    const first = new Date('2026-11-27T10:00:00Z');
    const afterExpiry = new Date('2026-11-28T10:00:01Z');
    expect(keyedEventId(keyGeneration('client-key-1', first), 0)).toBe(keyedEventId(keyGeneration('client-key-1', first), 0));
    expect(keyedEventId(keyGeneration('client-key-1', afterExpiry), 0)).not.toBe(keyedEventId(keyGeneration('client-key-1', first), 0));
    expect(keyedBatchId(keyGeneration('client-key-1', afterExpiry))).not.toBe(keyedBatchId(keyGeneration('client-key-1', first)));
  });
});
