/**
 * What SNS sends: the JSON envelope an SQS or HTTP(S) subscriber gets
 * (`Type: Notification`, or `SubscriptionConfirmation`), the event a Lambda
 * subscriber gets (`Records[0].Sns`, with its own spellings `SigningCertUrl`,
 * `UnsubscribeUrl` and a null `Subject`), and Publish's checks of a message.
 * Signatures: SNS signs with its certificate, which the local cloud does not
 * have; `Signature` is a placeholder that no verifier accepts (README: differs).
 */
import { createHash } from 'node:crypto';
import { invalidParameter, isRecord, MAX_MESSAGE_BYTES, type PublishedMessage, type SnsMessageAttribute } from './model';

const SIGNATURE = Buffer.from('local-cloud: not signed').toString('base64');

export interface Urls {
  /** The edge's base URL: where SigningCertURL, UnsubscribeURL and SubscribeURL point. */
  readonly edgeUrl: string;
}

/** Validates Publish's MessageAttributes (SNS's rules: a DataType, and the value its type calls for). */
export function validateAttributes(value: unknown): Record<string, SnsMessageAttribute> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalidParameter('MessageAttributes');
  const out: Record<string, SnsMessageAttribute> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isRecord(raw) || typeof raw.DataType !== 'string') {
      throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute type.`);
    }
    const type = raw.DataType;
    if (type.startsWith('Binary')) {
      if (typeof raw.BinaryValue !== 'string')
        throw invalidParameter(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      out[name] = { DataType: type, BinaryValue: raw.BinaryValue };
      continue;
    }
    if (!/^(String|Number)/.test(type)) {
      throw invalidParameter(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (typeof raw.StringValue !== 'string')
      throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value.`);
    if (type.startsWith('Number') && !Number.isFinite(Number(raw.StringValue))) {
      throw invalidParameter(`Could not cast message attribute '${name}' value to number.`);
    }
    if (type === 'String.Array') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.StringValue);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed)) throw invalidParameter(`The message attribute '${name}' with type 'String.Array' must be a JSON array.`);
    }
    out[name] = { DataType: type, StringValue: raw.StringValue };
  }
  return out;
}

/** Publish's message checks: present, not empty, 256 KB at most with its attributes. */
export function validateMessage(message: unknown, attributes: Readonly<Record<string, SnsMessageAttribute>>): string {
  if (message === undefined) throw invalidParameter('Message');
  if (typeof message !== 'string' || message === '') throw invalidParameter('Empty message');
  let size = Buffer.byteLength(message);
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? '');
  }
  if (size > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
  return message;
}

/** Content-based deduplication id of a FIFO topic: SHA-256 of the message. */
export function contentDeduplicationId(message: string): string {
  return createHash('sha256').update(message).digest('hex');
}

function wireAttributes(attributes: Readonly<Record<string, SnsMessageAttribute>>): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [name, a] of Object.entries(attributes)) out[name] = { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' };
  return out;
}

function certUrl(urls: Urls): string {
  return `${urls.edgeUrl}/_local/sns/SimpleNotificationService.pem`;
}

function unsubscribeUrl(urls: Urls, subscriptionArn: string): string {
  return `${urls.edgeUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
}

/** The JSON envelope of a notification (SQS without raw delivery, HTTP/S), members in SNS's order. */
export function notificationEnvelope(message: PublishedMessage, subscriptionArn: string, urls: Urls): string {
  const attributes = wireAttributes(message.attributes);
  return JSON.stringify({
    Type: 'Notification',
    MessageId: message.messageId,
    ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    TopicArn: message.topicArn,
    ...(message.subject !== undefined ? { Subject: message.subject } : {}),
    Message: message.message,
    Timestamp: message.timestamp,
    SignatureVersion: '1',
    Signature: SIGNATURE,
    SigningCertURL: certUrl(urls),
    UnsubscribeURL: unsubscribeUrl(urls, subscriptionArn),
    ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
  });
}

/** The event of a Lambda subscriber (one record per invocation, as SNS sends it). */
export function lambdaEvent(message: PublishedMessage, subscriptionArn: string, urls: Urls): unknown {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: message.messageId,
          ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
          TopicArn: message.topicArn,
          Subject: message.subject ?? null,
          Message: message.message,
          Timestamp: message.timestamp,
          SignatureVersion: '1',
          Signature: SIGNATURE,
          SigningCertUrl: certUrl(urls),
          UnsubscribeUrl: unsubscribeUrl(urls, subscriptionArn),
          MessageAttributes: wireAttributes(message.attributes),
        },
      },
    ],
  };
}

/** The SubscriptionConfirmation an HTTP(S) endpoint gets when it is subscribed. */
export function subscriptionConfirmation(topicArn: string, token: string, messageId: string, urls: Urls): string {
  return JSON.stringify({
    Type: 'SubscriptionConfirmation',
    MessageId: messageId,
    Token: token,
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `${urls.edgeUrl}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: SIGNATURE,
    SigningCertURL: certUrl(urls),
  });
}
