import { BACKOFF, backoffDelay, retryFailed } from '../../../lambda/shared/retry';

/**
 * A scripted client: each call answers with the next script entry — the items
 * of that call that fail (a predicate over the pending items), or an Error.
 */
function scripted<T>(...script: (((item: T) => boolean) | Error)[]) {
  const calls: T[][] = [];
  const send = async (pending: readonly T[]) => {
    calls.push([...pending]);
    const step = script.shift() ?? (() => false);
    if (step instanceof Error) throw step;
    return pending.filter(step);
  };
  return { send, calls };
}

const noWait = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};

describe('retryFailed', () => {
  it('sends everything once when nothing fails, and waits for nothing', async () => {
    const { send, calls } = scripted<number>(() => false);
    const { waits, sleep } = noWait();
    await expect(retryFailed([1, 2, 3], send, { attempts: 4, sleep })).resolves.toEqual([]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(waits).toEqual([]);
  });

  it('sends again exactly what failed, until nothing is left', async () => {
    const { send, calls } = scripted<number>(
      (n) => n % 2 === 0,
      (n) => n === 4,
      () => false,
    );
    const { sleep } = noWait();
    const retried: number[][] = [];
    const left = await retryFailed([1, 2, 3, 4, 5], send, { attempts: 5, sleep, onRetry: (failed) => retried.push([...failed]) });
    expect(left).toEqual([]);
    expect(calls).toEqual([[1, 2, 3, 4, 5], [2, 4], [4]]);
    expect(retried).toEqual([[2, 4], [4]]);
  });

  it('gives up after `attempts` calls and returns what is still failing, with what each failure carries', async () => {
    type Item = { id: string; errorCode?: string };
    const send = jest.fn(async (pending: readonly Item[]) =>
      pending.filter((i) => i.id !== 'ok').map((i) => ({ ...i, errorCode: 'Throttled' })),
    );
    const { waits, sleep } = noWait();
    const left = await retryFailed<Item>([{ id: 'ok' }, { id: 'stuck' }], send, { attempts: 3, sleep });
    expect(left).toEqual([{ id: 'stuck', errorCode: 'Throttled' }]);
    expect(send).toHaveBeenCalledTimes(3);
    expect(waits).toHaveLength(2); // between calls only, not after the last
  });

  it('waits one full-jitter backoff between calls: random below min(cap, base * 2^attempt)', async () => {
    const { send } = scripted<number>(
      () => true,
      () => true,
      () => true,
      () => true,
      () => true,
    );
    const { waits, sleep } = noWait();
    await retryFailed([1], send, { attempts: 6, sleep, random: () => 0.5, backoff: { baseMs: 100, capMs: 1_000 } });
    expect(waits).toEqual([100, 200, 400, 500, 500]); // 0.5 * 200, 400, 800, then the cap 1000
    expect(backoffDelay(1, BACKOFF, () => 0.999)).toBeLessThan(2 * BACKOFF.baseMs);
    expect(backoffDelay(30, BACKOFF, () => 0.999)).toBeLessThan(BACKOFF.capMs);
    expect(backoffDelay(3, BACKOFF, () => 0)).toBe(0);
  });

  it('lets an error of a call propagate at once', async () => {
    const failure = new Error('AccessDenied');
    const { send, calls } = scripted<number>(() => true, failure);
    const { sleep } = noWait();
    await expect(retryFailed([1, 2], send, { attempts: 5, sleep })).rejects.toBe(failure);
    expect(calls).toHaveLength(2);
  });

  it('makes no call for no items, and refuses attempts that are not a positive integer', async () => {
    const { send, calls } = scripted<number>();
    await expect(retryFailed([], send, { attempts: 3 })).resolves.toEqual([]);
    expect(calls).toEqual([]);
    await expect(retryFailed([1], send, { attempts: 0 })).rejects.toThrow(RangeError);
  });
});
