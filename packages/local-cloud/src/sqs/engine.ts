/**
 * What SQS does with messages: enqueueing (delays, FIFO order and
 * deduplication), receiving (visibility, retention, redrive to the dead-letter
 * queue, long polling), deleting and changing visibility.
 */
import { randomUUID } from 'node:crypto';
import type { SendMessageRequest } from '@aws-sdk/client-sqs';
import type { Wire } from '../protocol/operations';
import { LOCAL_ACCOUNT_ID } from '../types';
import { invalidParameter, missingParameter, queueDoesNotExist, simpleQueueServiceError } from './errors';
import { newMessage, parseReceiptHandle, receiptHandle, redrivePolicy, sha256, wake } from './messages';
import { FIFO_DEDUPLICATION_MS, MESSAGE_SYSTEM_ATTRIBUTES, type Message, type Queue, type Received } from './model';
import type { QueueRegistry } from './queues';
import { optionalInteger, payloadBytes, validateMessageAttributes } from './validation';

/** What a message is sent with: `SendMessage`'s input less the queue. */
export type NewMessage = Omit<Wire<SendMessageRequest>, 'QueueUrl'>;

export class MessageEngine {
  private stopped = false;

  constructor(
    private readonly queues: QueueRegistry,
    private readonly now: () => number,
    /** Longest long poll, in ms. */
    private readonly maxWaitMs: number,
  ) {}

  /** Ends every long poll at once (with no messages). */
  stop(): void {
    this.stopped = true;
    for (const queue of this.queues.all()) wake(queue);
  }

  enqueue(queue: Queue, input: NewMessage): Message {
    const body: unknown = input.MessageBody;
    if (typeof body !== 'string') throw missingParameter('MessageBody');
    if (body.length === 0) throw invalidParameter('The request must contain a non-empty message body.');
    const attributes = validateMessageAttributes(input.MessageAttributes);
    const size = payloadBytes(body, attributes);
    if (size > Number(queue.attributes.MaximumMessageSize)) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.attributes.MaximumMessageSize} bytes.`,
      );
    }
    const delay = optionalInteger(input, 'DelaySeconds', 0, 900) ?? Number(queue.attributes.DelaySeconds);
    const now = this.now();
    let groupId: string | undefined;
    let deduplicationId: string | undefined;
    let sequenceNumber: string | undefined;
    if (queue.fifo) {
      if (input.DelaySeconds !== undefined)
        throw invalidParameter(
          'The request include parameter that is not valid for this queue type. Reason: DelaySeconds is not supported per message on FIFO queues.',
        );
      groupId = input.MessageGroupId;
      if (typeof groupId !== 'string' || groupId === '') throw missingParameter('MessageGroupId');
      deduplicationId = input.MessageDeduplicationId ?? (queue.attributes.ContentBasedDeduplication === 'true' ? sha256(body) : undefined);
      if (!deduplicationId) {
        throw invalidParameter(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
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
      throw invalidParameter(
        'The request include parameter that is not valid for this queue type. Reason: MessageGroupId and MessageDeduplicationId are only for FIFO queues.',
      );
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

  /**
   * Receives up to `max` messages, waiting up to `waitSeconds` (capped by the
   * engine's longest poll) for the first one; `QueueDoesNotExist` if the queue
   * is deleted meanwhile.
   */
  async receive(queue: Queue, max: number, visibilitySeconds: number, waitSeconds: number): Promise<Received[]> {
    const deadline = Date.now() + Math.min(waitSeconds * 1000, this.maxWaitMs);
    let messages = this.take(queue, max, visibilitySeconds);
    while (messages.length === 0 && !this.stopped) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await this.waitForChange(queue, Math.min(remaining, this.untilNextVisible(queue)));
      if (!this.queues.has(queue)) throw queueDoesNotExist();
      messages = this.take(queue, max, visibilitySeconds);
    }
    return messages;
  }

  /** Receives up to `max` visible messages, applying retention, redrive and FIFO group order. */
  private take(queue: Queue, max: number, visibilitySeconds: number): Received[] {
    const now = this.now();
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod) * 1000;
    const redrive = redrivePolicy(queue);
    const taken: Received[] = [];
    const heldGroups = new Set<string>();
    const kept: Message[] = [];
    for (const message of queue.messages) {
      if (now - message.sentAt >= retentionMs) continue; // expired: dropped
      const visible = message.visibleAt <= now;
      if (visible && message.inFlight) message.inFlight = false;
      if (visible && redrive && message.receiveCount >= redrive.maxReceiveCount) {
        const target = this.queues.byArn(redrive.deadLetterTargetArn);
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

  deleteMessage(queue: Queue, handle: string): void {
    const messageId = parseReceiptHandle(queue, handle);
    queue.messages = queue.messages.filter((m) => m.id !== messageId); // deleting twice succeeds, as on SQS
  }

  changeVisibility(queue: Queue, handle: string, timeout: unknown): void {
    const messageId = parseReceiptHandle(queue, handle);
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0 || timeout > 43_200) {
      throw invalidParameter(`Value ${String(timeout)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
    }
    const message = queue.messages.find((m) => m.id === messageId);
    const now = this.now();
    if (!message || !message.inFlight || message.visibleAt <= now) {
      throw simpleQueueServiceError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    message.visibleAt = now + timeout * 1000;
    if (timeout === 0) wake(queue);
  }

  /** The system attributes of a received message, those of `names` that it has. */
  systemAttributes(message: Message, names: readonly string[]): Record<string, string> {
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

  /** Resolves when a message may have become visible on the queue (a send, a visibility change or a timeout ending), or after `ms`. */
  waitForMessages(queue: Queue, ms: number): Promise<void> {
    return this.stopped ? Promise.resolve() : this.waitForChange(queue, Math.min(ms, this.untilNextVisible(queue)));
  }

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
