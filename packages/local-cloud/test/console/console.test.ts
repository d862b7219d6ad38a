/**
 * The local console in a real browser: headless Chromium (Debian's, at
 * /usr/bin/chromium; `.ci/run` installs it) driven by playwright-core, against
 * a fixture app with a function behind the REST API, an EventBridge rule that
 * invokes a function with a dead-letter queue, and a queue with a RedrivePolicy.
 * It sees the functions, an invocation and its log line appear live after a
 * request, a dead letter after a poison event, the redrive emptying the DLQ,
 * and the Host / same-origin checks refusing foreign requests. It saves the
 * screenshot README shows (docs/console.png).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveFixture, type ServedFixture } from '../support/fixture-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.resolve(__dirname, '../../../../docs/console.png');
const WAIT = { timeout: 20_000 };
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let served: ServedFixture;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The console test needs Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH.`,
    );
  }
  served = await serveFixture('Console', (stack) => {
    const asset = lambda.Code.fromAsset(path.join(__dirname, '..', 'fixtures', 'assets', 'console'));
    new dynamodb.Table(stack, 'Items', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const hello = new lambda.Function(stack, 'Hello', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'hello.handler', code: asset });
    new apigateway.RestApi(stack, 'Api').root.addResource('hello').addMethod('GET', new apigateway.LambdaIntegration(hello));
    const deadLetters = new sqs.Queue(stack, 'WorkerDlq');
    const worker = new lambda.Function(stack, 'Worker', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'worker.handler',
      code: asset,
      retryAttempts: 0,
      deadLetterQueue: deadLetters,
      reservedConcurrentExecutions: 1,
    });
    // A queue whose consumer fails: after one receive a message moves to its dead-letter queue.
    new sqs.Queue(stack, 'Jobs', { deadLetterQueue: { queue: new sqs.Queue(stack, 'JobsDlq'), maxReceiveCount: 1 } });
    new events.Rule(stack, 'Orders', { eventPattern: { source: ['console.test'] }, targets: [new targets.LambdaFunction(worker)] });
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(served.cloud.consoleUrl);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

const section = (id: string) => page.locator(`section#${id}`);

test('lists the functions with their triggers, and the resources by type', async () => {
  await section('functions').getByRole('cell', { name: 'Hello', exact: true }).waitFor(WAIT);
  await section('functions').getByRole('cell', { name: 'Worker', exact: true }).waitFor(WAIT);
  await section('functions').getByRole('cell', { name: 'api', exact: true }).waitFor(WAIT);
  await section('resources').getByText('AWS::SQS::Queue (3)').waitFor(WAIT);
});

test('shows an invocation and its log line live after a request, without a reload', async () => {
  const answer = await fetch(`${served.cloud.apiUrl}/hello`);
  expect(answer.status).toBe(200);
  const row = section('invocations').getByRole('row').filter({ hasText: 'hello from the console fixture: /hello' });
  await row.waitFor({ state: 'attached', ...WAIT });
  expect(await row.textContent()).toMatch(/success.*cold/);
});

test('shows a poison event, its rule, the dead letter it became, and redrives it to the function, which now processes it', async () => {
  const client = new EventBridgeClient({ endpoint: served.cloud.edgeUrl, region: 'us-east-1', credentials });
  await client.send(
    new PutEventsCommand({ Entries: [{ Source: 'console.test', DetailType: 'OrderPlaced', Detail: JSON.stringify({ poison: true }) }] }),
  );
  await section('events').getByRole('cell', { name: 'OrderPlaced' }).waitFor(WAIT);
  const dlq = section('dead-letters').locator('article[data-queue*="WorkerDlq"]');
  await dlq.getByRole('heading', { name: /\(1 message\)/ }).waitFor(WAIT);
  await dlq.getByText('"poison":true').waitFor(WAIT);
  await section('invocations').getByRole('cell', { name: 'error' }).first().waitFor(WAIT);
  await section('events')
    .getByText(/then failed: now a dead letter in .*WorkerDlq/)
    .waitFor(WAIT);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  await dlq.getByRole('button', { name: /^Redrive to / }).click();
  await dlq.getByRole('heading', { name: /\(0 messages\)/ }).waitFor(WAIT);
  await section('events')
    .getByText(/then failed/)
    .waitFor({ state: 'detached', ...WAIT });
  // The redriven event is invoked again; the worker, healed, processes it: a successful invocation that logs it.
  const processed = section('invocations').getByRole('row').filter({ hasText: 'processed' });
  await processed.waitFor({ state: 'attached', ...WAIT });
  expect(await processed.textContent()).toContain('success');
});

test("redrives a queue's dead letters back to the queue whose RedrivePolicy names it", async () => {
  const client = new SQSClient({ endpoint: served.cloud.edgeUrl, region: 'us-east-1', credentials });
  const jobs = served.cloud.stack
    .byType('AWS::SQS::Queue')
    .find((q) => q.logicalId.startsWith('Jobs') && !q.logicalId.startsWith('JobsDlq'))!;
  await client.send(new SendMessageCommand({ QueueUrl: jobs.physicalId, MessageBody: 'job that fails' }));
  // A consumer that fails: it receives the message and never deletes it; the next receive moves it to the DLQ.
  for (let receives = 0; receives < 2; receives++) {
    await client.send(new ReceiveMessageCommand({ QueueUrl: jobs.physicalId, VisibilityTimeout: 0 }));
  }
  const dlq = section('dead-letters').locator('article[data-queue*="JobsDlq"]');
  await dlq.getByText('job that fails').waitFor(WAIT);
  await dlq.getByRole('button', { name: /^Redrive to queue .*Jobs/ }).click();
  await dlq.getByRole('heading', { name: /\(0 messages\)/ }).waitFor(WAIT);
  expect(served.cloud.sqs.peek(jobs.physicalId).map((m) => m.body)).toEqual(['job that fails']);
});

test('browses a table: scans the first items and gets one by key', async () => {
  const client = new DynamoDBClient({ endpoint: served.cloud.edgeUrl, region: 'us-east-1', credentials });
  const table = served.cloud.stack.byType('AWS::DynamoDB::Table')[0]!.physicalId;
  await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'item-1' }, note: { S: 'kept locally' } } }));
  const tables = section('tables');
  await tables.getByRole('button', { name: 'Scan first 25 items' }).click();
  await tables.getByText('kept locally').waitFor(WAIT);
  await tables.getByLabel(/^id \(S, partition key\)/).fill('missing');
  await tables.getByRole('button', { name: 'Get item' }).click();
  await tables.getByText('"item": null').waitFor(WAIT);
});

test('refuses a foreign Host (DNS rebinding) and a redrive without the console header or from another origin', async () => {
  const port = Number(new URL(served.cloud.edgeUrl).port);
  expect(await call(port, 'GET', '/_console/api/state', { host: `evil.example:${port}` })).toBe(403);
  expect(await call(port, 'GET', '/_console', { host: `evil.example:${port}` })).toBe(403);
  expect(await call(port, 'GET', '/_console/api/state', { host: `localhost:${port}` })).toBe(200);
  const redrive = '/_console/api/dead-letter-queues/x/redrive';
  expect(await call(port, 'POST', redrive, { host: `127.0.0.1:${port}` })).toBe(403);
  expect(await call(port, 'POST', redrive, { host: `127.0.0.1:${port}`, 'x-local-console': '1', origin: 'http://evil.example' })).toBe(403);
  expect(await call(port, 'POST', redrive, { host: `127.0.0.1:${port}`, 'x-local-console': '1' })).toBe(404);
});

/** The status of one request to the edge with exactly these headers (fetch may not set Host). */
function call(port: number, method: string, pathname: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: pathname, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
