/**
 * Re-reads the records a stream mapping's on-failure record points at, and
 * shapes them as the event Lambda would have sent: Kinesis (GetShardIterator
 * AT_SEQUENCE_NUMBER, GetRecords up to the last sequence number) and DynamoDB
 * Streams (the same, with the Streams API). `expired` when the stream no longer
 * holds the first record (past its retention, or the stream is gone): the caller
 * then falls back to another copy (the raw log) or leaves the dead letter.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { compareSequence, type StreamBatchInfo } from './dead-letters';

/** Errors that mean the records are no longer there to read. */
const GONE = new Set(['ResourceNotFoundException', 'TrimmedDataAccessException', 'ExpiredIteratorException', 'InvalidArgumentException']);
/** GetRecords calls per batch at most (each returns up to 1,000 records; a batch is at most 10,000). */
const MAX_READS = 50;

export type StreamRead = { readonly records: unknown[] } | { readonly expired: string };

const regionOf = (arn: string) => arn.split(':')[3] ?? '';

/** The Kinesis records of `batch` as a Lambda Kinesis event's `Records`. */
export async function kinesisBatch(kinesis: KinesisClient, batch: StreamBatchInfo): Promise<StreamRead> {
  const streamName = batch.streamArn.split('/').pop()!;
  const records: unknown[] = [];
  try {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: batch.startSequenceNumber,
      }),
    );
    for (let read = 0; iterator && read < MAX_READS; read++) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const page = out.Records ?? [];
      const inBatch = page.filter((r) => compareSequence(r.SequenceNumber!, batch.endSequenceNumber) <= 0);
      records.push(
        ...inBatch.map((r) => kinesisEventRecord(batch, r.PartitionKey!, r.SequenceNumber!, r.Data!, r.ApproximateArrivalTimestamp)),
      );
      if (inBatch.length < page.length || (page.length === 0 && out.MillisBehindLatest === 0)) break;
      iterator = out.NextShardIterator;
    }
  } catch (error) {
    if (GONE.has((error as Error).name)) return { expired: `${(error as Error).name}: ${(error as Error).message}` };
    throw error;
  }
  const first = records[0] as { kinesis: { sequenceNumber: string } } | undefined;
  if (!first || first.kinesis.sequenceNumber !== batch.startSequenceNumber) {
    return { expired: `the stream no longer holds record ${batch.startSequenceNumber} of shard ${batch.shardId}` };
  }
  return { records };
}

/** One record as Lambda's Kinesis event source delivers it. */
export function kinesisEventRecord(
  batch: Pick<StreamBatchInfo, 'shardId' | 'streamArn'>,
  partitionKey: string,
  sequenceNumber: string,
  data: Uint8Array,
  arrival: Date | undefined,
): unknown {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: (arrival ?? new Date()).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${batch.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    awsRegion: regionOf(batch.streamArn),
    eventSourceARN: batch.streamArn,
  };
}

/** The DynamoDB stream records of `batch` as a Lambda DynamoDB event's `Records`. */
export async function dynamodbBatch(streams: DynamoDBStreamsClient, batch: StreamBatchInfo): Promise<StreamRead> {
  const records: unknown[] = [];
  try {
    let { ShardIterator: iterator } = await streams.send(
      new GetStreamShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    );
    for (let read = 0; iterator && read < MAX_READS; read++) {
      const out = await streams.send(new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const page = out.Records ?? [];
      const inBatch = page.filter((r) => compareSequence(r.dynamodb!.SequenceNumber!, batch.endSequenceNumber) <= 0);
      records.push(
        ...inBatch.map((r) => ({
          ...r,
          dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: epochSeconds(r.dynamodb?.ApproximateCreationDateTime) },
          eventSourceARN: batch.streamArn,
        })),
      );
      if (inBatch.length < page.length || page.length === 0) break;
      iterator = out.NextShardIterator;
    }
  } catch (error) {
    if (GONE.has((error as Error).name)) return { expired: `${(error as Error).name}: ${(error as Error).message}` };
    throw error;
  }
  const first = records[0] as { dynamodb: { SequenceNumber: string } } | undefined;
  if (!first || first.dynamodb.SequenceNumber !== batch.startSequenceNumber) {
    return { expired: `the stream no longer holds record ${batch.startSequenceNumber} of shard ${batch.shardId}` };
  }
  return { records };
}

function epochSeconds(value: Date | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
}
