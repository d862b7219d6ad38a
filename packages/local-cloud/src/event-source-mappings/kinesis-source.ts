/** A Kinesis data stream on kinesalite as a mapping's source: shards, iterators, and Lambda's Kinesis event records. */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { LOCAL_REGION } from '../types';
import type { MappingConfig, ShardInfo, ShardReader, SourceRecord, StreamSource } from './model';

export class KinesisSource implements StreamSource {
  private readonly streamName: string;

  constructor(
    private readonly config: MappingConfig,
    private readonly client: KinesisClient,
  ) {
    const resource = config.eventSourceArn.split(':').slice(5).join(':');
    this.streamName = resource.replace(/^stream\//, '').split('/')[0]!;
  }

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let exclusiveStart: string | undefined;
    for (;;) {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamName: this.streamName, ...(exclusiveStart ? { ExclusiveStartShardId: exclusiveStart } : {}) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        shards.push({
          shardId: shard.ShardId!,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
          ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
          closed: !!shard.SequenceNumberRange?.EndingSequenceNumber,
        });
      }
      if (!StreamDescription?.HasMoreShards || shards.length === 0) return shards;
      exclusiveStart = shards.at(-1)!.shardId;
    }
  }

  async openShard(shard: ShardInfo, initial: boolean, checkpoint?: string): Promise<ShardReader> {
    const position = initial ? this.config.startingPosition : 'TRIM_HORIZON';
    const iteratorFor = async (type: ShardIteratorType, sequenceNumber?: string) => {
      const { ShardIterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamName: this.streamName,
          ShardId: shard.shardId,
          ShardIteratorType: type,
          ...(sequenceNumber ? { StartingSequenceNumber: sequenceNumber } : {}),
          ...(type === 'AT_TIMESTAMP' ? { Timestamp: this.config.startingTimestamp ?? new Date() } : {}),
        }),
      );
      return ShardIterator;
    };
    let iterator = checkpoint ? await iteratorFor('AFTER_SEQUENCE_NUMBER', checkpoint) : await iteratorFor(position as ShardIteratorType);
    let lastSequence: string | undefined = checkpoint;
    const { eventSourceArn, roleArn } = this.config;
    const region = eventSourceArn.split(':')[3] ?? LOCAL_REGION;
    return {
      read: async (limit) => {
        if (!iterator) return { records: [], ended: true };
        let response;
        try {
          response = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, limit) }));
        } catch (error) {
          if ((error as { name?: string }).name !== 'ExpiredIteratorException') throw error;
          iterator = lastSequence
            ? await iteratorFor('AFTER_SEQUENCE_NUMBER', lastSequence)
            : await iteratorFor(position as ShardIteratorType);
          response = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, limit) }));
        }
        iterator = response.NextShardIterator;
        const records = (response.Records ?? []).map((r): SourceRecord => {
          const arrivalMs = r.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
          return {
            sequenceNumber: r.SequenceNumber!,
            arrivalMs,
            event: {
              kinesis: {
                kinesisSchemaVersion: '1.0',
                partitionKey: r.PartitionKey,
                sequenceNumber: r.SequenceNumber,
                data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
                approximateArrivalTimestamp: arrivalMs / 1000,
              },
              eventSource: 'aws:kinesis',
              eventVersion: '1.0',
              eventID: `${shard.shardId}:${r.SequenceNumber}`,
              eventName: 'aws:kinesis:record',
              invokeIdentityArn: roleArn,
              awsRegion: region,
              eventSourceARN: eventSourceArn,
            },
          };
        });
        if (records.length > 0) lastSequence = records.at(-1)!.sequenceNumber;
        return { records, ended: !iterator };
      },
    };
  }

  stop(): void {}
}
