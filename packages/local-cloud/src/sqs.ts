/**
 * SQS in memory, enough for dead-letter queues, on-failure destinations and
 * handlers that send to or poll a queue: the AWS JSON 1.0 protocol that
 * @aws-sdk/client-sqs v3 speaks (`X-Amz-Target: AmazonSQS.<Operation>`), with
 * AWS's checksums, visibility timeouts, long polling, redrive to a dead-letter
 * queue, FIFO ordering and deduplication, and errors in the shape the SDK maps
 * to its exception classes.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type EdgeHandler, type EdgeRequest, type EdgeResponse, type LocalStack, type QueueSink, type Stoppable } from './types';

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
}

/** A message attribute as SQS carries it (`BinaryValue` base64-encoded, as in the JSON protocol). */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** A message as `peek` shows it, without changing its visibility. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly receiveCount: number;
  readonly sentTimestamp: number;
  /** False while received and not yet deleted (in flight) or still delayed. */
  readonly visible: boolean;
}

/**
 * An SQS error as the service reports it: `name` is the JSON protocol's error
 * type (the SDK's exception class), `queryCode` the AWS Query code that the
 * `x-amzn-query-error` header carries for query-compatible clients.
 */
export class SqsError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status = 400,
    readonly queryCode = name,
  ) {
    super(message);
    this.name = name;
  }
}

const queueDoesNotExist = () =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 400, 'AWS.SimpleQueueService.NonExistentQueue');
const invalidParameter = (message: string) => new SqsError('InvalidParameterValue', message);
const missingParameter = (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);

interface Message {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly md5OfAttributes?: string;
  readonly sentAt: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Received and neither deleted nor back to visible yet. */
  inFlight: boolean;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly createdAt: number;
  lastModifiedAt: number;
  /** Settable attributes, as strings like the API returns them. */
  readonly attributes: Record<string, string>;
  messages: Message[];
  /** FIFO deduplication ids seen in the last 5 minutes: id -> [message id, expiry]. */
  readonly deduplication: Map<string, { messageId: string; sequenceNumber: string; expiresAt: number }>;
  sequence: bigint;
  /** Long polls waiting for a message on this queue. */
  readonly waiters: Set<() => void>;
}

/** Settable attributes with SQS's defaults and limits (undefined limits: any string). */
const ATTRIBUTES: Readonly<Record<string, { readonly default?: string; readonly min?: number; readonly max?: number }>> = {
  DelaySeconds: { default: '0', min: 0, max: 900 },
  MaximumMessageSize: { default: '262144', min: 1024, max: 262144 },
  MessageRetentionPeriod: { default: '345600', min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { default: '0', min: 0, max: 20 },
  VisibilityTimeout: { default: '30', min: 0, max: 43_200 },
  RedrivePolicy: {},
  RedriveAllowPolicy: {},
  Policy: {},
  KmsMasterKeyId: {},
  KmsDataKeyReusePeriodSeconds: {},
  SqsManagedSseEnabled: {},
  FifoQueue: {},
  ContentBasedDeduplication: {},
  DeduplicationScope: {},
  FifoThroughputLimit: {},
};

/** Attributes computed from the queue's state, readable with GetQueueAttributes. */
const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'MessageGroupId',
  'MessageDeduplicationId',
  'SequenceNumber',
] as const;

const FIFO_DEDUPLICATION_MS = 5 * 60_000;
const MAX_BATCH_ENTRIES = 10;
const MAX_PAYLOAD_BYTES = 262_144;

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
export class SqsService implements QueueSink, Stoppable {
  /** Serves the `sqs` service at the edge (AWS JSON 1.0). Other protocols are left to the edge. */
  readonly handler: EdgeHandler = (request) => this.handle(request);

  private readonly queues = new Map<string, Queue>();
  private readonly now: () => number;
  private readonly maxWaitMs: number;
  private stopped = false;

  constructor(private readonly options: SqsServiceOptions) {
    this.now = options.now ?? Date.now;
    this.maxWaitMs = Math.min(20, options.maxWaitTimeSeconds ?? 20) * 1000;
    for (const resource of options.stack?.byType('AWS::SQS::Queue') ?? []) {
      const p = resource.properties;
      const name = resource.attributes.QueueName ?? lastSegment(resource.physicalId);
      const attributes: Record<string, unknown> = {};
      for (const key of Object.keys(ATTRIBUTES)) if (p[key] !== undefined) attributes[key] = p[key];
      this.addQueue(name, attributes, resource.physicalId, resource.attributes.Arn);
    }
  }

  /** Sends a message, as `SendMessage` would; attributes become String message attributes. */
  async send(queueRef: string, body: string, attributes?: Record<string, string>): Promise<void> {
    const queue = this.queue(queueRef);
    const messageAttributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(attributes ?? {})) messageAttributes[name] = { DataType: 'String', StringValue: value };
    this.enqueue(queue, {
      MessageBody: body,
      MessageAttributes: messageAttributes,
      ...(queue.fifo ? { MessageGroupId: 'local', MessageDeduplicationId: randomUUID() } : {}),
    });
  }

  /** The messages of a queue, oldest first, without receiving them (for tests and the CLI). */
  peek(queueRef: string): QueuedMessage[] {
    const queue = this.queue(queueRef);
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

  /** The URL of a queue given by URL, ARN or name; throws `QueueDoesNotExist`. */
  queueUrl(queueRef: string): string {
    return this.queue(queueRef).url;
  }

  /** Ends every long poll at once (with no messages). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const queue of this.queues.values()) wake(queue);
  }

  // ---------------------------------------------------------------- protocol

  private async handle(request: EdgeRequest): Promise<EdgeResponse | undefined> {
    const operation = request.target?.startsWith('AmazonSQS.') ? request.target.slice('AmazonSQS.'.length) : undefined;
    if (!operation) return undefined; // the AWS Query protocol (form bodies) is not served here
    try {
      let input: unknown;
      try {
        input = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
      } catch {
        throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.');
      }
      if (!isRecord(input)) throw new SqsError('InvalidParameterValue', 'The request body must be a JSON object.');
      const output = await this.dispatch(operation, input);
      return jsonResponse(200, output);
    } catch (error) {
      const e = error instanceof SqsError ? error : new SqsError('InternalError', `local SQS: ${String(error)}`, 500);
      return {
        ...jsonResponse(e.status, { __type: `com.amazonaws.sqs#${e.name}`, message: e.message }),
        headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-query-error': `${e.queryCode};${e.status < 500 ? 'Sender' : 'Receiver'}` },
      };
    }
  }

  private async dispatch(operation: string, input: Record<string, any>): Promise<object> {
    switch (operation) {
      case 'SendMessage':
        return this.sendMessage(input);
      case 'SendMessageBatch':
        return this.batch(input, (entry) => {
          const { MessageId, MD5OfMessageBody, MD5OfMessageAttributes, SequenceNumber } = this.sendMessage({ ...entry, QueueUrl: input.QueueUrl });
          return { MessageId, MD5OfMessageBody, MD5OfMessageAttributes, SequenceNumber };
        });
      case 'ReceiveMessage':
        return this.receiveMessage(input);
      case 'DeleteMessage':
        this.deleteMessage(this.queue(required(input, 'QueueUrl')), required(input, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch': {
        const queue = this.queue(required(input, 'QueueUrl'));
        return this.batch(input, (entry) => {
          this.deleteMessage(queue, required(entry, 'ReceiptHandle'));
          return {};
        });
      }
      case 'ChangeMessageVisibility':
        this.changeVisibility(this.queue(required(input, 'QueueUrl')), required(input, 'ReceiptHandle'), input.VisibilityTimeout);
        return {};
      case 'ChangeMessageVisibilityBatch': {
        const queue = this.queue(required(input, 'QueueUrl'));
        return this.batch(input, (entry) => {
          this.changeVisibility(queue, required(entry, 'ReceiptHandle'), entry.VisibilityTimeout);
          return {};
        });
      }
      case 'GetQueueUrl':
        return { QueueUrl: this.queue(required(input, 'QueueName')).url };
      case 'GetQueueAttributes':
        return { Attributes: this.getAttributes(this.queue(required(input, 'QueueUrl')), input.AttributeNames) };
      case 'SetQueueAttributes': {
        const queue = this.queue(required(input, 'QueueUrl'));
        const attributes = validateAttributes(input.Attributes ?? {}, queue.fifo);
        Object.assign(queue.attributes, attributes);
        queue.lastModifiedAt = this.now();
        return {};
      }
      case 'ListQueues':
        return this.listQueues(input);
      case 'CreateQueue':
        return { QueueUrl: this.createQueue(required(input, 'QueueName'), input.Attributes ?? {}) };
      case 'DeleteQueue':
        this.queues.delete(this.queue(required(input, 'QueueUrl')).name);
        return {};
      case 'PurgeQueue': {
        const queue = this.queue(required(input, 'QueueUrl'));
        queue.messages = [];
        return {};
      }
      default:
        throw new SqsError('UnsupportedOperation', `The local cloud's SQS does not support ${operation}.`, 400, 'AWS.SimpleQueueService.UnsupportedOperation');
    }
  }

  private sendMessage(input: Record<string, any>) {
    const message = this.enqueue(this.queue(required(input, 'QueueUrl')), input);
    return {
      MessageId: message.id,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { MD5OfMessageAttributes: message.md5OfAttributes } : {}),
      ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    };
  }

  private async receiveMessage(input: Record<string, any>): Promise<object> {
    const queue = this.queue(required(input, 'QueueUrl'));
    const max = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = optionalInteger(input, 'VisibilityTimeout', 0, 43_200) ?? Number(queue.attributes.VisibilityTimeout);
    const waitSeconds = optionalInteger(input, 'WaitTimeSeconds', 0, 20) ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    const deadline = Date.now() + Math.min(waitSeconds * 1000, this.maxWaitMs);
    let messages = this.take(queue, max, visibility);
    while (messages.length === 0 && !this.stopped) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await this.waitForChange(queue, Math.min(remaining, this.untilNextVisible(queue)));
      if (!this.queues.has(queue.name)) throw queueDoesNotExist();
      messages = this.take(queue, max, visibility);
    }
    if (messages.length === 0) return {};
    const systemNames = selectNames([...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])], MESSAGE_SYSTEM_ATTRIBUTES);
    const attributePatterns: string[] = input.MessageAttributeNames ?? [];
    return {
      Messages: messages.map(({ message, receiptHandle }) => {
        const attributes = this.systemAttributes(message, systemNames);
        const messageAttributes = filterMessageAttributes(message.attributes, attributePatterns);
        return {
          MessageId: message.id,
          ReceiptHandle: receiptHandle,
          MD5OfBody: message.md5OfBody,
          Body: message.body,
          ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
          ...(message.md5OfAttributes ? { MD5OfMessageAttributes: message.md5OfAttributes } : {}),
          ...(messageAttributes ? { MessageAttributes: messageAttributes } : {}),
        };
      }),
    };
  }

  private listQueues(input: Record<string, any>): object {
    const prefix: string = input.QueueNamePrefix ?? '';
    const urls = [...this.queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url);
    const maxResults = optionalInteger(input, 'MaxResults', 1, 1000);
    if (maxResults === undefined) return { QueueUrls: urls.slice(0, 1000) };
    const start = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64url').toString()) || 0 : 0;
    const page = urls.slice(start, start + maxResults);
    const next = start + maxResults < urls.length ? Buffer.from(String(start + maxResults)).toString('base64url') : undefined;
    return { QueueUrls: page, ...(next ? { NextToken: next } : {}) };
  }

  /** Runs one batch operation entry by entry, reporting each entry's failure like SQS. */
  private batch(input: Record<string, any>, run: (entry: Record<string, any>) => object): object {
    this.queue(required(input, 'QueueUrl'));
    const entries: unknown = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.', 400, 'AWS.SimpleQueueService.EmptyBatchRequest');
    }
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`, 400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
    }
    const ids = new Set<string>();
    let totalBytes = 0;
    for (const entry of entries as Record<string, any>[]) {
      const id = entry?.Id;
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
        throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.', 400, 'AWS.SimpleQueueService.InvalidBatchEntryId');
      }
      if (ids.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
      ids.add(id);
      totalBytes += typeof entry.MessageBody === 'string' ? payloadBytes(entry.MessageBody, entry.MessageAttributes) : 0;
    }
    if (totalBytes > MAX_PAYLOAD_BYTES) {
      throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_PAYLOAD_BYTES} bytes. You have sent ${totalBytes} bytes.`, 400, 'AWS.SimpleQueueService.BatchRequestTooLong');
    }
    const Successful: object[] = [];
    const Failed: object[] = [];
    for (const entry of entries as Record<string, any>[]) {
      try {
        Successful.push({ Id: entry.Id, ...run(entry) });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.queryCode, Message: error.message });
      }
    }
    return { Successful, Failed };
  }

  // ---------------------------------------------------------------- queues

  private addQueue(name: string, attributes: Record<string, unknown>, url?: string, arn?: string): Queue {
    const fifo = name.endsWith('.fifo');
    const now = this.now();
    const defaults: Record<string, string> = {};
    for (const [key, spec] of Object.entries(ATTRIBUTES)) if (spec.default !== undefined) defaults[key] = spec.default;
    const queue: Queue = {
      name,
      url: url ?? `${this.options.edgeUrl.replace(/\/+$/, '')}/${LOCAL_ACCOUNT_ID}/${name}`,
      arn: arn ?? `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`,
      fifo,
      createdAt: now,
      lastModifiedAt: now,
      attributes: { ...defaults, ...(fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {}), ...validateAttributes(attributes, fifo) },
      messages: [],
      deduplication: new Map(),
      sequence: 0n,
      waiters: new Set(),
    };
    this.queues.set(name, queue);
    return queue;
  }

  private createQueue(name: string, attributes: Record<string, unknown>): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name.replace(/\.fifo$/, ''))) {
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const wantsFifo = String(attributes.FifoQueue ?? 'false') === 'true';
    if (wantsFifo !== name.endsWith('.fifo')) throw invalidParameter('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.');
    const existing = this.queues.get(name);
    if (!existing) return this.addQueue(name, attributes).url;
    const requested = validateAttributes(attributes, existing.fifo);
    for (const [key, value] of Object.entries(requested)) {
      if (existing.attributes[key] !== value) {
        throw new SqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${key}`, 400, 'QueueAlreadyExists');
      }
    }
    return existing.url;
  }

  /** The queue named by URL, ARN or name. */
  private queue(ref: unknown): Queue {
    if (typeof ref !== 'string' || ref === '') throw queueDoesNotExist();
    const name = ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf(':') + 1) : lastSegment(ref);
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  // ---------------------------------------------------------------- messages

  private enqueue(queue: Queue, input: Record<string, any>): Message {
    const body: unknown = input.MessageBody;
    if (typeof body !== 'string') throw missingParameter('MessageBody');
    if (body.length === 0) throw invalidParameter('The request must contain a non-empty message body.');
    const attributes = validateMessageAttributes(input.MessageAttributes);
    const size = payloadBytes(body, attributes);
    if (size > Number(queue.attributes.MaximumMessageSize)) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${queue.attributes.MaximumMessageSize} bytes.`);
    }
    const delay = optionalInteger(input, 'DelaySeconds', 0, 900) ?? Number(queue.attributes.DelaySeconds);
    const now = this.now();
    let groupId: string | undefined;
    let deduplicationId: string | undefined;
    let sequenceNumber: string | undefined;
    if (queue.fifo) {
      if (input.DelaySeconds !== undefined) throw invalidParameter('The request include parameter that is not valid for this queue type. Reason: DelaySeconds is not supported per message on FIFO queues.');
      groupId = input.MessageGroupId;
      if (typeof groupId !== 'string' || groupId === '') throw missingParameter('MessageGroupId');
      deduplicationId = input.MessageDeduplicationId ?? (queue.attributes.ContentBasedDeduplication === 'true' ? sha256(body) : undefined);
      if (!deduplicationId) {
        throw invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
      for (const [id, seen] of queue.deduplication) if (seen.expiresAt <= now) queue.deduplication.delete(id);
      const seen = queue.deduplication.get(deduplicationId);
      if (seen) {
        // A duplicate is accepted and answered like the original, but not queued again.
        return { ...newMessage(seen.messageId, body, attributes, now, now), sequenceNumber: seen.sequenceNumber };
      }
      queue.sequence += 1n;
      sequenceNumber = queue.sequence.toString().padStart(20, '0');
    } else if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      throw invalidParameter('The request include parameter that is not valid for this queue type. Reason: MessageGroupId and MessageDeduplicationId are only for FIFO queues.');
    }
    const message: Message = {
      ...newMessage(randomUUID(), body, attributes, now, now + delay * 1000),
      ...(groupId ? { groupId } : {}),
      ...(deduplicationId ? { deduplicationId } : {}),
      ...(sequenceNumber ? { sequenceNumber } : {}),
    };
    if (deduplicationId && sequenceNumber) {
      queue.deduplication.set(deduplicationId, { messageId: message.id, sequenceNumber, expiresAt: now + FIFO_DEDUPLICATION_MS });
    }
    queue.messages.push(message);
    wake(queue);
    return message;
  }

  /** Receives up to `max` visible messages, applying retention, redrive and FIFO group order. */
  private take(queue: Queue, max: number, visibilitySeconds: number): Array<{ message: Message; receiptHandle: string }> {
    const now = this.now();
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod) * 1000;
    const redrive = redrivePolicy(queue);
    const taken: Array<{ message: Message; receiptHandle: string }> = [];
    const heldGroups = new Set<string>();
    const kept: Message[] = [];
    for (const message of queue.messages) {
      if (now - message.sentAt >= retentionMs) continue; // expired: dropped
      const visible = message.visibleAt <= now;
      if (visible && message.inFlight) message.inFlight = false;
      if (visible && redrive && message.receiveCount >= redrive.maxReceiveCount) {
        const target = this.queues.get(redrive.deadLetterTargetArn.slice(redrive.deadLetterTargetArn.lastIndexOf(':') + 1));
        if (target) {
          target.messages.push({ ...message, visibleAt: now, inFlight: false });
          wake(target);
          continue;
        }
      }
      kept.push(message);
      if (taken.length >= max) continue;
      if (message.groupId !== undefined && (heldGroups.has(message.groupId) || !visible)) {
        heldGroups.add(message.groupId);
        continue;
      }
      if (!visible) continue;
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.inFlight = true;
      taken.push({ message, receiptHandle: receiptHandle(queue, message) });
    }
    queue.messages = kept;
    return taken;
  }

  private deleteMessage(queue: Queue, handle: string): void {
    const messageId = parseReceiptHandle(queue, handle);
    queue.messages = queue.messages.filter((m) => m.id !== messageId); // deleting twice succeeds, as on SQS
  }

  private changeVisibility(queue: Queue, handle: string, timeout: unknown): void {
    const messageId = parseReceiptHandle(queue, handle);
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0 || timeout > 43_200) {
      throw invalidParameter(`Value ${String(timeout)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
    }
    const message = queue.messages.find((m) => m.id === messageId);
    const now = this.now();
    if (!message || !message.inFlight || message.visibleAt <= now) {
      throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.', 400, 'AWS.SimpleQueueService.MessageNotInflight');
    }
    message.visibleAt = now + timeout * 1000;
    if (timeout === 0) wake(queue);
  }

  private getAttributes(queue: Queue, names: unknown): Record<string, string> {
    const wanted = Array.isArray(names) ? (names as unknown[]) : [];
    const known = [...Object.keys(queue.attributes), ...COMPUTED_ATTRIBUTES];
    for (const name of wanted) {
      if (name !== 'All' && (typeof name !== 'string' || !(name in ATTRIBUTES || (COMPUTED_ATTRIBUTES as readonly string[]).includes(name)))) {
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${String(name)}.`);
      }
    }
    const selected = selectNames(wanted, known);
    const now = this.now();
    const visible = queue.messages.filter((m) => m.visibleAt <= now).length;
    const inFlight = queue.messages.filter((m) => m.visibleAt > now && m.inFlight).length;
    const computed: Record<(typeof COMPUTED_ATTRIBUTES)[number], string> = {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(queue.messages.length - visible - inFlight),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      QueueArn: queue.arn,
    };
    const all: Record<string, string> = { ...queue.attributes, ...computed };
    const out: Record<string, string> = {};
    for (const name of selected) if (all[name] !== undefined) out[name] = all[name];
    return out;
  }

  private systemAttributes(message: Message, names: readonly string[]): Record<string, string> {
    const values: Record<(typeof MESSAGE_SYSTEM_ATTRIBUTES)[number], string | undefined> = {
      SenderId: LOCAL_ACCOUNT_ID,
      SentTimestamp: String(message.sentAt),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: message.firstReceivedAt === undefined ? undefined : String(message.firstReceivedAt),
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.deduplicationId,
      SequenceNumber: message.sequenceNumber,
    };
    const out: Record<string, string> = {};
    for (const name of names) {
      const value = values[name as keyof typeof values];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  // ---------------------------------------------------------------- long polling

  private untilNextVisible(queue: Queue): number {
    const now = this.now();
    let next = Infinity;
    for (const m of queue.messages) if (m.visibleAt > now) next = Math.min(next, m.visibleAt - now);
    return Math.max(next, 1);
  }

  private waitForChange(queue: Queue, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        queue.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      queue.waiters.add(done);
    });
  }
}

// ---------------------------------------------------------------- helpers

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

function jsonResponse(status: number, body: object): EdgeResponse {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(body) };
}

function wake(queue: Queue): void {
  for (const waiter of [...queue.waiters]) waiter();
}

function newMessage(id: string, body: string, attributes: Record<string, MessageAttributeValue>, sentAt: number, visibleAt: number): Message {
  const hasAttributes = Object.keys(attributes).length > 0;
  return {
    id,
    body,
    md5OfBody: md5(body),
    attributes,
    ...(hasAttributes ? { md5OfAttributes: md5OfMessageAttributes(attributes) } : {}),
    sentAt,
    visibleAt,
    receiveCount: 0,
    inFlight: false,
  };
}

/** Receipt handles name the queue and message, plus a nonce so each receive gets a new one. */
function receiptHandle(queue: Queue, message: Message): string {
  return Buffer.from(`${queue.name} ${message.id} ${randomBytes(8).toString('hex')}`).toString('base64url');
}

function parseReceiptHandle(queue: Queue, handle: string): string {
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  if (parts.length !== 3 || parts[0] !== queue.name) {
    throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`, 404);
  }
  return parts[1]!;
}

function redrivePolicy(queue: Queue): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  const text = queue.attributes.RedrivePolicy;
  if (!text) return undefined;
  const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  const maxReceiveCount = Number(policy.maxReceiveCount);
  return policy.deadLetterTargetArn && maxReceiveCount > 0 ? { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount } : undefined;
}

/** Validates settable queue attributes and returns them as the strings SQS stores. */
function validateAttributes(attributes: unknown, fifo: boolean): Record<string, string> {
  if (!isRecord(attributes)) throw invalidParameter('Attributes must be a map of attribute names to values.');
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attributes)) {
    const spec = ATTRIBUTES[name];
    if (!spec) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const value = typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    if (spec.min !== undefined) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < spec.min || n > (spec.max ?? Infinity)) {
        throw invalidParameter(`Invalid value for the parameter ${name}. Reason: Must be an integer from ${spec.min} to ${spec.max}.`);
      }
    }
    if (name === 'RedrivePolicy') {
      let policy: unknown;
      try {
        policy = JSON.parse(value);
      } catch {
        policy = undefined;
      }
      if (!isRecord(policy) || typeof policy.deadLetterTargetArn !== 'string' || !(Number(policy.maxReceiveCount) > 0)) {
        throw invalidParameter('Invalid value for the parameter RedrivePolicy. Reason: Redrive policy needs deadLetterTargetArn and a positive maxReceiveCount.');
      }
    }
    if ((name === 'FifoQueue' || name === 'ContentBasedDeduplication') && value !== 'true' && value !== 'false') {
      throw invalidParameter(`Invalid value for the parameter ${name}.`);
    }
    if (name === 'FifoQueue' && (value === 'true') !== fifo) throw invalidParameter('FifoQueue must match the queue name (.fifo suffix).');
    out[name] = value;
  }
  return out;
}

function validateMessageAttributes(value: unknown): Record<string, MessageAttributeValue> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalidParameter('MessageAttributes must be a map.');
  const entries = Object.entries(value);
  if (entries.length > 10) throw invalidParameter('Number of message attributes [' + entries.length + '] exceeds the allowed maximum [10].');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of entries) {
    if (!isRecord(attribute) || typeof attribute.DataType !== 'string') throw invalidParameter(`The message attribute '${name}' must contain a non-empty attribute type.`);
    const type = attribute.DataType;
    if (type.startsWith('Binary')) {
      if (typeof attribute.BinaryValue !== 'string') throw invalidParameter(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      out[name] = { DataType: type, BinaryValue: attribute.BinaryValue };
    } else if (type.startsWith('String') || type.startsWith('Number')) {
      if (typeof attribute.StringValue !== 'string') throw invalidParameter(`The message attribute '${name}' must contain a non-empty message attribute value.`);
      if (type.startsWith('Number') && !Number.isFinite(Number(attribute.StringValue))) {
        throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      }
      out[name] = { DataType: type, StringValue: attribute.StringValue };
    } else {
      throw invalidParameter(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
  }
  return out;
}

/** `All`, `.*`, `prefix.*` or exact names, as ReceiveMessage's MessageAttributeNames. */
function filterMessageAttributes(attributes: Record<string, MessageAttributeValue>, patterns: readonly string[]): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = patterns.some((p) => p === 'All' || p === '.*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))));
    if (wanted) out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function selectNames(requested: readonly unknown[], known: readonly string[]): string[] {
  return requested.includes('All') ? [...known] : known.filter((name) => requested.includes(name));
}

function payloadBytes(body: string, attributes: unknown): number {
  let size = Buffer.byteLength(body);
  if (isRecord(attributes)) {
    for (const [name, a] of Object.entries(attributes)) {
      if (!isRecord(a)) continue;
      size += Buffer.byteLength(name) + Buffer.byteLength(String(a.DataType ?? ''));
      size += typeof a.BinaryValue === 'string' ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(String(a.StringValue ?? ''));
    }
  }
  return size;
}

/**
 * SQS's MD5 of message attributes: for each attribute by name, the length-prefixed
 * (4 bytes, big-endian) name, data type, a transport byte (1 string, 2 binary) and value.
 */
function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name]!;
    field(Buffer.from(name));
    field(Buffer.from(attribute.DataType));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      field(Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      field(Buffer.from(attribute.StringValue ?? ''));
    }
  }
  return hash.digest('hex');
}

function required(input: Record<string, any>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw missingParameter(name);
  return value;
}

function optionalInteger(input: Record<string, any>, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
  return value;
}

function lastSegment(url: string): string {
  const path = url.split(/[?#]/)[0]!.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
