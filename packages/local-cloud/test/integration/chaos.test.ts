/**
 * LocalStack's Chaos API on a running local cloud, driven with the real SDK
 * clients: a fault rule makes the SDK raise the named error with its status
 * (and retry it exactly when AWS's would be retried), PATCH and DELETE edit
 * the list, latency delays every call, and `/_localstack/health` lists the
 * services. Lambda invocation faults are in test/fixtures/chaos-lambda.test.ts.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runChaos } from '../../src/chaos/client';
import { startLocalCloud, type LocalCloud } from '../../src/index';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let cloud: LocalCloud;
let stateDir: string;
let config: { endpoint: string; region: string; credentials: typeof credentials; maxAttempts: number };

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'chaos-'));
  cloud = await startLocalCloud({ assemblyDir: null, edgePort: 0, apiPort: 0, stateDir, log: () => undefined });
  config = { endpoint: cloud.edgeUrl, region: 'us-east-1', credentials, maxAttempts: 3 };
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

afterEach(async () => {
  await chaos('POST', 'faults', []);
  await chaos('POST', 'effects', { latency: 0, seed: null });
});

async function chaos(method: string, resource: 'faults' | 'effects', body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${cloud.edgeUrl}/_localstack/chaos/${resource}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: await response.json() };
}

/** The error the SDK call rejected with: its name, HTTP status and how many attempts the SDK made. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number; attempts?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts };
  }
  throw new Error('the call succeeded');
}

it('answers the rule list as LocalStack does: POST replaces, PATCH appends, DELETE removes equal rules', async () => {
  expect(await chaos('GET', 'faults')).toEqual({ status: 200, body: [] });
  expect(await chaos('POST', 'faults', [{ service: 's3', region: 'us-east-1' }, { service: 'lambda' }])).toEqual({
    status: 200,
    body: [{ service: 's3', region: 'us-east-1' }, { service: 'lambda' }],
  });
  const patched = await chaos('PATCH', 'faults', [{ service: 'kinesis', operation: 'PutRecord', probability: 0.3 }]);
  expect(patched.body).toHaveLength(3);
  expect((await chaos('DELETE', 'faults', [{ service: 'lambda' }])).body).toEqual([
    { service: 's3', region: 'us-east-1' },
    { service: 'kinesis', operation: 'PutRecord', probability: 0.3 },
  ]);
  const bad = await chaos('POST', 'faults', [{ service: 's3', probability: 3 }]);
  expect(bad.status).toBe(400);
  expect((await chaos('GET', 'faults')).body).toHaveLength(2); // a refused body changes nothing
  expect(cloud.chaos.rules()).toHaveLength(2);
});

it('refuses browser calls (Origin header)', async () => {
  const response = await fetch(`${cloud.edgeUrl}/_localstack/chaos/faults`, { headers: { origin: 'http://evil.example' } });
  expect(response.status).toBe(403);
});

it('DynamoDB: the SDK raises ProvisionedThroughputExceededException 400 and retries it (a throttle)', async () => {
  const dynamodb = new DynamoDBClient(config);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'chaos',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await chaos('POST', 'faults', [
    { service: 'dynamodb', operation: 'PutItem', error: { statusCode: 400, code: 'ProvisionedThroughputExceededException' } },
  ]);
  const put = () => dynamodb.send(new PutItemCommand({ TableName: 'chaos', Item: { pk: { S: 'a' } } }));
  expect(await failure(put())).toEqual({ name: 'ProvisionedThroughputExceededException', status: 400, attempts: 3 });
  // Another operation of the service is not affected; a non-retryable code is tried once.
  await chaos('POST', 'faults', [{ service: 'dynamodb', operation: 'PutItem', error: { statusCode: 400, code: 'ValidationException' } }]);
  expect(await failure(put())).toEqual({ name: 'ValidationException', status: 400, attempts: 1 });
  await chaos('POST', 'faults', []);
  await expect(put()).resolves.toBeDefined();
});

it('Kinesis PutRecords: ProvisionedThroughputExceededException; other operations pass', async () => {
  const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }); // HTTP/1.1, as kinesalite speaks
  await kinesis.send(new CreateStreamCommand({ StreamName: 'chaos', ShardCount: 1 }));
  await chaos('POST', 'faults', [
    { service: 'kinesis', operation: 'PutRecords', error: { statusCode: 400, code: 'ProvisionedThroughputExceededException' } },
  ]);
  const put = kinesis.send(new PutRecordsCommand({ StreamName: 'chaos', Records: [{ Data: Buffer.from('x'), PartitionKey: 'k' }] }));
  expect(await failure(put)).toMatchObject({ name: 'ProvisionedThroughputExceededException', status: 400 });
  await expect(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'chaos' }))).resolves.toBeDefined();
});

it('S3 PutObject (streamed through to the emulator): 503 ServiceUnavailable by default, retried', async () => {
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'chaos' }));
  await chaos('POST', 'faults', [{ service: 's3', operation: 'PutObject' }]);
  const put = () => s3.send(new PutObjectCommand({ Bucket: 'chaos', Key: 'raw/a.json', Body: '{"a":1}' }));
  expect(await failure(put())).toEqual({ name: 'ServiceUnavailable', status: 503, attempts: 3 });
  await chaos('POST', 'faults', [{ service: 's3', operation: 'PutObject', region: 'eu-central-1' }]);
  await expect(put()).resolves.toBeDefined(); // another region's outage
});

it('EventBridge PutEvents and SQS SendMessage: 500 InternalError as the SDK names it', async () => {
  const events = new EventBridgeClient({ ...config, maxAttempts: 1 });
  const sqs = new SQSClient({ ...config, maxAttempts: 1 });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'chaos' }));
  await chaos('POST', 'faults', [
    { service: 'events', operation: 'PutEvents', error: { statusCode: 500, code: 'InternalException' } },
    { service: 'sqs', error: { statusCode: 500, code: 'InternalError' } },
  ]);
  const putEvents = events.send(new PutEventsCommand({ Entries: [{ Source: 'chaos', DetailType: 'x', Detail: '{}' }] }));
  expect(await failure(putEvents)).toMatchObject({ name: 'InternalException', status: 500 });
  expect(await failure(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).toMatchObject({
    name: 'InternalError',
    status: 500,
  });
});

it('a probability with a seed fails the same calls on every run', async () => {
  const sqs = new SQSClient({ ...config, maxAttempts: 1 });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'chaos-seeded' }));
  const run = async () => {
    await chaos('POST', 'faults', [{ service: 'sqs', operation: 'SendMessage', probability: 0.5 }]);
    await chaos('POST', 'effects', { seed: 1234 });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: String(i) })).then(
          () => true,
          () => false,
        ),
      );
    }
    return outcomes;
  };
  const first = await run();
  expect(first).toContain(true);
  expect(first).toContain(false);
  expect(await run()).toEqual(first);
});

it('latency delays every AWS call by at least the configured ms', async () => {
  expect(await chaos('POST', 'effects', { latency: 250 })).toEqual({ status: 200, body: { latency: 250 } });
  expect((await chaos('GET', 'effects')).body).toEqual({ latency: 250 });
  const sqs = new SQSClient(config);
  const started = performance.now();
  await sqs.send(new CreateQueueCommand({ QueueName: 'chaos-latency' }));
  expect(performance.now() - started).toBeGreaterThanOrEqual(250);
});

it('/_localstack/health lists the services the edge serves as running', async () => {
  const response = await fetch(`${cloud.edgeUrl}/_localstack/health`);
  const health = (await response.json()) as { services: Record<string, string>; edition: string; version: string };
  expect(response.status).toBe(200);
  for (const service of ['dynamodb', 'dynamodbstreams', 'kinesis', 's3', 'sqs', 'events']) expect(health.services[service]).toBe('running');
  expect(Object.values(health.services).every((state) => ['running', 'available', 'disabled'].includes(state))).toBe(true);
  expect(health).toMatchObject({ edition: 'local-cloud', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
});

it('`npm run local -- chaos` adds, sets, lists and clears rules, latency and seed through the edge', async () => {
  const client = { edgeUrl: cloud.edgeUrl };
  const added = await runChaos(client, ['add'], {
    service: 'kinesis',
    operation: 'PutRecords',
    probability: '0.3',
    code: 'ProvisionedThroughputExceededException',
    status: '400',
  });
  expect(added).toContain(
    '  1. {"service":"kinesis","operation":"PutRecords","probability":0.3,"error":{"statusCode":400,"code":"ProvisionedThroughputExceededException"}}',
  );
  await runChaos(client, ['add'], { service: 'lambda', function: 'Writer', kill: true, times: '1' });
  expect(cloud.chaos.rules()).toEqual([
    expect.objectContaining({ service: 'kinesis' }),
    { service: 'lambda', functionName: 'Writer', kill: true, times: 1 },
  ]);
  await runChaos(client, ['set', '[{"service":"s3"}]'], {});
  expect(cloud.chaos.rules()).toEqual([{ service: 's3' }]);
  expect(await runChaos(client, ['latency', '5'], {})).toContain('Latency 5 ms on every AWS call; no seed (Math.random).');
  expect(await runChaos(client, ['seed', '9'], {})).toContain('Latency 5 ms on every AWS call; seed 9.');
  await expect(runChaos(client, ['add'], { probability: '7' })).rejects.toThrow('probability must be a number from 0 to 1');
  expect(await runChaos(client, ['clear'], {})).toEqual([
    'No fault rules: every call goes through.',
    'Latency 0 ms on every AWS call; seed 9.',
  ]);
  expect(await runChaos(client, ['list'], {})).toHaveLength(2);
});
