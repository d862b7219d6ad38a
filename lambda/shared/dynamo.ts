import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TransactWriteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { clientConfig } from './aws';
import { BACKOFF, retryFailed } from './retry';

/** The container's DynamoDB document client (plain JS values in and out). */
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), {
  marshallOptions: { removeUndefinedValues: true },
});

/** How long a "seen" marker outlives the event it deduplicates (well past EventBridge's 24 h retries). */
const SEEN_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A transaction item that succeeds only the first time `marker` is written:
 * put it in the same TransactWriteItems as the effect, and a redelivered event
 * cancels the whole transaction instead of applying the effect twice. (A
 * read-then-write check would let two concurrent deliveries both pass.)
 */
export function firstTimeOnly(tableName: string, key: Record<string, string>) {
  return {
    Put: {
      TableName: tableName,
      Item: { ...key, expiresAt: Math.floor(Date.now() / 1000) + SEEN_TTL_SECONDS },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': Object.keys(key)[0]! },
    },
  };
}

/** The indexes of the transaction items whose condition failed (empty for any other error). */
export function failedConditions(error: unknown): number[] {
  if ((error as { name?: string })?.name !== 'TransactionCanceledException') return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
}

/**
 * Waits for a conditional write and says whether its condition held: false
 * when DynamoDB refused the write because of it (ConditionalCheckFailedException
 * for a single item; for a transaction, TransactionCanceledException naming
 * transaction item `item`, the first by default), so a store can turn the
 * refusal into its own outcome. Any other failure, including a transaction
 * cancelled only by another item's condition, is rethrown.
 *
 * Takes the write's promise, not a function, so a caller that also needs the
 * write's result can await the same promise again once this says true.
 */
export async function conditionHeld(write: Promise<unknown>, item = 0): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') return false;
    if (failedConditions(error).includes(item)) return false;
    throw error;
  }
}

/** Attempts of a transaction that DynamoDB keeps cancelling for conflicts (the first included). */
const TRANSACTION_ATTEMPTS = 5;

/**
 * TransactWriteItems, tried again while DynamoDB cancels it only because another
 * transaction on the same items was in flight (`TransactionConflict`, e.g. many orders
 * reserving one SKU at once): nothing was written, so sending it again is safe, and
 * the SDK does not retry cancellations itself. The waits are the platform's jittered
 * backoff (retryFailed), so the contenders spread out; `baseMs` replaces its base
 * (tests). A cancellation with a failed condition is definitive and thrown at once, as
 * is any other error, and the last conflict after `attempts`.
 *
 * `input` may be a function of the attempt (1, 2, ...): a transaction whose
 * contended item may change between attempts (a sharded counter picks another
 * shard) builds each attempt's items afresh.
 */
export async function transactWrite(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  input: TransactWriteCommandInput | ((attempt: number) => TransactWriteCommandInput),
  attempts = TRANSACTION_ATTEMPTS,
  baseMs = BACKOFF.baseMs,
): Promise<TransactWriteCommandOutput> {
  let output: TransactWriteCommandOutput | undefined;
  let conflict: unknown;
  const inputOf = typeof input === 'function' ? input : () => input;
  const conflicted = await retryFailed(
    [inputOf],
    async ([build], attempt) => {
      try {
        output = await client.send(new TransactWriteCommand(build!(attempt)));
        return [];
      } catch (error) {
        if (!cancelledByConflict(error)) throw error;
        conflict = error;
        return [build!];
      }
    },
    { attempts, backoff: { ...BACKOFF, baseMs } },
  );
  if (conflicted.length > 0) throw conflict;
  return output!;
}

function cancelledByConflict(error: unknown): boolean {
  if ((error as { name?: string })?.name !== 'TransactionCanceledException') return false;
  const codes = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((reason) => reason.Code);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}
