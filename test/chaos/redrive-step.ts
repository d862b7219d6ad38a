/**
 * The chaos scenarios' backstop, as an operator runs it: every dead-letter
 * queue of the stack (outputs `DeadLetterQueue<name>`) redriven through the very
 * code `npm run redrive -- <queue>` runs (cli/redrive: `redrive()` with the SDK
 * clients `defaultClients()` makes from the environment, so against the local
 * cloud's edge: SQS, Lambda `Invoke`, the streams). What the redrive leaves is
 * returned, per queue, for the scenario to report and assert on.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { readDeadLetter } from '../../cli/redrive/dead-letters';
import { defaultClients } from '../../cli/redrive/main';
import { redrive, type RedriveSummary } from '../../cli/redrive/redrive';
import { dynamodbBatch } from '../../cli/redrive/stream-records';
import { target } from '../e2e/target';

const sqs = new SQSClient({});
const streams = new DynamoDBStreamsClient({});

const deadLetterQueues = async (): Promise<[name: string, url: string][]> =>
  Object.entries((await target()).outputs)
    .filter(([key]) => key.startsWith('DeadLetterQueue'))
    .map(([key, url]) => [key.slice('DeadLetterQueue'.length), url]);

/** Messages in a queue, visible or being read. */
async function depthOf(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * What every dead letter of the stack is about, as text to search for an id:
 * the message body (the event, or the invocation record with its payload) or,
 * for a stream batch's pointers, the records it points at, re-read from the
 * stream as the redrive reads them. Each message is hidden while the queue is
 * read (so each is read once) and made visible again at once after, so a
 * redrive right after sees them all.
 */
export async function deadLetterTexts(): Promise<string[]> {
  const texts: string[] = [];
  for (const [, queueUrl] of await deadLetterQueues()) {
    if ((await depthOf(queueUrl)) === 0) continue;
    const read = new Map<string, Message>();
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 10, MessageAttributeNames: ['All'] }),
      );
      const fresh = Messages.filter((m) => !read.has(m.MessageId!));
      if (fresh.length === 0) break;
      for (const m of fresh) read.set(m.MessageId!, m);
    }
    for (const m of read.values()) {
      await sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }))
        .catch((error: Error) => {
          // Visible again already (its hiding ran out while the queue was read): nothing to undo.
          if (error.name !== 'MessageNotInflight') throw error;
        });
      const attributes = Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
      const letter = readDeadLetter(m.Body ?? '', attributes);
      if (letter.kind === 'stream-batch' && letter.source === 'dynamodb') {
        texts.push(JSON.stringify(await dynamodbBatch(streams, letter.batch)));
      } else texts.push(m.Body ?? '');
    }
  }
  return texts;
}

export interface RedriveRound {
  /** Dead letters redriven, per queue (queues that held none are left out). */
  readonly redriven: Record<string, number>;
  /** Dead letters the redrive left in their queue, with its reason. */
  readonly left: string[];
}

/** Redrives every dead-letter queue of the stack once. */
export async function redriveEveryQueue(): Promise<RedriveRound> {
  const { outputs } = await target();
  const clients = defaultClients();
  const redriven: Record<string, number> = {};
  const left: string[] = [];
  for (const [name, queueUrl] of await deadLetterQueues()) {
    if ((await depthOf(queueUrl)) === 0) continue;
    const summary: RedriveSummary = await redrive(clients, {
      queueUrl,
      ...(outputs.RawBucketName && outputs.ActivityStreamName
        ? { rawLog: { bucket: outputs.RawBucketName, streamName: outputs.ActivityStreamName } }
        : {}),
      progress: () => undefined,
    });
    if (summary.redriven > 0) redriven[name] = summary.redriven;
    left.push(...summary.left.map((l) => `${name} ${l.kind}: ${l.reason}`));
  }
  clients.sqs.destroy();
  return { redriven, left };
}

/**
 * Redrives every queue until none is left holding anything, with a deadline: a
 * dead letter whose redrive fails now (e.g. a payment claim still inside its
 * holder's lease) is tried again in the next round. Every round's record.
 */
export async function redriveUntilEmpty(timeoutMs: number): Promise<RedriveRound[]> {
  const deadline = Date.now() + timeoutMs;
  const rounds: RedriveRound[] = [];
  for (;;) {
    const round = await redriveEveryQueue();
    rounds.push(round);
    if (round.left.length === 0 || Date.now() > deadline) return rounds;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
