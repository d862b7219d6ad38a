import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { conditionHeld } from '../../../lambda/shared/dynamo';

const metadata = { $metadata: {}, message: 'refused' };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ ...metadata, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('conditionHeld', () => {
  it('is true when the write succeeds', async () => {
    await expect(conditionHeld(Promise.resolve({}))).resolves.toBe(true);
  });

  it('is false when a single-item write fails its condition', async () => {
    await expect(conditionHeld(Promise.reject(new ConditionalCheckFailedException(metadata)))).resolves.toBe(false);
  });

  it('is false when the transaction item asked about failed its condition, whatever the others did', async () => {
    await expect(conditionHeld(Promise.reject(cancelled('ConditionalCheckFailed', 'None')))).resolves.toBe(false);
    await expect(conditionHeld(Promise.reject(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed')), 1)).resolves.toBe(false);
  });

  it("rethrows a cancellation caused only by another item's condition, or by anything else", async () => {
    const otherItem = cancelled('None', 'ConditionalCheckFailed');
    await expect(conditionHeld(Promise.reject(otherItem))).rejects.toBe(otherItem);
    const conflict = cancelled('TransactionConflict', 'None');
    await expect(conditionHeld(Promise.reject(conflict))).rejects.toBe(conflict);
  });

  it('rethrows any other failure', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    await expect(conditionHeld(Promise.reject(throttled))).rejects.toBe(throttled);
  });
});
