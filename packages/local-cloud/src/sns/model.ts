/** The local SNS's state: topics, subscriptions, messages, and SNS's errors as the API reference words them. */
import { AwsError } from '../protocol/errors';

/** A message attribute as Publish carries it. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  /** Base64. */
  readonly BinaryValue?: string;
}

export interface Topic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  /** Settable attributes (DisplayName, Policy, ContentBasedDeduplication...), as strings. */
  readonly attributes: Record<string, string>;
  sequence: bigint;
}

export type Protocol = 'sqs' | 'lambda' | 'http' | 'https';
export const DELIVERED_PROTOCOLS: readonly string[] = ['sqs', 'lambda', 'http', 'https'];
/** Protocols AWS accepts that the local cloud does not deliver to: refused, never accepted silently. */
export const UNDELIVERED_PROTOCOLS: readonly string[] = ['email', 'email-json', 'sms', 'application', 'firehose'];

export interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: Protocol;
  readonly endpoint: string;
  /** RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy... as strings. */
  readonly attributes: Record<string, string>;
  /** HTTP(S) subscriptions wait for ConfirmSubscription with this token. */
  confirmationToken?: string;
  confirmed: boolean;
}

/** One message as published, with what every delivery needs. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly attributes: Readonly<Record<string, SnsMessageAttribute>>;
  readonly timestamp: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
}

/** 256 KB: the largest message (body and attributes) SNS accepts. */
export const MAX_MESSAGE_BYTES = 262_144;
export const MAX_BATCH_ENTRIES = 10;

export const TOPIC_ATTRIBUTES = [
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'FifoTopic',
  'ContentBasedDeduplication',
  'ArchivePolicy',
  'FifoThroughputScope',
];
export const SUBSCRIPTION_ATTRIBUTES = [
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
];

export const invalidParameter = (what: string) => new AwsError('InvalidParameter', `Invalid parameter: ${what}`);
export const topicNotFound = () => new AwsError('NotFound', 'Topic does not exist', 404);
export const subscriptionNotFound = () => new AwsError('NotFound', 'Subscription does not exist', 404);
export const notDelivered = (protocol: string) =>
  new AwsError('NotImplemented', `The local cloud's SNS does not deliver to protocol ${protocol} (sqs, lambda, http and https only)`, 501);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
