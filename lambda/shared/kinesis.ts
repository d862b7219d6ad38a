import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { clientConfig } from './aws';
import { logger } from './powertools';
import { retryFailed } from './retry';

/**
 * The container's Kinesis client, with the shared HTTP/1.1 handler: the SDK's
 * default HTTP/2 handler fails against kinesalite and kinesis-local.
 */
export const kinesis = new KinesisClient(clientConfig);

/** Kinesis' limit of records per PutRecords call. */
export const PUT_RECORDS_MAX_ENTRIES = 500;

export interface PutRecordsOptions {
  /** Calls per chunk, the first included (default 5). */
  readonly attempts?: number;
}

/** A record still failing after the last attempt: its index in the `records` given, and the last error. */
export interface UndeliveredRecord {
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage?: string;
}

/**
 * Sends `records` to `streamName`, one PutRecords call per 500. PutRecords is
 * not all-or-nothing: the records it reports as failed (throttled, internal
 * error) were not written, so exactly those are sent again (retryFailed, the
 * platform's backoff) until none is left or the attempts run out. What is still
 * failing then is returned — never dropped silently — so the caller can report
 * it. A call that fails as a whole (after the SDK's own retries) throws.
 */
export async function putAllRecords(
  streamName: string,
  records: readonly PutRecordsRequestEntry[],
  { attempts = 5 }: PutRecordsOptions = {},
): Promise<UndeliveredRecord[]> {
  const undelivered: UndeliveredRecord[] = [];
  for (let start = 0; start < records.length; start += PUT_RECORDS_MAX_ENTRIES) {
    const chunk = records
      .slice(start, start + PUT_RECORDS_MAX_ENTRIES)
      .map((entry, offset): Pending => ({ entry, index: start + offset, errorCode: '' }));
    const failed = await retryFailed(chunk, (pending) => putRecords(streamName, pending), {
      attempts,
      onRetry: (left, attempt) =>
        logger.warn('PutRecords partially failed; retrying the failed records', {
          failed: left.length,
          codes: [...new Set(left.map((f) => f.errorCode))],
          attempt,
        }),
    });
    if (failed.length > 0)
      logger.error('PutRecords: records still failing after the last attempt', { failed: failed.length, attempt: attempts });
    undelivered.push(...failed.map(({ index, errorCode, errorMessage }) => ({ index, errorCode, errorMessage })));
  }
  return undelivered;
}

type Pending = {
  readonly entry: PutRecordsRequestEntry;
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage?: string;
};

/** One PutRecords call; the records it did not write, with why. */
async function putRecords(streamName: string, pending: readonly Pending[]): Promise<Pending[]> {
  const result = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending.map(({ entry }) => entry) }));
  if (!result.FailedRecordCount) return [];
  return pending.flatMap((item, i) => {
    const outcome = result.Records?.[i];
    // A record without a sequence number was not written, whatever the response says about it.
    if (!outcome?.ErrorCode && outcome?.SequenceNumber) return [];
    return [{ ...item, errorCode: outcome?.ErrorCode ?? 'NotWritten', errorMessage: outcome?.ErrorMessage }];
  });
}
