/**
 * The SQS API as the AWS JSON 1.0 protocol carries it (`AmazonSQS.<Operation>`):
 * each operation's wire input, validated, handed to the queues and the message
 * engine, and its output in SQS's shape; batch operations entry by entry.
 */
import type {
  ChangeMessageVisibilityBatchRequest,
  ChangeMessageVisibilityRequest,
  CreateQueueRequest,
  DeleteMessageBatchRequest,
  DeleteMessageRequest,
  DeleteQueueRequest,
  GetQueueAttributesRequest,
  GetQueueUrlRequest,
  ListQueuesRequest,
  PurgeQueueRequest,
  ReceiveMessageRequest,
  SendMessageBatchRequest,
  SendMessageRequest,
  SetQueueAttributesRequest,
} from '@aws-sdk/client-sqs';
import { AwsError } from '../protocol/errors';
import type { OperationTable, Wire } from '../protocol/operations';
import type { MessageEngine } from './engine';
import { simpleQueueServiceError } from './errors';
import { filterMessageAttributes, selectNames } from './messages';
import { MAX_BATCH_ENTRIES, MAX_PAYLOAD_BYTES, MESSAGE_SYSTEM_ATTRIBUTES } from './model';
import type { QueueRegistry } from './queues';
import { optionalInteger, payloadBytes, required } from './validation';

interface BatchEntry {
  readonly Id?: string;
}

export function sqsOperations(queues: QueueRegistry, engine: MessageEngine): OperationTable {
  const queueOf = <T extends { QueueUrl?: string }>(input: T) => queues.get(required(input, 'QueueUrl'));

  const sendMessage = (input: Wire<SendMessageRequest>) => {
    const message = engine.enqueue(queueOf(input), input);
    return {
      MessageId: message.id,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { MD5OfMessageAttributes: message.md5OfAttributes } : {}),
      ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    };
  };

  const receiveMessage = async (input: Wire<ReceiveMessageRequest>) => {
    const queue = queueOf(input);
    const max = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = optionalInteger(input, 'VisibilityTimeout', 0, 43_200) ?? Number(queue.attributes.VisibilityTimeout);
    const waitSeconds = optionalInteger(input, 'WaitTimeSeconds', 0, 20) ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    const messages = await engine.receive(queue, max, visibility, waitSeconds);
    if (messages.length === 0) return {};
    const systemNames = selectNames(
      [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])],
      MESSAGE_SYSTEM_ATTRIBUTES,
    );
    const attributePatterns = input.MessageAttributeNames ?? [];
    return {
      Messages: messages.map(({ message, receiptHandle }) => {
        const attributes = engine.systemAttributes(message, systemNames);
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
  };

  const listQueues = (input: Wire<ListQueuesRequest>) => {
    const prefix = input.QueueNamePrefix ?? '';
    const urls = [...queues.all()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url);
    const maxResults = optionalInteger(input, 'MaxResults', 1, 1000);
    if (maxResults === undefined) return { QueueUrls: urls.slice(0, 1000) };
    const start = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64url').toString()) || 0 : 0;
    const page = urls.slice(start, start + maxResults);
    const next = start + maxResults < urls.length ? Buffer.from(String(start + maxResults)).toString('base64url') : undefined;
    return { QueueUrls: page, ...(next ? { NextToken: next } : {}) };
  };

  return {
    SendMessage: sendMessage,
    SendMessageBatch: (input: Wire<SendMessageBatchRequest>) => {
      queueOf(input);
      return batch(input.Entries, (entry) => {
        const { MessageId, MD5OfMessageBody, MD5OfMessageAttributes, SequenceNumber } = sendMessage({ ...entry, QueueUrl: input.QueueUrl });
        return { MessageId, MD5OfMessageBody, MD5OfMessageAttributes, SequenceNumber };
      });
    },
    ReceiveMessage: receiveMessage,
    DeleteMessage: (input: Wire<DeleteMessageRequest>) => {
      engine.deleteMessage(queueOf(input), required(input, 'ReceiptHandle'));
      return {};
    },
    DeleteMessageBatch: (input: Wire<DeleteMessageBatchRequest>) => {
      const queue = queueOf(input);
      return batch(input.Entries, (entry) => {
        engine.deleteMessage(queue, required(entry, 'ReceiptHandle'));
        return {};
      });
    },
    ChangeMessageVisibility: (input: Wire<ChangeMessageVisibilityRequest>) => {
      engine.changeVisibility(queueOf(input), required(input, 'ReceiptHandle'), input.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch: (input: Wire<ChangeMessageVisibilityBatchRequest>) => {
      const queue = queueOf(input);
      return batch(input.Entries, (entry) => {
        engine.changeVisibility(queue, required(entry, 'ReceiptHandle'), entry.VisibilityTimeout);
        return {};
      });
    },
    GetQueueUrl: (input: Wire<GetQueueUrlRequest>) => ({ QueueUrl: queues.get(required(input, 'QueueName')).url }),
    GetQueueAttributes: (input: Wire<GetQueueAttributesRequest>) => ({
      Attributes: queues.getAttributes(queueOf(input), input.AttributeNames),
    }),
    SetQueueAttributes: (input: Wire<SetQueueAttributesRequest>) => {
      queues.setAttributes(queueOf(input), input.Attributes);
      return {};
    },
    ListQueues: listQueues,
    CreateQueue: (input: Wire<CreateQueueRequest>) => ({ QueueUrl: queues.create(required(input, 'QueueName'), input.Attributes ?? {}) }),
    DeleteQueue: (input: Wire<DeleteQueueRequest>) => {
      queues.delete(queueOf(input));
      return {};
    },
    PurgeQueue: (input: Wire<PurgeQueueRequest>) => {
      queueOf(input).messages = [];
      return {};
    },
  };
}

/**
 * Runs one batch operation entry by entry, reporting each entry's failure like
 * SQS; the request-level checks (entry count, ids, total size) fail the whole call.
 */
function batch<E extends BatchEntry>(entries: E[] | undefined, run: (entry: E) => object): object {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw simpleQueueServiceError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw simpleQueueServiceError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const ids = new Set<string>();
  let totalBytes = 0;
  for (const entry of entries) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw simpleQueueServiceError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(id)) throw simpleQueueServiceError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
    const { MessageBody, MessageAttributes } = entry as { MessageBody?: unknown; MessageAttributes?: unknown };
    totalBytes += typeof MessageBody === 'string' ? payloadBytes(MessageBody, MessageAttributes) : 0;
  }
  if (totalBytes > MAX_PAYLOAD_BYTES) {
    throw simpleQueueServiceError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_PAYLOAD_BYTES} bytes. You have sent ${totalBytes} bytes.`,
    );
  }
  const Successful: object[] = [];
  const Failed: object[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...run(entry) });
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful, Failed };
}
