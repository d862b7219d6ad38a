/**
 * Event source mappings of the local cloud: Kinesis (kinesalite in process)
 * and DynamoDB streams, with a fake LambdaInvoker and a fake QueueSink.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import { DynamoDbStreams } from '../../../src/dynamodb/streams';
import { MemoryCheckpoints } from '../../../src/event-source-mappings/checkpoints';
import { EventSourceMappings, type EventSourceMappingsOptions } from '../../../src/event-source-mappings/mappings';
import type { InvokeResult, LambdaInvoker, QueueSink, StackResource } from '../../../src/types';

// ------------------------------------------------------------ fakes

type Outcome = { payload?: unknown } | { error: string };

/** Records every invocation; `behaviour` decides each outcome from the records of the event. */
class FakeLambda implements LambdaInvoker {
  readonly calls: Array<{ functionRef: string; records: any[] }> = [];
  constructor(private readonly behaviour: (records: any[]) => Outcome = () => ({})) {}

  async invoke(functionRef: string, event: any): Promise<InvokeResult> {
    const records = event.Records as any[];
    this.calls.push({ functionRef, records });
    const outcome = this.behaviour(records);
    const record = {
      timestamp: new Date().toISOString(),
      functionName: functionRef,
      logicalId: 'Fn',
      requestId: 'r',
      memorySizeMb: 128,
      durationMs: 1,
      billedDurationMs: 1,
      maxMemoryUsedMb: 1,
      status: 'error' in outcome ? ('error' as const) : ('success' as const),
    };
    return 'error' in outcome
      ? { error: { errorType: 'Error', errorMessage: outcome.error }, record }
      : { payload: outcome.payload, record };
  }

  async invokeAsync(): Promise<void> {}

  /** The payloads (Kinesis data, decoded) of each invocation. */
  get batches(): string[][] {
    return this.calls.map((c) => c.records.map(payloadOf));
  }
}

class FakeQueues implements QueueSink {
  readonly sent: Array<{ queue: string; body: any }> = [];
  async send(queueRef: string, body: string): Promise<void> {
    this.sent.push({ queue: queueRef, body: JSON.parse(body) });
  }
}

function payloadOf(record: any): string {
  return record.kinesis ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : record.dynamodb.Keys.pk.S;
}

// ------------------------------------------------------------ stack

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:consumer';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/consumer-role';
const DLQ = 'arn:aws:sqs:us-east-1:000000000000:consumer-dlq';

function stackOf(mappings: Array<Record<string, unknown>>): EventSourceMappingsOptions['stack'] {
  const resources: StackResource[] = [
    {
      logicalId: 'Consumer',
      type: 'AWS::Lambda::Function',
      properties: { Role: ROLE_ARN },
      physicalId: 'consumer',
      attributes: { Arn: FUNCTION_ARN },
      metadata: {},
    },
    ...mappings.map((properties, i) => ({
      logicalId: `Mapping${i}`,
      type: 'AWS::Lambda::EventSourceMapping',
      properties: { FunctionName: 'consumer', ...properties },
      physicalId: `uuid-${i}`,
      attributes: {},
      metadata: {},
    })),
  ];
  return {
    byType: (type) => resources.filter((r) => r.type === type),
    find: (ref) => resources.find((r) => r.logicalId === ref || r.physicalId === ref || Object.values(r.attributes).includes(ref)),
  };
}

// ------------------------------------------------------------ kinesalite

let server: Server;
let endpoint: string;
let kinesis: KinesisClient;
let streamCount = 0;

beforeAll(async () => {
  server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kinesis = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
  });
});

afterAll(async () => {
  kinesis.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

/** A new one-shard stream holding `payloads` (in order); resolves with its ARN. */
async function streamWith(payloads: string[]): Promise<string> {
  const StreamName = `s${++streamCount}`;
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  for (;;) {
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName }));
    if (StreamDescription?.StreamStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await putAll(StreamName, payloads);
  return `arn:aws:kinesis:us-east-1:000000000000:stream/${StreamName}`;
}

async function putAll(streamName: string, payloads: string[]): Promise<void> {
  for (const payload of payloads) {
    await kinesis.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: `pk-${payload}`, Data: Buffer.from(payload) }));
  }
}

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `r${i + 1}`);

async function run(
  mapping: Record<string, unknown>,
  lambda: FakeLambda,
  queues = new FakeQueues(),
  extra: Partial<EventSourceMappingsOptions> = {},
): Promise<EventSourceMappings> {
  const esm = new EventSourceMappings({
    stack: stackOf([mapping]),
    invoker: lambda,
    queues,
    kinesisEndpoint: endpoint,
    retryBackoffMs: 0,
    pollIntervalMs: 20,
    ...extra,
  });
  await esm.start();
  await esm.drain();
  return esm;
}

// ------------------------------------------------------------ tests

describe('Kinesis event source mappings', () => {
  it('applies FilterCriteria to the kinesis record, data parsed when it is JSON; skipped records are checkpointed past', async () => {
    const arn = await streamWith([
      JSON.stringify({ kind: 'click', n: 1 }),
      JSON.stringify({ kind: 'view', n: 2 }),
      'not json',
      JSON.stringify({ kind: 'click', n: 3 }),
      JSON.stringify({ kind: 'view', n: 4 }),
    ]);
    const lambda = new FakeLambda();
    const positions = new MemoryCheckpoints();
    const esm = await run(
      {
        EventSourceArn: arn,
        BatchSize: 10,
        StartingPosition: 'TRIM_HORIZON',
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { kind: ['click'] } }) }, { Pattern: '{"data":["not json"]}' }] },
      },
      lambda,
      new FakeQueues(),
      { checkpoints: positions },
    );
    await esm.stop();
    expect(lambda.batches.flat()).toEqual([JSON.stringify({ kind: 'click', n: 1 }), 'not json', JSON.stringify({ kind: 'click', n: 3 })]);
    expect(esm.mappings[0]!.filterCount).toBe(2);
    // The checkpoint is past the last delivered record: the filtered-out record after it is not read again.
    const last = lambda.calls.at(-1)!.records.at(-1);
    const shardId = String(last.eventID).split(':')[0]!;
    expect(BigInt(positions.get('uuid-0', shardId)!)).toBeGreaterThan(BigInt(last.kinesis.sequenceNumber));
  });

  it('refuses a mapping whose FilterCriteria pattern is not valid', async () => {
    const arn = await streamWith([]);
    const esm = new EventSourceMappings({
      stack: stackOf([{ EventSourceArn: arn, FilterCriteria: { Filters: [{ Pattern: '{"data": "not a list"}' }] } }]),
      invoker: new FakeLambda(),
      kinesisEndpoint: endpoint,
      log: () => undefined,
    });
    expect(esm.skipped).toEqual([{ logicalId: 'Mapping0', reason: expect.stringMatching(/^FilterCriteria: /) }]);
    await esm.stop();
  });

  it('delivers every record in order in batches of BatchSize, in the event Lambda builds', async () => {
    const arn = await streamWith(numbered(7));
    const lambda = new FakeLambda();
    const esm = await run({ EventSourceArn: arn, BatchSize: 3, StartingPosition: 'TRIM_HORIZON' }, lambda);
    await esm.stop();

    expect(lambda.batches).toEqual([['r1', 'r2', 'r3'], ['r4', 'r5', 'r6'], ['r7']]);
    expect(lambda.calls.every((c) => c.functionRef === FUNCTION_ARN)).toBe(true);
    const record = lambda.calls[0]!.records[0];
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'pk-r1',
        sequenceNumber: expect.stringMatching(/^\d+$/),
        data: Buffer.from('r1').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${record.kinesis.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: ROLE_ARN,
      awsRegion: 'us-east-1',
      eventSourceARN: arn,
    });
  });

  it('starts at LATEST: only records written after start are delivered', async () => {
    const arn = await streamWith(['old-1', 'old-2']);
    const lambda = new FakeLambda();
    const esm = await run({ EventSourceArn: arn, BatchSize: 10, StartingPosition: 'LATEST' }, lambda);
    await putAll(arn.split('/')[1]!, ['new-1', 'new-2']);
    await esm.drain();
    await esm.stop();
    expect(lambda.batches.flat()).toEqual(['new-1', 'new-2']);
  });

  it('resumes from the lowest failed sequence number reported with ReportBatchItemFailures', async () => {
    const arn = await streamWith(numbered(5));
    let failed = false;
    const lambda = new FakeLambda((records) => {
      if (failed) return { payload: { batchItemFailures: [] } };
      failed = true;
      const ids = records.filter((r) => ['r3', 'r5'].includes(payloadOf(r))).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));
      return { payload: { batchItemFailures: ids.reverse() } };
    });
    const queues = new FakeQueues();
    const esm = await run(
      {
        EventSourceArn: arn,
        BatchSize: 10,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 3,
      },
      lambda,
      queues,
    );
    await esm.stop();
    expect(lambda.batches).toEqual([
      ['r1', 'r2', 'r3', 'r4', 'r5'],
      ['r3', 'r4', 'r5'],
    ]);
    expect(queues.sent).toEqual([]);
  });

  it('treats an identifier that is not in the batch as a failure of the whole batch', async () => {
    const arn = await streamWith(numbered(2));
    let calls = 0;
    const lambda = new FakeLambda(() =>
      ++calls === 1 ? { payload: { batchItemFailures: [{ itemIdentifier: 'nope' }] } } : { payload: {} },
    );
    const esm = await run(
      { EventSourceArn: arn, BatchSize: 10, StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'] },
      lambda,
    );
    await esm.stop();
    expect(lambda.batches).toEqual([
      ['r1', 'r2'],
      ['r1', 'r2'],
    ]);
  });

  it('bisects a failing batch to isolate the bad record, then sends only it to the on-failure destination', async () => {
    const arn = await streamWith(numbered(8));
    const lambda = new FakeLambda((records): Outcome => (records.some((r) => payloadOf(r) === 'r5') ? { error: 'poison' } : {}));
    const queues = new FakeQueues();
    const esm = await run(
      {
        EventSourceArn: arn,
        BatchSize: 8,
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: DLQ } },
      },
      lambda,
      queues,
    );
    await esm.stop();

    expect(lambda.batches).toEqual([
      ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'],
      ['r1', 'r2', 'r3', 'r4'],
      ['r5', 'r6', 'r7', 'r8'],
      ['r5', 'r6'],
      ['r5'],
      ['r5'],
      ['r6'],
      ['r7', 'r8'],
    ]);
    expect(queues.sent).toHaveLength(1);
    const { queue, body } = queues.sent[0]!;
    expect(queue).toBe(DLQ);
    const r5 = lambda.calls[4]!.records[0].kinesis.sequenceNumber;
    expect(body).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: FUNCTION_ARN,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.any(String),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: r5,
        endSequenceNumber: r5,
        approximateArrivalOfFirstRecord: expect.any(String),
        approximateArrivalOfLastRecord: expect.any(String),
        batchSize: 1,
        streamArn: arn,
      },
    });
  });

  it('retries a failing batch MaximumRetryAttempts times, then sends it to the destination and moves on', async () => {
    const arn = await streamWith(numbered(4));
    const lambda = new FakeLambda((records): Outcome => (payloadOf(records[0]) === 'r1' ? { error: 'always' } : {}));
    const queues = new FakeQueues();
    const esm = await run(
      {
        EventSourceArn: arn,
        BatchSize: 2,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: DLQ } },
      },
      lambda,
      queues,
    );
    await esm.stop();
    expect(lambda.batches).toEqual([
      ['r1', 'r2'],
      ['r1', 'r2'],
      ['r1', 'r2'],
      ['r3', 'r4'],
    ]);
    expect(queues.sent).toHaveLength(1);
    expect(queues.sent[0]!.body.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(queues.sent[0]!.body.KinesisBatchInfo).toMatchObject({
      batchSize: 2,
      startSequenceNumber: lambda.calls[0]!.records[0].kinesis.sequenceNumber,
      endSequenceNumber: lambda.calls[0]!.records[1].kinesis.sequenceNumber,
    });
  });

  it('bounds MaximumRetryAttempts -1 locally, and gives up partial failures the same way', async () => {
    const arn = await streamWith(numbered(3));
    const lambda = new FakeLambda((records) => ({
      payload: { batchItemFailures: [{ itemIdentifier: records.at(-1).kinesis.sequenceNumber }] },
    }));
    const queues = new FakeQueues();
    const esm = await run(
      {
        EventSourceArn: arn,
        BatchSize: 3,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: -1,
        DestinationConfig: { OnFailure: { Destination: DLQ } },
      },
      lambda,
      queues,
      { unboundedRetryAttempts: 2 },
    );
    await esm.stop();
    expect(lambda.batches).toEqual([['r1', 'r2', 'r3'], ['r3'], ['r3']]);
    expect(queues.sent).toHaveLength(1);
    expect(queues.sent[0]!.body.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(queues.sent[0]!.body.KinesisBatchInfo.batchSize).toBe(1);
  });

  it('reads a split shard to its end before its children', async () => {
    const arn = await streamWith(numbered(3));
    const StreamName = arn.split('/')[1]!;
    await kinesis.send(
      new SplitShardCommand({ StreamName, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }),
    );
    for (;;) {
      const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName }));
      if (StreamDescription?.StreamStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await putAll(StreamName, ['c1', 'c2', 'c3', 'c4']);
    const lambda = new FakeLambda();
    const esm = await run({ EventSourceArn: arn, BatchSize: 10, StartingPosition: 'TRIM_HORIZON' }, lambda);
    await esm.stop();
    const delivered = lambda.batches.flat();
    expect(delivered.slice(0, 3)).toEqual(['r1', 'r2', 'r3']);
    expect([...delivered.slice(3)].sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    const children = new Set(lambda.calls.slice(1).flatMap((c) => c.records.map((r) => r.eventID.split(':')[0])));
    expect(children.has('shardId-000000000000')).toBe(false);
  });

  it('drain() delivers what the batching window holds, without waiting for the window', async () => {
    const arn = await streamWith(numbered(3));
    const lambda = new FakeLambda();
    const esm = await run(
      { EventSourceArn: arn, BatchSize: 100, MaximumBatchingWindowInSeconds: 300, StartingPosition: 'TRIM_HORIZON' },
      lambda,
    );
    await esm.stop();
    expect(lambda.batches).toEqual([['r1', 'r2', 'r3']]);
  });

  it('leaves disabled mappings alone and lists mappings it cannot serve', async () => {
    const arn = await streamWith(numbered(2));
    const lambda = new FakeLambda();
    const esm = new EventSourceMappings({
      stack: stackOf([
        { EventSourceArn: arn, StartingPosition: 'TRIM_HORIZON', Enabled: false },
        { EventSourceArn: 'arn:aws:mq:us-east-1:000000000000:broker:b', BatchSize: 10 },
      ]),
      invoker: lambda,
      kinesisEndpoint: endpoint,
      log: () => undefined,
    });
    await esm.start();
    await esm.drain();
    await esm.stop();
    expect(lambda.calls).toEqual([]);
    expect(esm.mappings).toEqual([expect.objectContaining({ logicalId: 'Mapping0', enabled: false, source: 'kinesis' })]);
    expect(esm.skipped).toEqual([
      { logicalId: 'Mapping1', reason: expect.stringMatching(/not a Kinesis or DynamoDB stream or an SQS queue/) },
    ]);
  });
});

describe('DynamoDB stream event source mappings', () => {
  const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000';
  const change = (streams: DynamoDbStreams, pk: string, status: string, previous?: string) =>
    streams.record({
      tableName: 'orders',
      keys: { pk: { S: pk } },
      newImage: { pk: { S: pk }, status: { S: status } },
      ...(previous ? { oldImage: { pk: { S: pk }, status: { S: previous } } } : {}),
    });

  it('delivers stream records as Lambda does, from TRIM_HORIZON, with partial batch failures', async () => {
    const streams = new DynamoDbStreams({ tables: [{ tableName: 'orders', viewType: 'NEW_AND_OLD_IMAGES', streamArn: STREAM }] });
    change(streams, 'o1', 'PENDING');
    change(streams, 'o2', 'PENDING');
    change(streams, 'o1', 'PAID', 'PENDING');
    let first = true;
    const lambda = new FakeLambda((records) => {
      if (!first) return {};
      first = false;
      return { payload: { batchItemFailures: [{ itemIdentifier: records[1].dynamodb.SequenceNumber }] } };
    });
    const esm = await run(
      { EventSourceArn: STREAM, BatchSize: 10, StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'] },
      lambda,
      new FakeQueues(),
      { dynamoDbStreams: streams },
    );
    await esm.stop();
    expect(lambda.batches).toEqual([
      ['o1', 'o2', 'o1'],
      ['o2', 'o1'],
    ]);
    const modify = lambda.calls[0]!.records[2];
    expect(modify).toEqual({
      eventID: expect.any(String),
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'o1' } },
        NewImage: { pk: { S: 'o1' }, status: { S: 'PAID' } },
        OldImage: { pk: { S: 'o1' }, status: { S: 'PENDING' } },
        SequenceNumber: expect.stringMatching(/^\d{21}$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: STREAM,
    });
  });

  it('starts at LATEST and picks up new records as they are written', async () => {
    const streams = new DynamoDbStreams({ tables: [{ tableName: 'orders', viewType: 'NEW_IMAGE', streamArn: STREAM }] });
    change(streams, 'before', 'PENDING');
    const lambda = new FakeLambda();
    const esm = await run({ EventSourceArn: STREAM, BatchSize: 2, StartingPosition: 'LATEST' }, lambda, new FakeQueues(), {
      dynamoDbStreams: streams,
    });
    change(streams, 'a', 'PENDING');
    change(streams, 'b', 'PENDING');
    change(streams, 'c', 'PENDING');
    await esm.drain();
    await esm.stop();
    expect(lambda.batches).toEqual([['a', 'b'], ['c']]);
    expect(lambda.calls[0]!.records[0].dynamodb.OldImage).toBeUndefined();
  });

  it('sends an exhausted batch to the destination with DDBStreamBatchInfo', async () => {
    const streams = new DynamoDbStreams({ tables: [{ tableName: 'orders', viewType: 'KEYS_ONLY', streamArn: STREAM }] });
    change(streams, 'x', 'PENDING');
    const lambda = new FakeLambda(() => ({ error: 'nope' }));
    const queues = new FakeQueues();
    const esm = await run(
      {
        EventSourceArn: STREAM,
        BatchSize: 10,
        StartingPosition: 'TRIM_HORIZON',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: DLQ } },
      },
      lambda,
      queues,
      { dynamoDbStreams: streams },
    );
    await esm.stop();
    expect(lambda.calls).toHaveLength(1);
    expect(queues.sent[0]!.body.DDBStreamBatchInfo).toMatchObject({
      batchSize: 1,
      streamArn: STREAM,
      shardId: expect.stringMatching(/^shardId-/),
    });
  });
});
