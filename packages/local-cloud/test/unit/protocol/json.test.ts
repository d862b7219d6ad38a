/**
 * The AWS JSON protocol layer (src/protocol/json.ts) with toy services on it,
 * called by the real SDK clients (SQS speaks JSON 1.0, EventBridge JSON 1.1)
 * and by hand where only a hand-made request can go (malformed bodies).
 */
import {
  EventBridgeClient,
  ListEventBusesCommand,
  PutEventsCommand,
  ResourceNotFoundException,
  type PutEventsRequest,
} from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, ListQueuesCommand, QueueDoesNotExist, SQSClient, type GetQueueUrlRequest } from '@aws-sdk/client-sqs';
import { AwsError } from '../../../src/protocol/errors';
import { jsonProtocol } from '../../../src/protocol/json';
import { raw, type Wire } from '../../../src/protocol/operations';
import { serveEdgeHandler, type ServedHandler } from '../../support/edge-handler';

const config = (url: string) => ({
  endpoint: url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

/** A JSON 1.0 service as SQS is one: namespaced `__type`, query-compatible errors. */
const sqsLike = jsonProtocol({
  version: '1.0',
  targetPrefix: 'AmazonSQS',
  namespace: 'com.amazonaws.sqs',
  queryCompatible: true,
  operations: {
    GetQueueUrl: (input: Wire<GetQueueUrlRequest>) => {
      if (input.QueueName === 'orders') return { QueueUrl: 'http://localhost/000000000000/orders' };
      if (input.QueueName === 'boom') throw new Error('kaboom');
      throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400, {
        queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
      });
    },
  },
});

/** A JSON 1.1 service as EventBridge is one: bare `__type`. */
const eventsLike = jsonProtocol({
  version: '1.1',
  targetPrefix: 'AWSEvents',
  operations: {
    PutEvents: (input: Wire<PutEventsRequest>) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
    }),
    ListEventBuses: () => {
      throw new AwsError('ResourceNotFoundException', 'Event bus nope does not exist.');
    },
    Echo: raw(async (request, operation) => ({ status: 299, headers: { 'x-op': operation }, body: request.body })),
  },
});

let sqs: ServedHandler;
let events: ServedHandler;

beforeAll(async () => {
  sqs = await serveEdgeHandler(sqsLike, 'sqs');
  events = await serveEdgeHandler(eventsLike, 'events');
});

afterAll(async () => {
  await sqs.close();
  await events.close();
});

/** One hand-made AWS JSON call. */
async function call(url: string, target: string | undefined, body: string, version = '1.1') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${version}`, ...(target ? { 'x-amz-target': target } : {}) },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('AWS JSON 1.0 (SQS-like)', () => {
  test('dispatches by X-Amz-Target to the operation table and answers its output', async () => {
    const client = new SQSClient(config(sqs.url));
    try {
      expect((await client.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe('http://localhost/000000000000/orders');
    } finally {
      client.destroy();
    }
  });

  test('an AwsError is a namespaced __type the SDK maps to its exception class, with the query-compatible code', async () => {
    const client = new SQSClient(config(sqs.url));
    try {
      const error = await client.send(new GetQueueUrlCommand({ QueueName: 'nope' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueDoesNotExist);
      expect(error).toMatchObject({
        name: 'QueueDoesNotExist',
        message: 'The specified queue does not exist.',
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      client.destroy();
    }
    const reply = await call(sqs.url, 'AmazonSQS.GetQueueUrl', '{"QueueName":"nope"}', '1.0');
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(reply.headers.get('x-amzn-errortype')).toBe('QueueDoesNotExist');
    expect(reply.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(JSON.parse(reply.text)).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  });

  test('anything else thrown is a 500 InternalFailure (a server fault for the SDK)', async () => {
    const reply = await call(sqs.url, 'AmazonSQS.GetQueueUrl', '{"QueueName":"boom"}', '1.0');
    expect(reply.status).toBe(500);
    expect(reply.headers.get('x-amzn-query-error')).toBe('InternalFailure;Receiver');
    expect(JSON.parse(reply.text)).toEqual({ __type: 'com.amazonaws.sqs#InternalFailure', message: 'kaboom' });
  });

  test('an operation not in the table is UnknownOperationException', async () => {
    const client = new SQSClient(config(sqs.url));
    try {
      await expect(client.send(new ListQueuesCommand({}))).rejects.toMatchObject({
        name: 'UnknownOperationException',
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      client.destroy();
    }
  });
});

describe('AWS JSON 1.1 (EventBridge-like)', () => {
  test('answers the output in application/x-amz-json-1.1', async () => {
    const client = new EventBridgeClient(config(events.url));
    try {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            { Source: 's', DetailType: 'd', Detail: '{}' },
            { Source: 's', DetailType: 'd', Detail: '{}' },
          ],
        }),
      );
      expect(result).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }, { EventId: 'e1' }] });
    } finally {
      client.destroy();
    }
    const reply = await call(events.url, 'AWSEvents.PutEvents', '{"Entries":[]}');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(reply.text)).toEqual({ FailedEntryCount: 0, Entries: [] });
  });

  test('an AwsError is a bare __type with its message', async () => {
    const client = new EventBridgeClient(config(events.url));
    try {
      await expect(client.send(new ListEventBusesCommand({}))).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      client.destroy();
    }
    const reply = await call(events.url, 'AWSEvents.ListEventBuses', '{}');
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(reply.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(reply.headers.get('x-amzn-query-error')).toBeNull();
    expect(JSON.parse(reply.text)).toEqual({ __type: 'ResourceNotFoundException', message: 'Event bus nope does not exist.' });
  });

  test('an unknown operation is UnknownOperationException', async () => {
    const reply = await call(events.url, 'AWSEvents.Nope', '{}');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toEqual({ __type: 'UnknownOperationException', message: 'Operation Nope is not supported.' });
  });

  test('a body that is not JSON, or not a JSON object, is a SerializationException; an empty body is {}', async () => {
    for (const body of ['{"Entries":', '[]', '"x"', 'null']) {
      const reply = await call(events.url, 'AWSEvents.PutEvents', body);
      expect({ body, status: reply.status, type: JSON.parse(reply.text).__type }).toEqual({
        body,
        status: 400,
        type: 'SerializationException',
      });
    }
    const empty = await call(events.url, 'AWSEvents.PutEvents', '');
    expect(JSON.parse(empty.text)).toEqual({ FailedEntryCount: 0, Entries: [] });
  });

  test('a raw operation gets the request itself, body unparsed, and answers for itself', async () => {
    const reply = await call(events.url, 'AWSEvents.Echo', 'not json at all');
    expect({ status: reply.status, op: reply.headers.get('x-op'), text: reply.text }).toEqual({
      status: 299,
      op: 'Echo',
      text: 'not json at all',
    });
  });

  test('a call for another target prefix, or none, is not answered (the edge passes it on)', async () => {
    expect((await call(events.url, 'AmazonSQS.GetQueueUrl', '{}')).status).toBe(501);
    expect((await call(events.url, undefined, '{}')).status).toBe(501);
  });
});
