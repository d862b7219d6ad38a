/**
 * The activity stream's second copy: `POST /activity` writes every accepted
 * event to the raw log (NDJSON under `raw/YYYY/MM/DD/HH/`). Once the stream has
 * dropped a dead-lettered batch (24 h retention), its events are re-read from the
 * raw log hours the batch arrived in (one hour of margin either side) and sent
 * to the consumer as Kinesis records. This reads more events than the batch held:
 * safe, because the consumer counts each event id once (its markers live 7 days).
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { StreamBatchInfo } from './dead-letters';
import { kinesisEventRecord } from './stream-records';

const HOUR_MS = 3_600_000;

/** The `raw/YYYY/MM/DD/HH/` prefixes from an hour before `first` to an hour after `last`. */
export function rawLogPrefixes(first: Date, last: Date): string[] {
  const prefixes: string[] = [];
  const start = Math.floor(first.getTime() / HOUR_MS) - 1;
  const end = Math.floor(last.getTime() / HOUR_MS) + 1;
  for (let hour = start; hour <= end; hour++) {
    const iso = new Date(hour * HOUR_MS).toISOString();
    prefixes.push(`raw/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`);
  }
  return prefixes;
}

/** Kinesis event records of every raw-log event around `batch`'s arrival. */
export async function rawLogBatch(s3: S3Client, bucket: string, batch: StreamBatchInfo): Promise<{ records: unknown[]; objects: number }> {
  const first = new Date(batch.approximateArrivalOfFirstRecord ?? NaN);
  const last = new Date(batch.approximateArrivalOfLastRecord ?? batch.approximateArrivalOfFirstRecord ?? NaN);
  if (Number.isNaN(first.getTime()) || Number.isNaN(last.getTime())) {
    throw new Error('the on-failure record has no arrival times: cannot find its hours in the raw log');
  }
  const records: unknown[] = [];
  let objects = 0;
  for (const prefix of rawLogPrefixes(first, last)) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        objects++;
        const lines = (await object.Body!.transformToString()).split('\n').filter((line) => line.trim() !== '');
        for (const line of lines) {
          const event = JSON.parse(line) as { userId?: string };
          // A sequence number of our own (the consumer dedupes by event id, not by sequence number).
          const sequence = `${first.getTime()}${String(records.length).padStart(8, '0')}`;
          records.push(kinesisEventRecord(batch, event.userId ?? 'unknown', sequence, Buffer.from(line), first));
        }
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  return { records, objects };
}
