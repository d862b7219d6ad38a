import type { ActivityEvent } from '../../../lambda/domain/activity';
import type { Engagement } from '../../../lambda/domain/engagement';
import { zeroCounts } from '../../../lambda/domain/engagement';
import type { User } from '../../../lambda/domain/users';
import { consumeActivity, serialisedPerKey } from '../../../lambda/analytics/engagement-consumer';
import type { EngagementStore } from '../../../lambda/analytics/engagement-store';
import { registerBatch } from '../../../lambda/users/batch-users';
import type { UserStore } from '../../../lambda/users/user-store';
import { eventIdFor, type PreparedEvent } from '../../../lambda/shared/events';
import { ConflictError } from '../../../lambda/shared/errors';

// In-memory adapters of the ports: these tests are about the orchestration
// (what is written where, and what happens when a step fails). The DynamoDB,
// Kinesis and S3 adapters are exercised against the emulators in test/integration.

const event = (n: number, overrides: Partial<ActivityEvent> = {}): ActivityEvent => ({
  eventId: `e${n}`,
  batchId: 'b',
  userId: 'u1',
  activityType: 'view',
  timestamp: `2026-11-27T10:00:${String(n).padStart(2, '0')}.000Z`,
  duration: 1,
  score: 0,
  receivedAt: '2026-11-27T10:01:00.000Z',
  correlationId: 'c',
  ...overrides,
});

describe('consumeActivity', () => {
  class MemoryEngagementStore implements EngagementStore {
    seen = new Set<string>();
    users = new Map<string, { total: number; count: number; last?: string; flag?: string }>();
    async count(e: ActivityEvent) {
      if (this.seen.has(e.eventId)) return false;
      this.seen.add(e.eventId);
      const user = this.users.get(e.userId) ?? { total: 0, count: 0 };
      this.users.set(e.userId, { ...user, total: user.total + e.score, count: user.count + 1 });
      return true;
    }
    async advanceLastActivity(e: ActivityEvent) {
      const user = this.users.get(e.userId)!;
      if (!user.last || user.last < e.timestamp) user.last = e.timestamp;
    }
    async flagHighEngagement(userId: string, at: string) {
      const user = this.users.get(userId)!;
      user.flag ??= at;
    }
    async get(userId: string) {
      return this.users.has(userId) ? this.toEngagement(userId) : undefined;
    }
    private toEngagement(userId: string): Engagement {
      const user = this.users.get(userId)!;
      return { userId, totalScore: user.total, eventCount: user.count, eventsByType: zeroCounts(), highEngagementAt: user.flag };
    }
  }

  const setup = (publish: (events: readonly PreparedEvent[]) => Promise<void> = async () => undefined) => {
    const store = new MemoryEngagementStore();
    const published: PreparedEvent[] = [];
    const deps = {
      store,
      threshold: 40,
      now: () => new Date('2026-11-27T12:00:00Z'),
      publish: async (events: readonly PreparedEvent[]) => {
        await publish(events);
        published.push(...events);
      },
    };
    return { store, published, deps };
  };

  it('counts an event once however often it is delivered, and keeps the latest activity', async () => {
    const { store, deps } = setup();
    const late = event(9, { score: 10 });
    const early = event(1, { score: 20 });
    expect(await consumeActivity(late, deps)).toBe('counted');
    expect(await consumeActivity(early, deps)).toBe('counted');
    expect(await consumeActivity(late, deps)).toBe('duplicate');
    expect(store.users.get('u1')).toMatchObject({ total: 30, count: 2, last: late.timestamp });
  });

  it('publishes HighEngagementDetected once, when the total reaches the threshold', async () => {
    const { published, deps } = setup();
    for (const n of [1, 2, 3, 4]) await consumeActivity(event(n, { score: 20, activityType: 'purchase' }), deps);
    await consumeActivity(event(2, { score: 20, activityType: 'purchase' }), deps); // a redelivery
    expect(published).toEqual([
      {
        detailType: 'HighEngagementDetected',
        data: { userId: 'u1', totalScore: 40, threshold: 40, eventCount: 2, detectedAt: '2026-11-27T12:00:00.000Z' },
        metadata: {
          eventId: eventIdFor('HighEngagementDetected', 'u1'),
          correlationId: expect.any(String),
          occurredAt: '2026-11-27T12:00:00.000Z',
          version: 1,
        },
      },
    ]);
  });

  it('sets no flag when publishing fails, so the redelivery publishes the same event (same id)', async () => {
    let failures = 1;
    const { store, published, deps } = setup(async () => {
      if (failures-- > 0) throw new Error('PutEvents failed');
    });
    await consumeActivity(event(1, { score: 30 }), deps);
    await expect(consumeActivity(event(2, { score: 30 }), deps)).rejects.toThrow('PutEvents failed');
    expect(store.users.get('u1')?.flag).toBeUndefined();
    expect(await consumeActivity(event(2, { score: 30 }), deps)).toBe('duplicate');
    expect(published.map((e) => [e.detailType, e.metadata.eventId])).toEqual([
      ['HighEngagementDetected', eventIdFor('HighEngagementDetected', 'u1')],
    ]);
    expect(store.users.get('u1')).toMatchObject({ total: 60, count: 2, flag: '2026-11-27T12:00:00.000Z' });
  });

  it('publishes the same event again when a crash came between publishing and the flag; consumers see one id', async () => {
    const { store, published, deps } = setup();
    const crashingFlag = {
      ...deps,
      store: Object.assign(Object.create(store), { flagHighEngagement: async () => Promise.reject(new Error('killed')) }),
    };
    await expect(consumeActivity(event(1, { score: 50 }), crashingFlag)).rejects.toThrow('killed');
    expect(await consumeActivity(event(1, { score: 50 }), deps)).toBe('duplicate');
    expect(published.map((e) => e.metadata.eventId)).toEqual([
      eventIdFor('HighEngagementDetected', 'u1'),
      eventIdFor('HighEngagementDetected', 'u1'),
    ]);
    expect(store.users.get('u1')?.flag).toBe('2026-11-27T12:00:00.000Z');
    await consumeActivity(event(2, { score: 50 }), deps); // flagged: no third publication
    expect(published).toHaveLength(2);
  });
});

describe('serialisedPerKey', () => {
  it('runs one key in order, even after a failure, and different keys side by side', async () => {
    const inOrder = serialisedPerKey();
    const log: string[] = [];
    let releaseA!: () => void;
    const gateA = new Promise<void>((resolve) => (releaseA = resolve));
    const a1 = inOrder('a', async () => {
      await gateA;
      log.push('a1');
      throw new Error('a1 failed');
    });
    const a2 = inOrder('a', async () => log.push('a2'));
    const b1 = inOrder('b', async () => log.push('b1'));
    await b1;
    expect(log).toEqual(['b1']); // b did not wait for a
    releaseA();
    await expect(a1).rejects.toThrow('a1 failed');
    await a2;
    expect(log).toEqual(['b1', 'a1', 'a2']);
  });
});

describe('registerBatch (POST /users/batch, one batch)', () => {
  class MemoryUserStore implements UserStore {
    users = new Map<string, User>();
    correlationIds = new Map<string, string>();
    constructor(private readonly failOn?: string) {}
    async create(user: User, correlationId = '') {
      if (user.email === this.failOn) throw new Error('ProvisionedThroughputExceeded');
      if ([...this.users.values()].some((u) => u.email === user.email)) throw new ConflictError('A user with this email already exists');
      this.users.set(user.userId, user);
      this.correlationIds.set(user.userId, correlationId);
    }
    async get(userId: string) {
      return this.users.get(userId);
    }
    async countUserCreated() {
      return true;
    }
  }
  const person = (n: number) => ({ name: `User ${n}`, email: `user${n}@example.com`, phone: '+14155550100' });
  const setup = (store: UserStore) => {
    let id = 0;
    return {
      users: store,
      correlationId: 'corr',
      newId: () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`,
      now: () => new Date('2026-11-27T10:00:00Z'),
    };
  };

  it('creates the valid users and reports invalid ones and taken emails; it only writes', async () => {
    const store = new MemoryUserStore();
    await store.create({ userId: 'x', createdAt: '', ...person(9) });
    const { results } = await registerBatch([person(1), { name: '' }, person(9), person(2)], setup(store));
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, 'created'],
      [1, 'invalid'],
      [2, 'conflict'],
      [3, 'created'],
    ]);
    expect(results[1]).toMatchObject({ problems: expect.arrayContaining([{ path: 'name', message: 'must be at least 1 character' }]) });
    expect(store.users.size).toBe(3);
    expect(store.correlationIds.get(results[0]!.status === 'created' ? results[0]!.user.userId : '')).toBe('corr');
  });

  it('throws when a store write fails for another reason than a taken email (so the batch is not cached); what it stored stays', async () => {
    const store = new MemoryUserStore('user2@example.com');
    await expect(registerBatch([person(1), person(2), person(3)], setup(store))).rejects.toThrow('ProvisionedThroughputExceeded');
    // Stored users keep their UserCreated (it goes out from the table's stream), so they are not removed.
    expect([...store.users.values()].map((u) => u.email).sort()).toEqual(['user1@example.com', 'user3@example.com']);
  });
});
