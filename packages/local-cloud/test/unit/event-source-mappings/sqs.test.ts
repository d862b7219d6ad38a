/**
 * SQS event source mappings against the real local SQS (in process, with a
 * clock the test moves) and a scripted invoker: batches and the batching
 * window, partial batch responses (and what counts as a complete failure),
 * function errors and the visibility timeout, redrive to the DLQ, FIFO limits,
 * and the mappings Lambda would refuse.
 */
import { EventSourceMappings } from '../../../src/event-source-mappings/mappings';
import { failedMessageIds } from '../../../src/event-source-mappings/sqs-source';
import { SqsService } from '../../../src/sqs/service';
import type { InvokeResult, LambdaInvoker, StackResource } from '../../../src/types';
import { localStack } from '../../support/local-stack';

const ARN = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

function queue(name: string, properties: Record<string, unknown> = {}): StackResource {
  const url = `http://localhost:4566/000000000000/${name}`;
  return {
    logicalId: name,
    type: 'AWS::SQS::Queue',
    properties,
    physicalId: url,
    attributes: { Arn: ARN(name), QueueName: name },
    metadata: {},
  };
}

const fn: StackResource = {
  logicalId: 'Consumer',
  type: 'AWS::Lambda::Function',
  properties: { Timeout: 10 },
  physicalId: 'consumer',
  attributes: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer' },
  metadata: {},
};

function mapping(properties: Record<string, unknown>): StackResource {
  return {
    logicalId: 'Mapping',
    type: 'AWS::Lambda::EventSourceMapping',
    properties: { FunctionName: 'consumer', EventSourceArn: ARN('work'), ...properties },
    physicalId: 'uuid-sqs',
    attributes: {},
    metadata: {},
  };
}

/** Records each batch's bodies; `answer` decides the outcome from the records. */
class ScriptedLambda implements LambdaInvoker {
  readonly batches: string[][] = [];
  constructor(private readonly answer: (records: any[]) => { payload?: unknown } | { error: string } = () => ({})) {}
  async invoke(_ref: string, event: any): Promise<InvokeResult> {
    this.batches.push(event.Records.map((r: any) => r.body));
    const outcome = this.answer(event.Records);
    const record = {
      timestamp: '',
      functionName: 'consumer',
      logicalId: 'Consumer',
      requestId: 'r',
      memorySizeMb: 128,
      durationMs: 1,
      billedDurationMs: 1,
      maxMemoryUsedMb: 1,
      status: 'success' as const,
    };
    return 'error' in outcome
      ? { error: { errorType: 'Error', errorMessage: outcome.error }, record }
      : { payload: outcome.payload, record };
  }
  async invokeAsync(): Promise<void> {}
}

let clock = Date.parse('2026-12-01T10:00:00Z');
const now = () => clock;

function setUp(
  mappingProperties: Record<string, unknown>,
  lambda: LambdaInvoker,
  queues = [queue('work', { VisibilityTimeout: 30, RedrivePolicy: { deadLetterTargetArn: ARN('dlq'), maxReceiveCount: 2 } }), queue('dlq')],
) {
  const stack = localStack([fn, ...queues, mapping(mappingProperties)]);
  const sqs = new SqsService({ stack, edgeUrl: 'http://localhost:4566', now });
  const esm = new EventSourceMappings({ stack, invoker: lambda, sqs, queues: sqs, log: () => undefined });
  return { sqs, esm };
}

const bodies = (sqs: SqsService, name: string) => sqs.peek(ARN(name)).map((m) => m.body);

test('a successful batch is deleted; batches hold up to BatchSize', async () => {
  const lambda = new ScriptedLambda();
  const { sqs, esm } = setUp({ BatchSize: 2 }, lambda);
  for (const body of ['a', 'b', 'c']) await sqs.send(ARN('work'), body);
  await esm.drain();
  expect(lambda.batches).toEqual([['a', 'b'], ['c']]);
  expect(bodies(sqs, 'work')).toEqual([]);
  await esm.stop();
});

test('partial failures stay, come back after the visibility timeout, and go to the DLQ after maxReceiveCount', async () => {
  const lambda = new ScriptedLambda((records) => ({
    payload: { batchItemFailures: records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) },
  }));
  const { sqs, esm } = setUp({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] }, lambda);
  for (const body of ['good', 'bad']) await sqs.send(ARN('work'), body);
  await esm.drain();
  expect(sqs.peek(ARN('work')).map((m) => [m.body, m.visible])).toEqual([['bad', false]]);
  clock += 31_000; // past the visibility timeout
  await esm.drain();
  clock += 31_000;
  await esm.drain(); // the third receive moves it to the DLQ instead
  expect(lambda.batches).toEqual([['good', 'bad'], ['bad']]);
  expect(bodies(sqs, 'work')).toEqual([]);
  expect(sqs.peek(ARN('dlq')).map((m) => [m.body, m.receiveCount])).toEqual([['bad', 2]]);
  await esm.stop();
});

test('a function error deletes nothing', async () => {
  const lambda = new ScriptedLambda(() => ({ error: 'boom' }));
  const { sqs, esm } = setUp({}, lambda);
  await sqs.send(ARN('work'), 'x');
  await esm.drain();
  expect(sqs.peek(ARN('work')).map((m) => [m.body, m.receiveCount, m.visible])).toEqual([['x', 1, false]]);
  await esm.stop();
});

test('FilterCriteria: messages no pattern matches are deleted without an invocation', async () => {
  const lambda = new ScriptedLambda();
  const { sqs, esm } = setUp({ FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }] } }, lambda);
  for (const body of ['{"kind":"order"}', '{"kind":"noise"}', 'plain']) await sqs.send(ARN('work'), body);
  await esm.drain();
  expect(lambda.batches).toEqual([['{"kind":"order"}']]);
  expect(bodies(sqs, 'work')).toEqual([]);
  await esm.stop();
});

test('mappings Lambda refuses are not served, with its reason', async () => {
  const lambda = new ScriptedLambda();
  const short = setUp({}, lambda, [queue('work', { VisibilityTimeout: 5 })]);
  expect(short.esm.skipped).toEqual([
    { logicalId: 'Mapping', reason: 'Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds' },
  ]);
  const noWindow = setUp({ BatchSize: 50 }, lambda);
  expect(noWindow.esm.skipped[0]?.reason).toBe(
    'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
  );
  const fifo = setUp({ BatchSize: 20, MaximumBatchingWindowInSeconds: 1, EventSourceArn: ARN('work.fifo') }, lambda, [
    queue('work.fifo', { FifoQueue: true, VisibilityTimeout: 30 }),
  ]);
  expect(fifo.esm.skipped[0]?.reason).toBe('Batch size for FIFO queues must be between 1 and 10');
});

test('failedMessageIds reads a partial batch response as Lambda does', () => {
  const ids = ['m1', 'm2'];
  expect(failedMessageIds(undefined, ids)).toEqual(new Set());
  expect(failedMessageIds({ batchItemFailures: [] }, ids)).toEqual(new Set());
  expect(failedMessageIds({ batchItemFailures: null }, ids)).toEqual(new Set());
  expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids)).toEqual(new Set(['m2']));
  expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: '' }] }, ids)).toEqual(new Set(ids));
  expect(failedMessageIds({ batchItemFailures: [{ itemIdentifier: 'other' }] }, ids)).toEqual(new Set(ids));
  expect(failedMessageIds({ batchItemFailures: [{ id: 'm1' }] }, ids)).toEqual(new Set(ids));
  expect(failedMessageIds('not json', ids)).toEqual(new Set(ids));
});
