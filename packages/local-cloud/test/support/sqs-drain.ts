/**
 * Reads a queue until what was received is enough: fixture tests whose functions report
 * what they did by sending to a queue.
 *
 * Guarantees: every message received is returned (its body parsed as JSON), in the order
 * received; it stops as soon as `done` holds for them, or at the deadline (the caller's
 * assertions then say what is missing). Messages are not deleted: each is received once
 * within its visibility timeout.
 */
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export async function drainQueue<T>(
  client: SQSClient,
  queueUrl: string,
  done: (bodies: readonly T[]) => boolean,
  timeoutMs = 15_000,
): Promise<T[]> {
  const bodies: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(bodies) && Date.now() < deadline) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    bodies.push(...Messages.map((m) => JSON.parse(m.Body!) as T));
  }
  return bodies;
}
