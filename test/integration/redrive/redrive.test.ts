/**
 * `npm run redrive` against the local cloud with the real SDK: a small CDK app
 * (a bus rule, a Kinesis stream and a DynamoDB stream, each to one consumer with
 * no retries and an SQS dead-letter queue) gets poison events; they are
 * dead-lettered in the shapes AWS writes (invocation records, stream batch
 * pointers, a rule target's dead letter); the poison is removed; the redrive
 * re-sends each one and its effect is applied exactly once. A batch the stream
 * no longer holds is re-read from the S3 raw log.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startLocalCloud, type LocalCloud } from 'local-cloud';
import { main } from '../../../cli/redrive/main';
import type { RedriveClients } from '../../../cli/redrive/redrive';

jest.setTimeout(120_000);

const work = mkdtempSync(path.join(tmpdir(), 'redrive-'));
const POISON_FILE = path.join(work, 'poison');
const EFFECTS_FILE = path.join(work, 'effects');
let cloud: LocalCloud;
let outputs: Record<string, string>;
let clients: RedriveClients;
const stderr: string[] = [];

function synth(): string {
  const outdir = path.join(work, 'cdk.out');
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Redrive', { env: { account: '000000000000', region: 'us-east-1' } });
  const consumer = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'assets', 'consumer')),
      timeout: Duration.seconds(10),
      environment: { POISON_FILE, EFFECTS_FILE },
    });
  const eventsDlq = new sqs.Queue(stack, 'EventsDlq');
  const streamsDlq = new sqs.Queue(stack, 'StreamsDlq');
  const bus = new events.EventBus(stack, 'Bus');
  const onEvent = consumer('OnEvent');
  new events.Rule(stack, 'Rule', { eventBus: bus, eventPattern: { source: ['test'] } }).addTarget(
    new targets.LambdaFunction(onEvent, { retryAttempts: 0, deadLetterQueue: eventsDlq }),
  );
  onEvent.configureAsyncInvoke({ retryAttempts: 0, onFailure: new SqsDestination(eventsDlq) });
  const stream = new kinesis.Stream(stack, 'Stream', { shardCount: 1 });
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const bucket = new s3.Bucket(stack, 'Raw');
  const failure = { startingPosition: lambda.StartingPosition.TRIM_HORIZON, retryAttempts: 0, onFailure: new SqsDlq(streamsDlq) };
  consumer('OnRecord').addEventSource(new KinesisEventSource(stream, { ...failure, batchSize: 10 }));
  consumer('OnItem').addEventSource(new DynamoEventSource(table, { ...failure, batchSize: 10 }));
  const out = (key: string, value: string) => new CfnOutput(stack, key, { key, value });
  out('DeadLetterQueueEvents', eventsDlq.queueUrl);
  out('DeadLetterQueueStreams', streamsDlq.queueUrl);
  out('BusName', bus.eventBusName);
  out('ActivityStreamName', stream.streamName);
  out('StreamArn', stream.streamArn);
  out('RawBucketName', bucket.bucketName);
  out('TableName', table.tableName);
  app.synth();
  return outdir;
}

beforeAll(async () => {
  cloud = await startLocalCloud({
    assemblyDir: synth(),
    stateDir: path.join(work, 'state'),
    apiPort: 0,
    edgePort: 0,
    retryBaseDelayMs: 10,
    log: () => undefined,
  });
  outputs = cloud.outputs as Record<string, string>;
  const config = { endpoint: cloud.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  clients = {
    sqs: new SQSClient(config),
    kinesis: () => new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
    streams: () => new DynamoDBStreamsClient(config),
    s3: () => new S3Client({ ...config, forcePathStyle: true }),
    // Lambda's Invoke API is not at the edge yet: the cloud's own invoker, behind redrive's one Invoke function.
    invoke: async (functionArn, payload) => {
      const result = await cloud.lambda.invoke(functionArn, payload);
      return result.error ? { ok: false, error: result.error.errorMessage } : { ok: true, payload: result.payload };
    },
  };
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(work, { recursive: true, force: true });
});

const redriveCli = (...args: string[]) =>
  main([...args, '--outputs', path.join(work, 'state', 'outputs.json')], {
    stdout: () => undefined,
    stderr: (text) => stderr.push(text),
    env: {},
    clients,
  });

async function depth(key: string): Promise<number> {
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: outputs[key],
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const effects = () => (existsSync(EFFECTS_FILE) ? readFileSync(EFFECTS_FILE, 'utf8').split('\n').filter(Boolean) : []);
const count = (id: string) => effects().filter((e) => e === id).length;

it('dead-letters poison from a rule, a Kinesis stream and a DynamoDB stream, then redrives each once it is fixed', async () => {
  writeFileSync(POISON_FILE, ['e-poison', 'k-poison', 'd-poison'].join('\n'));
  const config = { endpoint: cloud.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  await new EventBridgeClient(config).send(
    new PutEventsCommand({
      Entries: ['e-poison', 'e-fine'].map((id) => ({
        EventBusName: outputs.BusName,
        Source: 'test',
        DetailType: 'Test',
        Detail: JSON.stringify({ id }),
      })),
    }),
  );
  await clients.kinesis().send(
    new PutRecordsCommand({
      StreamName: outputs.ActivityStreamName,
      Records: ['k-1', 'k-poison', 'k-2'].map((id) => ({ PartitionKey: 'p', Data: Buffer.from(JSON.stringify({ id })) })),
    }),
  );
  await new DynamoDBClient(config).send(new PutItemCommand({ TableName: outputs.TableName, Item: { pk: { S: 'd-poison' } } }));
  // A rule target's own dead letter (EventBridge could not deliver): the event, with RULE_ARN / TARGET_ARN.
  const onEvent = cloud.functions.find((f) => f.logicalId.startsWith('OnEvent'))!;
  await clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: outputs.DeadLetterQueueEvents,
      MessageBody: JSON.stringify({ version: '0', id: 'x', source: 'test', 'detail-type': 'Test', detail: { id: 'e-undelivered' } }),
      MessageAttributes: {
        RULE_ARN: { DataType: 'String', StringValue: 'arn:aws:events:us-east-1:000000000000:rule/Bus/Rule' },
        TARGET_ARN: { DataType: 'String', StringValue: onEvent.arn },
        ERROR_CODE: { DataType: 'String', StringValue: 'THROTTLING' },
      },
    }),
  );
  await until(
    '2 dead letters of the rule and 2 of the streams',
    async () => (await depth('DeadLetterQueueEvents')) === 2 && (await depth('DeadLetterQueueStreams')) === 2,
  );
  expect(effects().sort()).toEqual(['e-fine']);

  // Still poisoned: the poison is left (visible again, exit 1); the undelivered event is fine, so it is redriven.
  expect(await redriveCli('Events')).toBe(1);
  expect(await depth('DeadLetterQueueEvents')).toBe(1);
  expect(effects().sort()).toEqual(['e-fine', 'e-undelivered']);
  // A dry run changes nothing either.
  expect(await redriveCli('Streams', '--dry-run', '--verbose')).toBe(0);
  expect(await depth('DeadLetterQueueStreams')).toBe(2);
  expect(stderr.join('')).toContain('kinesis batch of');

  rmSync(POISON_FILE);
  expect(await redriveCli('Events', '--verbose')).toBe(0);
  expect(await redriveCli('Streams', '--verbose')).toBe(0);
  expect(await depth('DeadLetterQueueEvents')).toBe(0);
  expect(await depth('DeadLetterQueueStreams')).toBe(0);
  await cloud.idle();
  for (const id of ['e-fine', 'e-poison', 'e-undelivered', 'k-1', 'k-poison', 'k-2', 'd-poison'])
    expect(`${id}: ${count(id)}`).toBe(`${id}: 1`);
  expect(effects()).toHaveLength(7);
});

it('re-reads a batch the stream no longer holds from the raw log around its arrival', async () => {
  const arrival = new Date();
  const iso = arrival.toISOString();
  const key = `raw/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/batch.ndjson`;
  const config = {
    endpoint: cloud.edgeUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  };
  await new S3Client(config).send(
    new PutObjectCommand({
      Bucket: outputs.RawBucketName,
      Key: key,
      Body: ['r-1', 'r-2'].map((id) => JSON.stringify({ id, userId: 'u' })).join('\n'),
    }),
  );
  const onRecord = cloud.functions.find((f) => f.logicalId.startsWith('OnRecord'))!;
  // Pointers to sequence numbers the shard never had (as once the stream's retention has passed).
  await clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: outputs.DeadLetterQueueStreams,
      MessageBody: JSON.stringify({
        requestContext: {
          requestId: 'r',
          functionArn: `${onRecord.arn}:$LATEST`,
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 1,
        },
        version: '1.0',
        timestamp: iso,
        KinesisBatchInfo: {
          shardId: 'shardId-000000000000',
          startSequenceNumber: '49500000000000000000000000000000000000000000000000000001',
          endSequenceNumber: '49500000000000000000000000000000000000000000000000000002',
          approximateArrivalOfFirstRecord: iso,
          approximateArrivalOfLastRecord: iso,
          batchSize: 2,
          streamArn: outputs.StreamArn,
        },
      }),
    }),
  );
  const code = await redriveCli('Streams', '--verbose');
  expect(stderr.join('')).toContain('from the raw log');
  expect(code).toBe(0);
  expect([count('r-1'), count('r-2')]).toEqual([1, 1]);
  expect(await depth('DeadLetterQueueStreams')).toBe(0);
});
