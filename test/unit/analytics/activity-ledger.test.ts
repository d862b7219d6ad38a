/** The batch ledger's plans (lambda/domain/activity-ledger.ts): each streamed event in exactly one part, completeness. */
import {
  EMPTY_LEDGER,
  isStored,
  partsToWrite,
  recordStored,
  recordStreamed,
  statsToWrite,
  toStream,
} from '../../../lambda/domain/activity-ledger';

describe('the batch ledger', () => {
  it('streams only what no attempt recorded as streamed', () => {
    const { next } = recordStreamed(EMPTY_LEDGER, [0, 2]);
    expect(toStream(next, [0, 1, 2, 3])).toEqual([1, 3]);
  });

  it('plans a part of the streamed events no part holds, and bumps the version', () => {
    const first = recordStreamed(EMPTY_LEDGER, [3, 0]);
    expect(first.part).toEqual([0, 3]);
    expect(first.next.version).toBe(1);
    const second = recordStreamed(first.next, [1, 3]); // 3 again: a concurrent attempt streamed it too
    expect(second.part).toEqual([1]);
    expect(second.next.parts).toEqual([[0, 3], [1]]);
    expect(recordStreamed(second.next, [0]).part).toBeUndefined();
  });

  it('is stored once every part is written and every streamed event counted', () => {
    const { next } = recordStreamed(EMPTY_LEDGER, [0, 1]);
    expect(isStored(next)).toBe(false);
    expect(partsToWrite(next)).toEqual([0]);
    expect(statsToWrite(next)).toEqual([0, 1]);
    const logged = recordStored(next, { logged: [0], counted: [1] });
    expect(isStored(logged)).toBe(false);
    expect(statsToWrite(logged)).toEqual([0]);
    const done = recordStored(logged, { logged: [], counted: [0] });
    expect(isStored(done)).toBe(true);
    expect(isStored(EMPTY_LEDGER)).toBe(true); // nothing streamed: nothing to store
  });
});
