/**
 * DynamoDB Streams of the local cloud: records captured by the DynamoDB layer
 * at the edge, read back with the real DynamoDBStreamsClient.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { streamedTablesOf } from '../../../src/dynamodb/streams';
import type { StackResource } from '../../../src/types';
import { startLayeredDynalite, type LayeredDynalite } from '../../support/dynalite';

// ------------------------------------------------------------ fixture

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2024-01-01T00:00:00.000';

/** The template's view of the tables, as src/assembly/load.ts resolves it. */
const resources: StackResource[] = [
  table('Events', 'events', { StreamViewType: 'NEW_AND_OLD_IMAGES' }, STREAM_ARN),
  table('Keys', 'keys-only', { StreamViewType: 'KEYS_ONLY' }),
  table('NewOnly', 'new-only', { StreamViewType: 'NEW_IMAGE' }),
  table('Plain', 'plain', undefined),
];

function table(logicalId: string, name: string, spec: object | undefined, streamArn?: string): StackResource {
  return {
    logicalId,
    type: 'AWS::DynamoDB::Table',
    properties: { TableName: name, ...(spec ? { StreamSpecification: spec } : {}) },
    physicalId: name,
    attributes: { Arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`, ...(streamArn ? { StreamArn: streamArn } : {}) },
    metadata: {},
  };
}

let dynamo: LayeredDynalite;
let client: DynamoDBClient;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  dynamo = await startLayeredDynalite({ streamedTables: streamedTablesOf({ byType: (type) => resources.filter((r) => r.type === type) }) });
  client = new DynamoDBClient(dynamo.config);
  streams = new DynamoDBStreamsClient(dynamo.config);
  for (const TableName of ['events', 'keys-only', 'new-only', 'plain']) {
    await client.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});

afterAll(async () => {
  client.destroy();
  streams.destroy();
  await dynamo.stop();
});

const key = (pk: string, sk = 1) => ({ pk: { S: pk }, sk: { N: String(sk) } });

async function streamArnOf(tableName: string): Promise<string> {
  const { Streams = [] } = await streams.send(new ListStreamsCommand({ TableName: tableName }));
  expect(Streams).toHaveLength(1);
  return Streams[0]!.StreamArn!;
}

/** Every record of the stream's shard after `after` (from the trim horizon when absent). */
async function readAll(streamArn: string, after?: string): Promise<_Record[]> {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = StreamDescription!.Shards![0]!.ShardId!;
  let { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
      ...(after ? { SequenceNumber: after } : {}),
    }),
  );
  const records: _Record[] = [];
  for (;;) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 2 }));
    records.push(...(page.Records ?? []));
    if (!page.Records?.length || !page.NextShardIterator) return records;
    ShardIterator = page.NextShardIterator;
  }
}

// ------------------------------------------------------------ tests

describe('DynamoDB Streams', () => {
  it('lists and describes the streams the template enables, with the label of the template ARN', async () => {
    const { Streams = [] } = await streams.send(new ListStreamsCommand({}));
    expect(Streams.map((s) => s.TableName).sort()).toEqual(['events', 'keys-only', 'new-only']);
    expect(Streams.find((s) => s.TableName === 'events')).toEqual({
      StreamArn: STREAM_ARN,
      TableName: 'events',
      StreamLabel: '2024-01-01T00:00:00.000',
    });
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: STREAM_ARN }));
    expect(StreamDescription).toMatchObject({
      StreamArn: STREAM_ARN,
      StreamStatus: 'ENABLED',
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      TableName: 'events',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(StreamDescription!.Shards).toHaveLength(1);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'events' }));
    expect(Table!.LatestStreamArn).toBe(STREAM_ARN);
    expect(Table!.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('records INSERT, MODIFY and REMOVE with old and new images, and nothing for writes that change nothing', async () => {
    const binary = new Uint8Array([0, 1, 2, 250]);
    await client.send(new PutItemCommand({ TableName: 'events', Item: { ...key('a'), n: { N: '1' }, b: { B: binary } } }));
    await client.send(
      new UpdateItemCommand({
        TableName: 'events',
        Key: key('a'),
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    // Unchanged: the same item again, and a delete of an absent item.
    await client.send(new PutItemCommand({ TableName: 'events', Item: { ...key('a'), n: { N: '2' }, b: { B: binary } } }));
    await client.send(new DeleteItemCommand({ TableName: 'events', Key: key('absent') }));
    await client.send(new DeleteItemCommand({ TableName: 'events', Key: key('a') }));
    // A failed conditional write writes no record either.
    await client
      .send(new PutItemCommand({ TableName: 'events', Item: key('a'), ConditionExpression: 'attribute_exists(pk)' }))
      .catch((error) => expect(error.name).toBe('ConditionalCheckFailedException'));
    // A table without a stream records nothing.
    await client.send(new PutItemCommand({ TableName: 'plain', Item: key('a') }));

    const records = await readAll(STREAM_ARN);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records;
    expect(insert).toMatchObject({ eventSource: 'aws:dynamodb', eventVersion: '1.1', awsRegion: 'us-east-1' });
    expect(insert!.dynamodb).toMatchObject({
      Keys: key('a'),
      NewImage: { ...key('a'), n: { N: '1' }, b: { B: binary } },
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(insert!.dynamodb!.OldImage).toBeUndefined();
    expect(insert!.dynamodb!.ApproximateCreationDateTime).toBeInstanceOf(Date);
    expect(insert!.dynamodb!.SizeBytes).toBeGreaterThan(0);
    expect(modify!.dynamodb).toMatchObject({ OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' } } });
    expect(remove!.dynamodb).toMatchObject({ Keys: key('a'), OldImage: { ...key('a'), n: { N: '2' } } });
    expect(remove!.dynamodb!.NewImage).toBeUndefined();
    const sequence = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((x, y) => (x < y ? -1 : 1))).toEqual(sequence);
    expect(new Set(records.map((r) => r.eventID)).size).toBe(3);
  });

  it('shapes images by view type: KEYS_ONLY and NEW_IMAGE', async () => {
    await client.send(new PutItemCommand({ TableName: 'keys-only', Item: { ...key('k'), v: { S: 'x' } } }));
    await client.send(new PutItemCommand({ TableName: 'new-only', Item: { ...key('k'), v: { S: 'x' } } }));
    await client.send(new PutItemCommand({ TableName: 'new-only', Item: { ...key('k'), v: { S: 'y' } } }));
    const [keysOnly] = await readAll(await streamArnOf('keys-only'));
    expect(keysOnly!.dynamodb).toMatchObject({ Keys: key('k'), StreamViewType: 'KEYS_ONLY' });
    expect(keysOnly!.dynamodb!.NewImage).toBeUndefined();
    expect(keysOnly!.dynamodb!.OldImage).toBeUndefined();
    const newOnly = await readAll(await streamArnOf('new-only'));
    expect(newOnly.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(newOnly[1]!.dynamodb!.NewImage).toEqual({ ...key('k'), v: { S: 'y' } });
    expect(newOnly[1]!.dynamodb!.OldImage).toBeUndefined();
  });

  it('records batch writes and committed transactions, and nothing for a cancelled transaction', async () => {
    const before = (await readAll(STREAM_ARN)).at(-1)?.dynamodb?.SequenceNumber;
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          events: [{ PutRequest: { Item: { ...key('batch', 1) } } }, { PutRequest: { Item: { ...key('batch', 2) } } }],
          plain: [{ PutRequest: { Item: key('batch') } }],
        },
      }),
    );
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'events',
              Key: key('batch', 1),
              UpdateExpression: 'SET done = :t',
              ExpressionAttributeValues: { ':t': { BOOL: true } },
            },
          },
          { Delete: { TableName: 'events', Key: key('batch', 2) } },
          { ConditionCheck: { TableName: 'plain', Key: key('batch'), ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'events', Item: key('cancelled') } },
            { ConditionCheck: { TableName: 'plain', Key: key('nobody'), ConditionExpression: 'attribute_exists(pk)' } },
          ],
        }),
      )
      .catch((error) => expect(error.name).toBe('TransactionCanceledException'));

    const records = await readAll(STREAM_ARN, before);
    expect(records.map((r) => [r.eventName, r.dynamodb!.Keys!.sk!.N])).toEqual([
      ['INSERT', '1'],
      ['INSERT', '2'],
      ['MODIFY', '1'],
      ['REMOVE', '2'],
    ]);
    expect(records[2]!.dynamodb!.NewImage).toEqual({ ...key('batch', 1), done: { BOOL: true } });
  });

  it('serves LATEST and AT_SEQUENCE_NUMBER iterators', async () => {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: STREAM_ARN }));
    const ShardId = StreamDescription!.Shards![0]!.ShardId!;
    const latest = await streams.send(new GetShardIteratorCommand({ StreamArn: STREAM_ARN, ShardId, ShardIteratorType: 'LATEST' }));
    await client.send(new PutItemCommand({ TableName: 'events', Item: key('latest') }));
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator }));
    expect(page.Records!.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(['latest']);
    const empty = await streams.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator }));
    expect(empty.Records).toEqual([]);
    expect(empty.NextShardIterator).toBeDefined();

    const at = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: STREAM_ARN,
        ShardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: page.Records![0]!.dynamodb!.SequenceNumber,
      }),
    );
    const again = await streams.send(new GetRecordsCommand({ ShardIterator: at.ShardIterator }));
    expect(again.Records!.map((r) => r.eventID)).toEqual([page.Records![0]!.eventID]);
  });

  it('answers AWS errors for unknown streams and bad iterators', async () => {
    const missing = await streams.send(new DescribeStreamCommand({ StreamArn: `${STREAM_ARN}-nope` })).catch((e) => e);
    expect(missing.name).toBe('ResourceNotFoundException');
    const bad = await streams.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })).catch((e) => e);
    expect(bad.name).toBe('ValidationException');
  });

  it('enables a stream for a table created with a StreamSpecification', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'created-later',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'OLD_IMAGE' },
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'created-later', Item: { pk: { S: 'x' }, v: { N: '1' } } }));
    await client.send(new PutItemCommand({ TableName: 'created-later', Item: { pk: { S: 'x' }, v: { N: '2' } } }));
    const records = await readAll(await streamArnOf('created-later'));
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(records[1]!.dynamodb!.OldImage).toEqual({ pk: { S: 'x' }, v: { N: '1' } });
    expect(records[1]!.dynamodb!.NewImage).toBeUndefined();
  });
});
