import { chunk, mapChunks, mapLimit } from '../../../lambda/shared/chunks';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A deferred promise: the test decides when each chunk finishes (no timers). */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('chunk', () => {
  it('splits into chunks of the size, the last one shorter, in order', () => {
    expect(chunk(range(25), 10)).toEqual([range(10), range(20).slice(10), [20, 21, 22, 23, 24]]);
    expect(chunk(range(10), 10)).toEqual([range(10)]);
    expect(chunk([], 10)).toEqual([]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
    expect(() => chunk([1], 1.5)).toThrow(RangeError);
  });
});

describe('mapChunks', () => {
  it('processes 200 items as 20 chunks of 10 and returns the results in chunk order', async () => {
    const seen: number[][] = [];
    const results = await mapChunks(range(200), { size: 10, concurrency: 5 }, async (items, index) => {
      seen.push(items);
      // Later chunks finish first: the result order must still be the chunk order.
      await new Promise((resolve) => setImmediate(resolve));
      return { index, sum: items.reduce((a, b) => a + b, 0) };
    });
    expect(results).toHaveLength(20);
    expect(results.map((r) => r.index)).toEqual(range(20));
    expect(seen.every((items) => items.length === 10)).toBe(true);
    expect(results.reduce((a, r) => a + r.sum, 0)).toBe((199 * 200) / 2);
  });

  it('never has more than `concurrency` chunks in flight, and starts the next as soon as one finishes', async () => {
    const gates = range(12).map(() => deferred());
    let inFlight = 0;
    let maxInFlight = 0;
    const started: number[] = [];
    const run = mapChunks(range(120), { size: 10, concurrency: 5 }, async (_, index) => {
      started.push(index);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gates[index]!.promise;
      inFlight--;
      return index;
    });
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[2]!.resolve();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    for (const gate of gates) gate.resolve();
    expect(await run).toEqual(range(12));
    expect(maxInFlight).toBe(5);
  });

  it('uses fewer workers than `concurrency` when there are fewer chunks', async () => {
    let calls = 0;
    expect(await mapChunks(range(15), { size: 10, concurrency: 5 }, async (items) => (calls++, items.length))).toEqual([10, 5]);
    expect(calls).toBe(2);
  });

  it('stops starting chunks after a failure and rejects with it', async () => {
    const started: number[] = [];
    const run = mapChunks(range(100), { size: 10, concurrency: 2 }, async (_, index) => {
      started.push(index);
      if (index === 1) throw new Error('chunk 1 failed');
      await new Promise((resolve) => setImmediate(resolve));
      return index;
    });
    await expect(run).rejects.toThrow('chunk 1 failed');
    expect(started.length).toBeLessThan(10);
  });

  it('returns nothing for no items', async () => {
    expect(await mapChunks([], { size: 10, concurrency: 5 }, async () => 1)).toEqual([]);
  });
});

describe('mapLimit', () => {
  it('runs one task per item with at most `concurrency` at once, results in item order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const results = await mapLimit(range(30), 4, async (item, index) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return item * 10 + (index === item ? 0 : 1);
    });
    expect(results).toEqual(range(30).map((n) => n * 10));
    expect(maxInFlight).toBe(4);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(mapLimit([1], 0, async () => 1)).rejects.toThrow(RangeError);
    await expect(mapChunks([1], { size: 1, concurrency: 1.5 }, async () => 1)).rejects.toThrow(RangeError);
  });
});
