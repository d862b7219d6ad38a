/**
 * The edge endpoint with the real emulators behind it, driven by the real SDK
 * clients a handler uses: one URL serves DynamoDB, Kinesis and S3.
 */
import { Readable } from 'node:stream';
import { createServer } from 'node:http';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEdge, type Edge } from '../../src/edge/server';
import { startEmulators, type Emulators } from '../../src/emulators';
import { listenOrExplain, PortError } from '../../src/ports';
import type { ControlRequest, EdgeRequest } from '../../src/types';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let emulators: Emulators;
let edge: Edge;
let dynamodb: DynamoDBClient;
let kinesis: KinesisClient;
let s3: S3Client;
const seen: EdgeRequest[] = [];

beforeAll(async () => {
  emulators = await startEmulators({ host: '127.0.0.1' });
  edge = await startEdge({
    host: '127.0.0.1',
    upstreams: { dynamodb: emulators.dynamodb, kinesis: emulators.kinesis, s3: emulators.s3 },
    handlers: {
      // Stands in for the local cloud's TransactWriteItems (dynalite has none).
      dynamodb: [
        async (request) => {
          seen.push(request);
          if (request.target !== 'DynamoDB_20120810.TransactWriteItems') return undefined;
          return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' };
        },
      ],
    },
    portOption: '--edge-port',
  });
  dynamodb = new DynamoDBClient({ endpoint: edge.url, region, credentials });
  kinesis = new KinesisClient({ endpoint: edge.url, region, credentials, requestHandler: new NodeHttpHandler() });
  s3 = new S3Client({
    endpoint: edge.url,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  dynamodb?.destroy();
  kinesis?.destroy();
  s3?.destroy();
  await edge?.stop();
  await emulators?.stop();
});

describe('edge endpoint', () => {
  it('serves DynamoDB from dynalite through the one URL', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'users',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamodb.send(new PutItemCommand({ TableName: 'users', Item: { pk: { S: 'u1' }, name: { S: 'Ada' } } }));
    const got = await dynamodb.send(new GetItemCommand({ TableName: 'users', Key: { pk: { S: 'u1' } } }));
    expect(got.Item).toEqual({ pk: { S: 'u1' }, name: { S: 'Ada' } });

    // A failed conditional write comes back as the emulator's own AWS error.
    await expect(
      dynamodb.send(new PutItemCommand({ TableName: 'users', Item: { pk: { S: 'u1' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('hands registered handlers the parsed request, and forwards when they decline', async () => {
    seen.length = 0;
    await dynamodb.send(new GetItemCommand({ TableName: 'users', Key: { pk: { S: 'u1' } } }));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', service: 'dynamodb', region, target: 'DynamoDB_20120810.GetItem' });
    expect(JSON.parse(seen[0].body.toString('utf8'))).toEqual({ TableName: 'users', Key: { pk: { S: 'u1' } } });
  });

  it('lets a handler answer a target the emulator does not have', async () => {
    const result = await dynamodb.send(
      new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'users', Item: { pk: { S: 'u2' } } } }] }),
    );
    expect(result.$metadata.httpStatusCode).toBe(200);
    // The emulator never saw it: dynalite would have answered UnknownOperationException.
    const got = await dynamodb.send(new GetItemCommand({ TableName: 'users', Key: { pk: { S: 'u2' } } }));
    expect(got.Item).toBeUndefined();
  });

  it('lets a handler forward to the emulator itself and see its answer', async () => {
    const answers: number[] = [];
    const updateEdge = await startEdge({ upstreams: { dynamodb: emulators.dynamodb } });
    updateEdge.use('dynamodb', async (request) => {
      const answer = await updateEdge.forward(request);
      answers.push(answer.status);
      return answer;
    });
    const client = new DynamoDBClient({ endpoint: updateEdge.url, region, credentials, maxAttempts: 1 });
    try {
      const updated = await client.send(
        new UpdateItemCommand({
          TableName: 'users',
          Key: { pk: { S: 'u1' } },
          UpdateExpression: 'ADD visits :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      expect(updated.Attributes?.visits).toEqual({ N: '1' });
      await expect(
        client.send(new PutItemCommand({ TableName: 'users', Item: { pk: { S: 'u1' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
      ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(answers).toEqual([200, 400]);
    } finally {
      client.destroy();
      await updateEdge.stop();
    }
  });

  it('serves Kinesis from kinesalite (client with NodeHttpHandler)', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'activity', ShardCount: 2 }));
    let status: string | undefined;
    while (status !== 'ACTIVE') {
      status = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'activity' }))).StreamDescriptionSummary?.StreamStatus;
    }
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'activity',
        Records: [
          { PartitionKey: 'u1', Data: Buffer.from('{"n":1}') },
          { PartitionKey: 'u1', Data: Buffer.from('{"n":2}') },
        ],
      }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const shardId = put.Records![0].ShardId!;
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: 'activity' }));
    expect(Shards).toHaveLength(2);
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'activity', ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('serves S3 from s3rver, streamed bodies included (path style, checksums when required)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'raw-activity' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'raw-activity', Key: 'raw/a.ndjson', Body: '{"a":1}\n', ContentType: 'application/json' }),
    );
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'raw-activity',
        Key: 'raw/big.bin',
        Body: Readable.from([big.subarray(0, 1e6), big.subarray(1e6)]),
        ContentLength: big.length,
      }),
    );
    const small = await s3.send(new GetObjectCommand({ Bucket: 'raw-activity', Key: 'raw/a.ndjson' }));
    expect(await small.Body!.transformToString()).toBe('{"a":1}\n');
    const large = await s3.send(new GetObjectCommand({ Bucket: 'raw-activity', Key: 'raw/big.bin' }));
    expect(Buffer.from(await large.Body!.transformToByteArray()).equals(big)).toBe(true);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'raw-activity', Prefix: 'raw/' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(['raw/a.ndjson', 'raw/big.bin']);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'raw-activity', Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('answers a service it does not emulate with an AWS error naming it, in the call protocol', async () => {
    const events = new EventBridgeClient({ endpoint: edge.url, region, credentials, maxAttempts: 1 });
    const sns = new SNSClient({ endpoint: edge.url, region, credentials, maxAttempts: 1 });
    try {
      await expect(events.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }))).rejects.toMatchObject({
        name: 'NotImplemented',
        message: 'the local cloud does not emulate events',
      });
      await expect(sns.send(new ListTopicsCommand({}))).rejects.toMatchObject({
        name: 'NotImplemented',
        message: 'the local cloud does not emulate sns',
      });
    } finally {
      events.destroy();
      sns.destroy();
    }
  });

  it('answers a REST-JSON service it does not emulate in JSON, so the SDK names the error (not a parse failure)', async () => {
    const lambda = new LambdaClient({ endpoint: edge.url, region, credentials, maxAttempts: 1 });
    try {
      await expect(lambda.send(new ListFunctionsCommand({}))).rejects.toMatchObject({
        name: 'NotImplemented',
        message: 'the local cloud does not emulate lambda',
      });
    } finally {
      lambda.destroy();
    }
  });

  it('reads the service of a presigned URL from X-Amz-Credential', async () => {
    const credential = encodeURIComponent('test/20240101/eu-west-1/sqs/aws4_request');
    const response = await fetch(`${edge.url}/000000000000/q?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}`);
    expect(response.status).toBe(501);
    expect(await response.text()).toContain('the local cloud does not emulate sqs');
  });

  describe('control endpoints (/_local/...)', () => {
    const heard: ControlRequest[] = [];
    beforeAll(() => {
      edge.useControl('echo', async (request) => {
        heard.push(request);
        if (request.segments[0] === 'boom') throw new Error('kaboom');
        return { status: 202, headers: { 'x-echo': 'yes' }, body: { segments: request.segments, body: request.body.toString() } };
      });
    });

    it('hands an unsigned call under /_local/<name> to its handler, decoded, and answers its JSON', async () => {
      const response = await fetch(`${edge.url}/_local/echo/a%2Fb/fire?x=1`, { method: 'POST', body: 'hi' });
      expect(response.status).toBe(202);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('x-echo')).toBe('yes');
      expect(await response.json()).toEqual({ segments: ['a/b', 'fire'], body: 'hi' });
      expect(heard.at(-1)).toMatchObject({ method: 'POST', segments: ['a/b', 'fire'] });
      expect(heard.at(-1)!.query.get('x')).toBe('1');
    });

    it('lists the control endpoints in /_local/health and on a 404 for an unknown one', async () => {
      const health = await (await fetch(`${edge.url}/_local/health`)).json();
      expect(health).toEqual({ services: ['dynamodb', 'kinesis', 's3'], control: ['/_local/health', '/_local/echo'] });
      const unknown = await fetch(`${edge.url}/_local/nope/x`, { method: 'POST' });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({
        message: 'no local control endpoint /_local/nope/x',
        endpoints: ['/_local/health', '/_local/echo'],
      });
    });

    it('turns a failing handler into a JSON 500 naming the endpoint', async () => {
      const response = await fetch(`${edge.url}/_local/echo/boom`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: 'local control endpoint /_local/echo failed: kaboom' });
    });

    it('refuses a browser (Origin header), and leaves signed calls to the AWS service they name', async () => {
      const before = heard.length;
      const fromPage = await fetch(`${edge.url}/_local/echo/fire`, { method: 'POST', headers: { origin: 'https://evil.example' } });
      expect(fromPage.status).toBe(403);
      const signed = await fetch(`${edge.url}/_local/echo`, {
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x' },
      });
      expect(signed.status).toBe(501);
      expect(heard.length).toBe(before);
      expect(() => edge.useControl('health', async () => ({ status: 200, body: {} }))).toThrow(/cannot name a control endpoint/);
    });
  });

  it('turns a taken port into one clean line naming what and how to change it', async () => {
    await expect(startEdge({ port: edge.port, host: '127.0.0.1', upstreams: {}, portOption: '--edge-port' })).rejects.toThrow(
      new PortError(`Port ${edge.port} is already in use (edge endpoint); stop what uses it or pass --edge-port`, edge.port, 'EADDRINUSE'),
    );
    const api = createServer();
    const error = await listenOrExplain(api, edge.port, '127.0.0.1', 'API Gateway', '--api-port').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortError);
    expect((error as PortError).message).toBe(`Port ${edge.port} is already in use (API Gateway); stop what uses it or pass --api-port`);
    expect((error as PortError).stack).toBe((error as PortError).message);
    expect(api.listening).toBe(false);
  });
});
