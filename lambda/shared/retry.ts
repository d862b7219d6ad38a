/**
 * The one retry of the platform's AWS batch calls that can fail in part —
 * PutEvents (`FailedEntryCount`), Kinesis PutRecords (`FailedRecordCount`),
 * BatchWriteItem (`UnprocessedItems`), BatchGetItem (`UnprocessedKeys`) — and of
 * transactions cancelled only by conflicts (the same call again: a batch of one).
 *
 * Guarantees: only what the previous call reported as failed is sent again;
 * at most `attempts` calls (the first included); between calls one jittered
 * backoff (full jitter: a random wait below `min(cap, base * 2^attempt)`); what
 * is still failing after the last call is returned, never dropped — the caller
 * decides whether that throws or is reported; an error a call throws (after the
 * SDK's own retries) propagates at once. The SDK retries whole requests
 * (throttling, 5xx); this retries the parts a successful request refused.
 */

/** The backoff's base and cap (ms). */
export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

/** The platform's backoff: waits below 100, 200, 400, 800, 1000... ms. */
export const BACKOFF: Backoff = { baseMs: 50, capMs: 1_000 };

/** The wait after attempt `attempt` (1 for the first call) failed in part: full jitter. */
export function backoffDelay(attempt: number, { baseMs, capMs }: Backoff = BACKOFF, random: () => number = Math.random): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export interface RetryOptions<T> {
  /** Calls at most, the first included. */
  readonly attempts: number;
  readonly backoff?: Backoff;
  /** Told what failed before each retry (for a log line). */
  readonly onRetry?: (failed: readonly T[], attempt: number) => void;
  /** For tests: how to wait and where the jitter comes from. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `send` with `items`, then with exactly the items it answered as failed,
 * until none is left or `attempts` calls were made; returns what is still
 * failing (empty when everything went through). `send` gets the pending items
 * and the attempt number and answers with the subset that failed — items may
 * carry the reason (an error code) for the caller's report.
 */
export async function retryFailed<T>(
  items: readonly T[],
  send: (pending: readonly T[], attempt: number) => Promise<readonly T[]>,
  { attempts, backoff = BACKOFF, onRetry, sleep = wait, random = Math.random }: RetryOptions<T>,
): Promise<T[]> {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer (got ${attempts})`);
  let pending = items;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failed = await send(pending, attempt);
    if (failed.length === 0 || attempt >= attempts) return [...failed];
    onRetry?.(failed, attempt);
    pending = failed;
    await sleep(backoffDelay(attempt, backoff, random));
  }
  return [];
}
