/**
 * Messages as SQS makes them: ids and receipt handles, SQS's MD5 checksums,
 * redrive policies, and which attributes a receive returns.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sqsError } from './errors';
import type { Message, MessageAttributeValue, Queue } from './model';

export function newMessage(
  id: string,
  body: string,
  attributes: Record<string, MessageAttributeValue>,
  sentAt: number,
  visibleAt: number,
): Message {
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
export function receiptHandle(queue: Queue, message: Message): string {
  return Buffer.from(`${queue.name} ${message.id} ${randomBytes(8).toString('hex')}`).toString('base64url');
}

export function parseReceiptHandle(queue: Queue, handle: string): string {
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  if (parts.length !== 3 || parts[0] !== queue.name) {
    throw sqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
      'ReceiptHandleIsInvalid',
      404,
    );
  }
  return parts[1]!;
}

export function redrivePolicy(queue: Queue): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  const text = queue.attributes.RedrivePolicy;
  if (!text) return undefined;
  const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  const maxReceiveCount = Number(policy.maxReceiveCount);
  return policy.deadLetterTargetArn && maxReceiveCount > 0
    ? { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount }
    : undefined;
}

/** `All`, `.*`, `prefix.*` or exact names, as ReceiveMessage's MessageAttributeNames. */
export function filterMessageAttributes(
  attributes: Record<string, MessageAttributeValue>,
  patterns: readonly string[],
): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const wanted = patterns.some((p) => p === 'All' || p === '.*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))));
    if (wanted) out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function selectNames(requested: readonly unknown[], known: readonly string[]): string[] {
  return requested.includes('All') ? [...known] : known.filter((name) => requested.includes(name));
}

/**
 * SQS's MD5 of message attributes: for each attribute by name, the length-prefixed
 * (4 bytes, big-endian) name, data type, a transport byte (1 string, 2 binary) and value.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
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

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function wake(queue: Queue): void {
  for (const waiter of [...queue.waiters]) waiter();
}
