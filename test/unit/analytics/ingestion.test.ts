/**
 * The ingestion's order of writes (lambda/analytics/ingestion.ts) and its answer
 * (activity-answer.ts), on in-memory adapters that behave as the AWS ones do:
 * the stream appends (no conditional put), S3 never overwrites (IfNoneMatch),
 * stats items are keyed by event id, ledger plans are conditional on the
 * version. Each store call can be failed or the attempt "killed" after any
 * call (every later call of that attempt has no effect); then the request is
 * resent until it is answered 202 with every event accepted, and the stream
 * (by event id), the raw log and the stats must hold every event exactly once.
 */
import type { ActivityEvent } from '../../../lambda/domain/activity';
import { type BatchLedger, EMPTY_LEDGER, recordStreamed } from '../../../lambda/domain/activity-ledger';
import { activityAnswer } from '../../../lambda/analytics/activity-answer';
import type { ActivityStore } from '../../../lambda/analytics/activity-store';
import type { BatchLedgers, BatchRef } from '../../../lambda/analytics/batch-ledger-store';
import { ingest, type IndexedEvent } from '../../../lambda/analytics/ingestion';

const event = (n: number): ActivityEvent => ({
  eventId: `e${n}`,
  batchId: 'b',
  userId: `u${n % 3}`,
  activityType: 'view',
  timestamp: `2026-11-27T10:00:${String(n).padStart(2, '0')}.000Z`,
  duration: 1,
  score: 0,
  receivedAt: '2026-11-27T10:01:00.000Z',
  correlationId: 'c',
});
const requestOf = (n: number): IndexedEvent[] => Array.from({ length: n }, (_, i) => ({ index: i * 2, event: event(i * 2) }));
const batch = { key: 'k', receivedAt: new Date('2026-11-27T10:30:00Z'), batchId: 'batch-7' };

type Step = 'stream' | 'recordStreamed' | 'storeRawLog' | 'writeStats' | 'recordStored';
/** Decides, for each call, whether it fails (`fail`), dies with the attempt (`kill`), or refuses some records (`refuse`). */
type Faults = (step: Step, call: number) => 'ok' | 'fail' | 'kill';

/** The AWS-like world: what the stream, the bucket, the stats and the claim hold, across attempts. */
class World implements ActivityStore, BatchLedgers {
  readonly streamed: string[] = [];
  readonly objects = new Map<string, string[]>();
  readonly stats = new Map<string, number>();
  ledger: BatchLedger = EMPTY_LEDGER;
  faults: Faults = () => 'ok';
  refuse: (e: ActivityEvent) => boolean = () => false;
  private calls = 0;
  private killed = false;

  /** A new attempt (a new invocation): nothing is killed yet. */
  attempt(faults: Faults = () => 'ok', refuse: (e: ActivityEvent) => boolean = () => false) {
    this.faults = faults;
    this.refuse = refuse;
    this.killed = false;
  }
  private enter(step: Step) {
    if (this.killed) throw new Error('killed');
    const decision = this.faults(step, this.calls++);
    if (decision === 'fail') throw Object.assign(new Error(`${step} failed`), { name: 'InternalServerError' });
    return decision;
  }
  private leave(decision: string) {
    if (decision === 'kill') this.killed = true;
  }

  async stream(events: readonly ActivityEvent[]) {
    const decision = this.enter('stream');
    const refusing = events.map((e) => this.refuse(e));
    const refused = events.flatMap((_, index) => (refusing[index] ? [{ index, errorCode: 'ProvisionedThroughputExceededException' }] : []));
    this.streamed.push(...events.filter((_, index) => !refusing[index]).map((e) => e.eventId));
    this.leave(decision);
    return refused;
  }
  async storeRawLog(key: string, events: readonly ActivityEvent[]) {
    const decision = this.enter('storeRawLog');
    if (!this.objects.has(key))
      this.objects.set(
        key,
        events.map((e) => e.eventId),
      );
    else expect(this.objects.get(key)).toEqual(events.map((e) => e.eventId)); // a part never changes
    this.leave(decision);
  }
  async writeStats(events: readonly ActivityEvent[]) {
    const decision = this.enter('writeStats');
    for (const e of events) this.stats.set(e.eventId, (this.stats.get(e.eventId) ?? 0) + 1);
    this.leave(decision);
  }
  async claim() {
    return { kind: 'claimed' as const, receivedAt: batch.receivedAt, ledger: this.ledger };
  }
  async recordStreamed(_batch: BatchRef, seen: BatchLedger, took: readonly number[]) {
    // As the adapter: nothing to record is no call; a plan from what is stored when the version moved on.
    const change = recordStreamed(seen.version === this.ledger.version ? seen : this.ledger, took);
    if (took.length === 0 && change.part === undefined) return change.next;
    const decision = this.enter('recordStreamed');
    this.ledger = { ...change.next, logged: this.ledger.logged, counted: this.ledger.counted };
    this.leave(decision);
    return this.ledger;
  }
  async recordStored(_batch: BatchRef, stored: { logged: readonly number[]; counted: readonly number[] }) {
    if (stored.logged.length + stored.counted.length === 0) return;
    const decision = this.enter('recordStored');
    this.ledger = {
      ...this.ledger,
      logged: new Set([...this.ledger.logged, ...stored.logged]),
      counted: new Set([...this.ledger.counted, ...stored.counted]),
    };
    this.leave(decision);
  }

  /** Each event id with how many raw-log objects hold it. */
  logged(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const ids of this.objects.values()) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }
}

/** One attempt as the handler makes it: claim, ingest, answer. */
async function send(world: World, events: readonly IndexedEvent[]) {
  const claim = await world.claim();
  const outcome = await ingest(events, batch, claim.ledger, { store: world, ledgers: world });
  return activityAnswer({ idempotencyKey: 'key-1', batchId: batch.batchId, events, invalid: [], outcome });
}

/** Resends without faults until the answer is a 202 with everything accepted. */
async function resendUntilDone(world: World, events: readonly IndexedEvent[]): Promise<number> {
  for (let resends = 1; resends <= 5; resends++) {
    world.attempt();
    const answer = await send(world, events);
    if (answer.status === 202 && (answer.body as { rejected: number }).rejected === 0) return resends;
  }
  throw new Error('not done after 5 resends');
}

function expectExactlyOnce(world: World, events: readonly IndexedEvent[]) {
  const ids = events.map(({ event: e }) => e.eventId).sort();
  expect([...new Set(world.streamed)].sort()).toEqual(ids); // consumers dedupe by id
  expect([...world.logged().keys()].sort()).toEqual(ids);
  expect([...world.logged().values()].every((n) => n === 1)).toBe(true);
  expect([...world.stats.keys()].sort()).toEqual(ids); // items keyed by id: a rewrite is the same item
}

describe('ingest, one attempt', () => {
  it('streams, logs in one part and counts every event, and answers 202 with each accepted id', async () => {
    const world = new World();
    const events = requestOf(3);
    const answer = await send(world, events);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      idempotencyKey: 'key-1',
      accepted: 3,
      rejected: 0,
      acceptedEvents: [
        { index: 0, eventId: 'e0', score: 0 },
        { index: 2, eventId: 'e2', score: 0 },
        { index: 4, eventId: 'e4', score: 0 },
      ],
    });
    expect([...world.objects]).toEqual([['raw/2026/11/27/10/batch-7.0.ndjson', ['e0', 'e2', 'e4']]]);
    expect(world.streamed).toEqual(['e0', 'e2', 'e4']);
    expectExactlyOnce(world, events);
  });

  it('keeps refused events out of the raw log and the stats, and answers them rejected (stream)', async () => {
    const world = new World();
    world.attempt(undefined, (e) => e.eventId === 'e2');
    const answer = await send(world, requestOf(3));
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      accepted: 2,
      rejectedEvents: [
        { index: 2, reasons: [{ path: '(stream)', message: 'was not delivered (ProvisionedThroughputExceededException); send it again' }] },
      ],
    });
    expect([...world.logged().keys()]).toEqual(['e0', 'e4']);
    expect([...world.stats.keys()]).toEqual(['e0', 'e4']);
  });

  it('answers 503 with nothing accepted when PutRecords fails as a whole, and stores nothing', async () => {
    const world = new World();
    world.attempt((step) => (step === 'stream' ? 'fail' : 'ok'));
    const answer = await send(world, requestOf(2));
    expect(answer).toMatchObject({ status: 503, body: { error: 'ServiceUnavailable', accepted: 0, rejected: 2 } });
    expect(world.objects.size + world.stats.size).toBe(0);
  });

  it.each(['storeRawLog', 'writeStats', 'recordStreamed'] as const)(
    'answers 503 Incomplete with the accepted ids and the key when %s fails after the stream took the events',
    async (failing) => {
      const world = new World();
      world.attempt((step) => (step === failing ? 'fail' : 'ok'));
      const answer = await send(world, requestOf(2));
      expect(answer).toMatchObject({
        status: 503,
        headers: { 'retry-after': '1' },
        body: { error: 'Incomplete', idempotencyKey: 'key-1', accepted: 2, acceptedEvents: [{ eventId: 'e0' }, { eventId: 'e2' }] },
      });
    },
  );

  it('answers 202 when only the final record failed: everything is stored, and a resend rewrites the same objects and items', async () => {
    const world = new World();
    const events = requestOf(2);
    world.attempt((step) => (step === 'recordStored' ? 'fail' : 'ok'));
    expect((await send(world, events)).status).toBe(202);
    world.attempt();
    expect((await send(world, events)).status).toBe(202);
    expectExactlyOnce(world, events);
    expect(world.streamed).toHaveLength(2); // recorded as streamed: not streamed again
  });
});

describe('ingest, resent after a failure or a crash anywhere', () => {
  const events = requestOf(4);
  // An attempt makes at most 1 stream, 1 plan, 1 part, 1 stats, 1 record call: kill after each one.
  it.each([0, 1, 2, 3, 4])('completes exactly once when the first attempt dies after its call %i', async (k) => {
    const world = new World();
    world.attempt((_, call) => (call === k ? 'kill' : 'ok'));
    await send(world, events);
    await resendUntilDone(world, events);
    expectExactlyOnce(world, events);
    // Only a crash between PutRecords and its record (k = 0) streams events twice.
    expect(world.streamed).toHaveLength(k === 0 ? 8 : 4);
  });

  it('completes exactly once under random failures and refused records, over many seeds', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      let state = seed;
      const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const world = new World();
      for (let attempt = 0; attempt < 4; attempt++) {
        world.attempt(
          () => (random() < 0.3 ? 'fail' : random() < 0.1 ? 'kill' : 'ok'),
          () => random() < 0.3,
        );
        await send(world, events);
      }
      await resendUntilDone(world, events);
      expectExactlyOnce(world, events);
    }
  });

  it('writes the events a resend gets into the stream into a new part, never into a second copy', async () => {
    const world = new World();
    world.attempt(undefined, (e) => e.eventId === 'e2');
    await send(world, events);
    await resendUntilDone(world, events);
    expect([...world.objects]).toEqual([
      ['raw/2026/11/27/10/batch-7.0.ndjson', ['e0', 'e4', 'e6']],
      ['raw/2026/11/27/10/batch-7.1.ndjson', ['e2']],
    ]);
    expect(world.streamed).toEqual(['e0', 'e4', 'e6', 'e2']);
  });

  it('stores nothing again on a resend of a complete batch', async () => {
    const world = new World();
    await send(world, events);
    world.attempt(() => 'fail'); // any store call would fail
    expect((await send(world, events)).status).toBe(202);
  });
});
