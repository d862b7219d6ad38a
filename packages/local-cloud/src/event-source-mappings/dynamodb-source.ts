/** A DynamoDB stream of the local layer as a mapping's source, read in process (no HTTP). */
import type { DynamoDbStreamReader, DynamoDbStreamRecord } from '../dynamodb/streams';
import type { MappingConfig, ShardInfo, ShardReader, SourceRecord, StreamSource } from './model';

export class DynamoDbSource implements StreamSource {
  constructor(
    private readonly config: MappingConfig,
    private readonly streams: DynamoDbStreamReader,
  ) {}

  async listShards(): Promise<ShardInfo[]> {
    const shards = this.streams.shardsOf(this.config.eventSourceArn);
    if (!shards) throw new Error('no such stream');
    return shards.map((s) => ({
      shardId: s.shardId,
      ...(s.parentShardId ? { parentShardId: s.parentShardId } : {}),
      closed: s.endingSequenceNumber !== undefined,
    }));
  }

  async openShard(shard: ShardInfo, initial: boolean, checkpoint?: string): Promise<ShardReader> {
    const arn = this.config.eventSourceArn;
    let after: string | undefined = checkpoint;
    if (checkpoint === undefined && initial && this.config.startingPosition === 'LATEST')
      after = this.streams.latestSequenceNumber(arn, shard.shardId);
    return {
      read: async (limit) => {
        const { records, closed } = this.streams.readRecords(arn, shard.shardId, after, Math.min(10_000, limit));
        if (records.length > 0) after = records.at(-1)!.dynamodb.SequenceNumber;
        return { records: records.map((r) => dynamoDbRecord(r, arn)), ended: closed };
      },
    };
  }

  stop(): void {}
}

function dynamoDbRecord(record: DynamoDbStreamRecord, eventSourceARN: string): SourceRecord {
  return {
    sequenceNumber: record.dynamodb.SequenceNumber,
    arrivalMs: record.dynamodb.ApproximateCreationDateTime * 1000,
    event: { ...record, eventSourceARN },
  };
}
