/**
 * The local SQS through the real @aws-sdk/client-sqs (AWS JSON 1.0, with its
 * MD5 checksum validation on) against SqsService's EdgeHandler served on a
 * free port: proves the protocol as well as the behaviour.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { SqsService } from '../../../src/sqs/service';
import type { StackResource } from '../../../src/types';
import { serveEdgeHandler, type ServedHandler } from '../../support/edge-handler';
import { localStack } from '../../support/local-stack';

// ---------------------------------------------------------------- helpers

const stackOf = (resources: StackResource[]) => localStack(resources);

/** A queue as src/assembly/load.ts resolves it (URL on the template's edge host, which may differ from the live one). */
function queueResource(name: string, properties: Record<string, unknown> = {}): StackResource {
  const url = `http://localhost:4566/000000000000/${name}`;
  return {
    logicalId: `${name}Queue`,
    type: 'AWS::SQS::Queue',
    properties,
    physicalId: url,
    attributes: { Arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, QueueName: name, QueueUrl: url },
    metadata: {},
  };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

// ---------------------------------------------------------------- setup

let clock = Date.parse('2026-11-26T10:00:00Z');
let sqs: SqsService;
let client: SQSClient;
let served: ServedHandler;
/** Set by a test that needs to know when a call has reached the service. */
let onCall: ((target: string | undefined) => void) | undefined;
const ordersUrl = 'http://localhost:4566/000000000000/orders';

beforeEach(async () => {
  sqs = new SqsService({
    stack: stackOf([
      queueResource('orders', {
        VisibilityTimeout: 30,
        RedrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:orders-dlq', maxReceiveCount: 2 },
      }),
      queueResource('orders-dlq', { MessageRetentionPeriod: 1_209_600 }),
    ]),
    edgeUrl: 'http://localhost:4566',
    now: () => clock,
  });
  onCall = undefined;
  served = await serveEdgeHandler(sqs.handler, 'sqs', (target) => onCall?.(target));
  client = new SQSClient({ endpoint: served.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterEach(async () => {
  client.destroy();
  await sqs.stop();
  await served.close();
});

const advance = (seconds: number) => {
  clock += seconds * 1000;
};

// ---------------------------------------------------------------- tests

describe('SqsService through @aws-sdk/client-sqs', () => {
  test('send, receive and delete a message, with checksums and attributes like SQS', async () => {
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: ordersUrl,
        MessageBody: '{"orderId":"o-1"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'order' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe(md5('{"orderId":"o-1"}'));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: ordersUrl,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    expect(received.Messages).toHaveLength(1);
    const [message] = received.Messages!;
    expect(message!.MessageId).toBe(sent.MessageId);
    expect(message!.Body).toBe('{"orderId":"o-1"}');
    expect(message!.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message!.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'order' });
    expect(Buffer.from(message!.MessageAttributes!.blob!.BinaryValue!)).toEqual(Buffer.from([1, 2, 3]));
    expect(message!.Attributes).toEqual({ ApproximateReceiveCount: '1', SentTimestamp: String(clock) });

    await client.send(new DeleteMessageCommand({ QueueUrl: ordersUrl, ReceiptHandle: message!.ReceiptHandle! }));
    advance(31);
    const after = await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }));
    expect(after.Messages ?? []).toHaveLength(0);
  });

  test('the MD5 of message attributes is the one AWS documents', async () => {
    // Computed by hand with SQS's algorithm: length-prefixed name, type, transport byte 1, value.
    const field = (s: string) => Buffer.concat([Buffer.from([0, 0, 0, Buffer.byteLength(s)]), Buffer.from(s)]);
    const expected = createHash('md5')
      .update(
        Buffer.concat([
          field('a'),
          field('String'),
          Buffer.from([1]),
          field('x'),
          field('b'),
          field('Number'),
          Buffer.from([1]),
          field('1'),
        ]),
      )
      .digest('hex');
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: ordersUrl,
        MessageBody: 'm',
        MessageAttributes: { b: { DataType: 'Number', StringValue: '1' }, a: { DataType: 'String', StringValue: 'x' } },
      }),
    );
    expect(sent.MD5OfMessageAttributes).toBe(expected);
  });

  test('a received message is invisible for its visibility timeout, then comes back', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: ordersUrl, MessageBody: 'hello' }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl, VisibilityTimeout: 10 }));
    expect(first.Messages).toHaveLength(1);

    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }))).Messages ?? []).toHaveLength(0);
    const attributes = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: ordersUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attributes.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });

    advance(10);
    const again = await client.send(
      new ReceiveMessageCommand({ QueueUrl: ordersUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(again.Messages?.[0]?.MessageId).toBe(first.Messages![0]!.MessageId);
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages![0]!.ReceiptHandle);
  });

  test('ChangeMessageVisibility to 0 releases a message at once', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: ordersUrl, MessageBody: 'retry me' }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }));
    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: ordersUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 0 }),
    );
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }));
    expect(again.Messages?.[0]?.Body).toBe('retry me');
  });

  test('after maxReceiveCount receives the message moves to the RedrivePolicy dead-letter queue', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: ordersUrl, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      expect((await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }))).Messages).toHaveLength(1);
      advance(30);
    }
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }))).Messages ?? []).toHaveLength(0);
    expect(sqs.peek('orders-dlq').map((m) => [m.body, m.receiveCount])).toEqual([['poison', 2]]);
  });

  test('MaxNumberOfMessages bounds a receive, and a long poll answers when a message arrives', async () => {
    for (const n of [1, 2, 3]) await client.send(new SendMessageCommand({ QueueUrl: ordersUrl, MessageBody: `m${n}` }));
    const two = await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl, MaxNumberOfMessages: 2 }));
    expect(two.Messages?.map((m) => m.Body)).toEqual(['m1', 'm2']);
    await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl }));

    const pollArrived = new Promise<void>((resolve) => {
      onCall = (target) => target === 'AmazonSQS.ReceiveMessage' && resolve();
    });
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl, WaitTimeSeconds: 20 }));
    // Once the poll has found the queue empty and waits, a send must end it with that message.
    await pollArrived;
    await sqs.send('arn:aws:sqs:us-east-1:000000000000:orders', 'late');
    expect((await polling).Messages?.map((m) => m.Body)).toEqual(['late']);
  });

  test('batches report each entry, and DeleteMessageBatch deletes', async () => {
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: ordersUrl,
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          { Id: 'b', MessageBody: 'second', DelaySeconds: 901 },
          { Id: 'c', MessageBody: 'third' },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => [e.Id, e.MD5OfMessageBody])).toEqual([
      ['a', md5('first')],
      ['c', md5('third')],
    ]);
    expect(sent.Failed).toEqual([
      { Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.stringContaining('DelaySeconds') },
    ]);

    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl, MaxNumberOfMessages: 10 }));
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: ordersUrl,
        Entries: [
          ...received.Messages!.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle! })),
          { Id: 'bad', ReceiptHandle: 'nonsense' },
        ],
      }),
    );
    expect(deleted.Successful?.map((e) => e.Id)).toEqual(['m0', 'm1']);
    expect(deleted.Failed?.map((e) => [e.Id, e.Code])).toEqual([['bad', 'ReceiptHandleIsInvalid']]);
    expect(sqs.peek('orders')).toEqual([]);
  });

  test('queue management: GetQueueUrl, CreateQueue, ListQueues, PurgeQueue, GetQueueAttributes', async () => {
    expect((await client.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe(ordersUrl);
    const created = await client.send(new CreateQueueCommand({ QueueName: 'scratch', Attributes: { VisibilityTimeout: '5' } }));
    expect(created.QueueUrl).toBe('http://localhost:4566/000000000000/scratch');
    expect((await client.send(new CreateQueueCommand({ QueueName: 'scratch' }))).QueueUrl).toBe(created.QueueUrl);
    expect((await client.send(new ListQueuesCommand({ QueueNamePrefix: 'orders' }))).QueueUrls).toEqual([ordersUrl, `${ordersUrl}-dlq`]);

    await client.send(new SendMessageCommand({ QueueUrl: created.QueueUrl, MessageBody: 'x' }));
    await client.send(new SendMessageCommand({ QueueUrl: created.QueueUrl, MessageBody: 'y' }));
    const all = await client.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['All'] }));
    expect(all.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '2',
      VisibilityTimeout: '5',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:scratch',
    });
    await client.send(new PurgeQueueCommand({ QueueUrl: created.QueueUrl }));
    const purged = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(purged.Attributes).toEqual({ ApproximateNumberOfMessages: '0' });
  });

  test('errors come back as the SDK exception classes', async () => {
    const missing = client.send(new SendMessageCommand({ QueueUrl: 'http://localhost:4566/000000000000/nope', MessageBody: 'x' }));
    await expect(missing).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(client.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new DeleteMessageCommand({ QueueUrl: ordersUrl, ReceiptHandle: 'garbage' }))).rejects.toBeInstanceOf(
      ReceiptHandleIsInvalid,
    );
    await expect(client.send(new ReceiveMessageCommand({ QueueUrl: ordersUrl, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('MaxNumberOfMessages'),
    });
  });

  test('FIFO queues keep group order, hold a group in flight, and drop duplicates', async () => {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }),
    );
    const first = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'g1-a', MessageGroupId: 'g1' }));
    const duplicate = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'g1-a', MessageGroupId: 'g1' }));
    expect(duplicate.MessageId).toBe(first.MessageId);
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'g1-b', MessageGroupId: 'g1' }));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'g2-a', MessageGroupId: 'g2' }));

    const one = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    expect(one.Messages?.map((m) => m.Body)).toEqual(['g1-a']);
    // g1 is held while g1-a is in flight; g2 is free.
    const next = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(next.Messages?.map((m) => m.Body)).toEqual(['g2-a']);
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: one.Messages![0]!.ReceiptHandle! }));
    const rest = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(rest.Messages?.map((m) => m.Body)).toEqual(['g1-b']);

    await expect(client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'no group' }))).rejects.toMatchObject({
      name: 'MissingParameter',
    });
  });

  test('send() (the QueueSink other parts use) takes an ARN or URL and sets String attributes', async () => {
    await sqs.send('arn:aws:sqs:us-east-1:000000000000:orders-dlq', 'dead', { ERROR_CODE: 'NO_RESOURCE' });
    await sqs.send('http://127.0.0.1:1234/000000000000/orders-dlq', 'dead 2');
    expect(sqs.peek('orders-dlq').map((m) => [m.body, m.attributes])).toEqual([
      ['dead', { ERROR_CODE: { DataType: 'String', StringValue: 'NO_RESOURCE' } }],
      ['dead 2', {}],
    ]);
    await expect(sqs.send('arn:aws:sqs:us-east-1:000000000000:missing', 'x')).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });
});
