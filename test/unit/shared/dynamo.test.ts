import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld, transactWrite } from '../../../lambda/shared/dynamo';

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

describe('transactWrite', () => {
  const input = {
    TransactItems: [{ ConditionCheck: { TableName: 'table', Key: { pk: 'a' }, ConditionExpression: 'attribute_exists(pk)' } }],
  };
  /** A client whose send answers with `outcomes` in turn (an Error rejects). */
  const client = (...outcomes: unknown[]) => {
    const send = jest.fn(async (command: unknown) => {
      expect(command).toBeInstanceOf(TransactWriteCommand);
      const outcome = outcomes.shift();
      if (outcome instanceof Error) throw outcome;
      return outcome;
    });
    return { send } as unknown as Parameters<typeof transactWrite>[0] & { send: jest.Mock };
  };

  it('sends the transaction again while it is cancelled only by conflicts, then answers', async () => {
    const conflicted = client(cancelled('TransactionConflict', 'None'), cancelled('None', 'TransactionConflict'), { $metadata: {} });
    await expect(transactWrite(conflicted, input, 5, 1)).resolves.toEqual({ $metadata: {} });
    expect(conflicted.send).toHaveBeenCalledTimes(3);
  });

  it('throws a failed condition at once, even next to a conflict', async () => {
    const refusal = cancelled('ConditionalCheckFailed', 'TransactionConflict');
    const refused = client(refusal, { $metadata: {} });
    await expect(transactWrite(refused, input, 5, 1)).rejects.toBe(refusal);
    expect(refused.send).toHaveBeenCalledTimes(1);
  });

  it('gives up after its attempts with the last conflict', async () => {
    const last = cancelled('TransactionConflict');
    const busy = client(cancelled('TransactionConflict'), cancelled('TransactionConflict'), last, { $metadata: {} });
    await expect(transactWrite(busy, input, 3, 1)).rejects.toBe(last);
    expect(busy.send).toHaveBeenCalledTimes(3);
  });

  it('throws any other failure at once', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    const failing = client(throttled, { $metadata: {} });
    await expect(transactWrite(failing, input, 5, 1)).rejects.toBe(throttled);
    expect(failing.send).toHaveBeenCalledTimes(1);
  });
});
