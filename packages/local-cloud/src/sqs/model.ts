/** The local SQS's state: queues, their messages, and the attributes SQS defines. */

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

export interface Message {
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

export interface Queue {
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

/** A received message and the receipt handle of this receive. */
export interface Received {
  readonly message: Message;
  readonly receiptHandle: string;
}

/** Settable attributes with SQS's defaults and limits (undefined limits: any string). */
export const ATTRIBUTES: Readonly<Record<string, { readonly default?: string; readonly min?: number; readonly max?: number }>> = {
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
export const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'MessageGroupId',
  'MessageDeduplicationId',
  'SequenceNumber',
] as const;

export const FIFO_DEDUPLICATION_MS = 5 * 60_000;
export const MAX_BATCH_ENTRIES = 10;
export const MAX_PAYLOAD_BYTES = 262_144;

export function lastSegment(url: string): string {
  const path = url.split(/[?#]/)[0]!.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
