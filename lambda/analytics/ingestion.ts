/**
 * One attempt at a batch (a request, first sent or resent under its key):
 * stores what the batch's ledger says is missing, in an order after which any
 * failure — PutRecords in part or whole, a raw-log PutObject, a stats or ledger
 * write, the function killed anywhere — leaves a state the next attempt
 * completes without doubling anything:
 *
 * 1. the stream: only events no attempt recorded as streamed;
 * 2. the ledger: what the stream took, and the next raw-log part (every
 *    streamed event no part holds), planned before it is written;
 * 3. in parallel, every planned part not yet written (an object whose key is
 *    fixed by the part's number, never overwritten) and the stats of every
 *    streamed event not yet counted (items keyed by event id: rewriting one is
 *    a no-op);
 * 4. the ledger: the parts written, the events counted.
 *
 * Doubles are possible only in the stream, and only for a crash (or a ledger
 * that stays unwritable) between 1 and 2: those events are streamed again
 * under the same ids and the consumers dedupe them by event id. Failures are
 * never thrown: the outcome says what is stored, so the answer can say exactly
 * which events were accepted.
 */
import type { ActivityEvent } from '#domain/activity';
import { rawLogKey } from '#domain/activity';
import { type BatchLedger, isStored, partsToWrite, recordStored, statsToWrite, toStream } from '#domain/activity-ledger';
import { logger } from '#shared/powertools';
import type { ActivityStore } from './activity-store';
import type { BatchLedgers, BatchRef } from './batch-ledger-store';

/** A valid event of the request and its index in the request body. */
export interface IndexedEvent {
  readonly index: number;
  readonly event: ActivityEvent;
}

export interface IngestionOutcome {
  /** What is stored after this attempt, as far as it knows (recorded or not). */
  readonly ledger: BatchLedger;
  /** Events this attempt sent and the stream did not take, by body index, with why. */
  readonly undelivered: ReadonlyMap<number, string>;
  /** Every streamed event is in a written raw-log part and in the stats: a resend has nothing left to store. */
  readonly stored: boolean;
}

export interface IngestionDeps {
  readonly store: ActivityStore;
  readonly ledgers: BatchLedgers;
}

const reasonOf = (error: unknown) => (error as { name?: string })?.name ?? 'Error';

export async function ingest(
  events: readonly IndexedEvent[],
  batch: BatchRef & { readonly batchId: string },
  ledger: BatchLedger,
  { store, ledgers }: IngestionDeps,
): Promise<IngestionOutcome> {
  const byIndex = new Map(events.map(({ index, event }) => [index, event]));
  const eventsAt = (indexes: readonly number[]): ActivityEvent[] =>
    indexes.map((index) => {
      const event = byIndex.get(index);
      if (!event) throw new Error(`The ledger names event ${index}, which this request does not have as valid`);
      return event;
    });

  const { took, undelivered } = await streamMissing(toStream(ledger, [...byIndex.keys()]), eventsAt, store);
  let current: BatchLedger;
  try {
    current = await ledgers.recordStreamed(batch, ledger, took);
  } catch (error) {
    // In the stream but not in the ledger: a resend streams them again, under the same ids.
    logger.error('Could not record what the stream took; a resend streams it again', { took: took.length, error: reasonOf(error) });
    return { ledger: { ...ledger, streamed: new Set([...ledger.streamed, ...took]) }, undelivered, stored: false };
  }

  const parts = partsToWrite(current);
  const uncounted = statsToWrite(current);
  const [logged, counted] = await Promise.all([
    Promise.allSettled(
      parts.map((n) => store.storeRawLog(rawLogKey(batch.receivedAt, batch.batchId, String(n)), eventsAt(current.parts[n]!))),
    ).then((results) => parts.filter((_, k) => results[k]!.status === 'fulfilled')),
    uncounted.length === 0
      ? Promise.resolve([])
      : store.writeStats(eventsAt(uncounted)).then(
          () => uncounted,
          (error: unknown) => {
            logger.warn('Stats write failed; a resend writes them', { events: uncounted.length, error: reasonOf(error) });
            return [];
          },
        ),
  ]);
  if (logged.length < parts.length) logger.warn('Raw-log part write failed; a resend writes it', { failed: parts.length - logged.length });
  const stored = recordStored(current, { logged, counted });
  try {
    await ledgers.recordStored(batch, { logged, counted });
  } catch (error) {
    // Written but not recorded: a resend writes them again as the same object and the same items.
    logger.warn('Could not record what was stored; a resend rewrites it', { error: reasonOf(error) });
  }
  return { ledger: stored, undelivered, stored: isStored(stored) };
}

/** Sends `pending` to the stream; what it took and what it did not (a call failing as a whole took nothing). */
async function streamMissing(
  pending: readonly number[],
  eventsAt: (indexes: readonly number[]) => ActivityEvent[],
  store: ActivityStore,
): Promise<{ took: number[]; undelivered: Map<number, string> }> {
  const undelivered = new Map<number, string>();
  if (pending.length === 0) return { took: [], undelivered };
  try {
    for (const failure of await store.stream(eventsAt(pending))) undelivered.set(pending[failure.index]!, failure.errorCode);
  } catch (error) {
    logger.warn('PutRecords failed as a whole', { records: pending.length, error: reasonOf(error) });
    for (const index of pending) undelivered.set(index, reasonOf(error));
  }
  return { took: pending.filter((index) => !undelivered.has(index)), undelivered };
}
