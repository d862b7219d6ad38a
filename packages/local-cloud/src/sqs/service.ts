/**
 * SQS in memory, enough for dead-letter queues, on-failure destinations and
 * handlers that send to or poll a queue: the AWS JSON 1.0 protocol that
 * @aws-sdk/client-sqs v3 speaks (`X-Amz-Target: AmazonSQS.<Operation>`), with
 * AWS's checksums, visibility timeouts, long polling, redrive to a dead-letter
 * queue, FIFO ordering and deduplication, and errors in the shape the SDK maps
 * to its exception classes.
 */
import { randomUUID } from 'node:crypto';
import { jsonProtocol } from '../protocol/json';
import type { ConsumedMessage, ConsumedQueue, EdgeHandler, LocalStack, QueueConsumer, QueueSink, Stoppable } from '../types';
import { MessageEngine } from './engine';
import { invalidParameter, sqsError, simpleQueueServiceError } from './errors';
import { ATTRIBUTES, lastSegment, MESSAGE_SYSTEM_ATTRIBUTES, type Message, type MessageAttributeValue, type QueuedMessage } from './model';
import { sqsOperations } from './operations';
import { QueueStore } from './persistence';
import { QueueRegistry } from './queues';

export type { MessageAttributeValue, QueuedMessage } from './model';

/** How the local SQS is built: the stack's queues, where queue URLs point, and its clock. */
export interface SqsServiceOptions {
  /** Queues of the template (`AWS::SQS::Queue`); their physical id is the queue URL. */
  readonly stack?: LocalStack;
  /** Base URL of the edge endpoint; queues created by `CreateQueue` get `<edgeUrl>/<account>/<name>`. */
  readonly edgeUrl: string;
  /** Longest long poll in seconds (SQS allows 20); lower it to keep idle receivers from holding requests. */
  readonly maxWaitTimeSeconds?: number;
  /** The clock (ms since epoch) for visibility, delays and retention; tests may move it forward. */
  readonly now?: () => number;
  /** Keep queues and messages here across restarts (`<dataDir>/sqs/queues.json`); in memory only when absent. */
  readonly dataDir?: string;
}

/**
 * The local SQS. Guarantees:
 * - every queue of the stack exists from the start, under its template URL,
 *   ARN and name; a request may name a queue by URL (any host: only the path's
 *   last segment counts, so `localhost` and `127.0.0.1` both work), ARN or name;
 * - `MD5OfMessageBody` (and `MD5OfMessageAttributes`) are computed like SQS's,
 *   so the SDK's checksum validation passes;
 * - a received message stays invisible for the visibility timeout, then comes
 *   back with `ApproximateReceiveCount` incremented; after `maxReceiveCount`
 *   receives of a queue with a RedrivePolicy it moves to the dead-letter queue;
 * - a long poll (`WaitTimeSeconds`) answers as soon as a message is available,
 *   or empty after the wait, never longer than `maxWaitTimeSeconds`;
 * - FIFO queues keep order per message group, hold a group while one of its
 *   messages is in flight, and drop duplicates within 5 minutes.
 */
export class SqsService implements QueueSink, QueueConsumer, Stoppable {
  /** Serves the `sqs` service at the edge (AWS JSON 1.0). Other protocols are left to the edge. */
  readonly handler: EdgeHandler;

  private readonly queues: QueueRegistry;
  private readonly engine: MessageEngine;
  private readonly now: () => number;
  private readonly store?: QueueStore;
  private readonly templateQueues = new Set<string>();
  private saveTimer?: NodeJS.Timeout;

  constructor(options: SqsServiceOptions) {
    this.now = options.now ?? Date.now;
    this.queues = new QueueRegistry(options.edgeUrl, this.now);
    this.engine = new MessageEngine(this.queues, this.now, Math.min(20, options.maxWaitTimeSeconds ?? 20) * 1000);
    for (const resource of options.stack?.byType('AWS::SQS::Queue') ?? []) {
      const p = resource.properties;
      const name = resource.attributes.QueueName ?? lastSegment(resource.physicalId);
      const attributes: Record<string, unknown> = {};
      for (const key of Object.keys(ATTRIBUTES)) if (p[key] !== undefined) attributes[key] = p[key];
      this.queues.add(name, attributes, resource.physicalId, resource.attributes.Arn);
      this.templateQueues.add(name);
    }
    if (options.dataDir) {
      this.store = new QueueStore(options.dataDir);
      this.store.load(this.queues);
    }
    const api = jsonProtocol({
      version: '1.0',
      targetPrefix: 'AmazonSQS',
      namespace: 'com.amazonaws.sqs',
      queryCompatible: true,
      operations: sqsOperations(this.queues, this.engine),
      unknownOperation: (operation) =>
        simpleQueueServiceError('UnsupportedOperation', `The local cloud's SQS does not support ${operation}.`),
      malformedBody: (reason) =>
        invalidParameter(reason === 'syntax' ? 'The request body is not valid JSON.' : 'The request body must be a JSON object.'),
      internalError: (error) => sqsError('InternalError', `local SQS: ${String(error)}`, 'InternalError', 500),
    });
    this.handler = async (request) => {
      try {
        return await api(request);
      } finally {
        this.changed();
      }
    };
  }

  /** Saves the queues a moment after a change (coalescing bursts), when they are kept on disk. */
  private changed(): void {
    if (!this.store || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.store!.save(this.queues, this.templateQueues);
    }, 100);
    this.saveTimer.unref();
  }

  /** Sends a message, as `SendMessage` would; attributes become String message attributes. */
  async send(queueRef: string, body: string, attributes?: Record<string, string>): Promise<void> {
    const queue = this.queues.get(queueRef);
    const messageAttributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(attributes ?? {})) messageAttributes[name] = { DataType: 'String', StringValue: value };
    this.changed();
    this.engine.enqueue(queue, {
      MessageBody: body,
      MessageAttributes: messageAttributes,
      ...(queue.fifo ? { MessageGroupId: 'local', MessageDeduplicationId: randomUUID() } : {}),
    });
  }

  /** Sends a message with typed attributes and FIFO ids, as `SendMessage` would (SNS's SQS subscriptions). */
  deliver(
    queueRef: string,
    message: {
      readonly MessageBody: string;
      readonly MessageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
      readonly MessageGroupId?: string;
      readonly MessageDeduplicationId?: string;
    },
  ): void {
    const queue = this.queues.get(queueRef);
    this.changed();
    this.engine.enqueue(queue, {
      ...message,
      MessageAttributes: message.MessageAttributes ? { ...message.MessageAttributes } : undefined,
      ...(queue.fifo && !message.MessageGroupId ? { MessageGroupId: 'sns' } : {}),
      ...(queue.fifo && !message.MessageDeduplicationId ? { MessageDeduplicationId: randomUUID() } : {}),
    });
  }

  /** The messages of a queue, oldest first, without receiving them (for tests and the CLI). */
  peek(queueRef: string): QueuedMessage[] {
    const queue = this.queues.get(queueRef);
    const now = this.now();
    return queue.messages.map((m) => ({
      messageId: m.id,
      body: m.body,
      attributes: m.attributes,
      receiveCount: m.receiveCount,
      sentTimestamp: m.sentAt,
      visible: m.visibleAt <= now,
    }));
  }

  /**
   * Moves every visible message of `fromRef` (a dead-letter queue) to `toRef`, as a new message with
   * the same body and attributes (what StartMessageMoveTask does); returns how many moved.
   */
  redrive(fromRef: string, toRef: string): number {
    const to = this.queues.get(toRef);
    const moving = this.take(fromRef);
    for (const m of moving) {
      this.engine.enqueue(to, {
        MessageBody: m.body,
        MessageAttributes: m.attributes,
        ...(to.fifo ? { MessageGroupId: m.groupId ?? 'local', MessageDeduplicationId: randomUUID() } : {}),
      });
    }
    return moving.length;
  }

  /** Removes and returns every visible message of a queue, oldest first (for redrives). */
  take(queueRef: string): Message[] {
    const queue = this.queues.get(queueRef);
    const now = this.now();
    const taken = queue.messages.filter((m) => m.visibleAt <= now && !m.inFlight);
    queue.messages = queue.messages.filter((m) => !taken.includes(m));
    return taken;
  }

  /** The URL of a queue given by URL, ARN or name; throws `QueueDoesNotExist`. */
  queueUrl(queueRef: string): string {
    return this.queues.get(queueRef).url;
  }

  // ---------------------------------------------------------------- event source mappings (QueueConsumer)

  queueOf(arn: string): ConsumedQueue | undefined {
    const queue = this.queues.byArn(arn);
    return queue && { arn: queue.arn, fifo: queue.fifo, visibilityTimeoutSeconds: Number(queue.attributes.VisibilityTimeout) };
  }

  async receiveBatch(arn: string, max: number): Promise<ConsumedMessage[]> {
    const queue = this.queues.byArn(arn);
    if (!queue) return [];
    this.changed();
    const received = await this.engine.receive(queue, max, Number(queue.attributes.VisibilityTimeout), 0);
    return received.map(({ message, receiptHandle }) => ({
      messageId: message.id,
      receiptHandle,
      body: message.body,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { md5OfMessageAttributes: message.md5OfAttributes } : {}),
      attributes: this.engine.systemAttributes(message, MESSAGE_SYSTEM_ATTRIBUTES),
      messageAttributes: message.attributes,
    }));
  }

  deleteMessages(arn: string, receiptHandles: readonly string[]): void {
    const queue = this.queues.byArn(arn);
    if (!queue) return;
    this.changed();
    for (const handle of receiptHandles) this.engine.deleteMessage(queue, handle);
  }

  waitForMessages(arn: string, ms: number): Promise<void> {
    const queue = this.queues.byArn(arn);
    return queue ? this.engine.waitForMessages(queue, ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Ends every long poll at once (with no messages). Idempotent. */
  async stop(): Promise<void> {
    this.engine.stop();
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.store?.save(this.queues, this.templateQueues);
  }
}
