/**
 * An SQS queue of the local SQS as a mapping's source, read in process (the
 * `QueueConsumer` of types.ts, which `SqsService` implements): the record
 * Lambda builds from a message, and Lambda's reading of an SQS partial batch
 * response.
 */
import type { ConsumedMessage } from '../types';

/** The record Lambda gives the function for one message ("Using Lambda with Amazon SQS", example event). */
export function sqsRecord(message: ConsumedMessage, eventSourceARN: string): Record<string, unknown> {
  const messageAttributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    };
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes,
    ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: eventSourceARN.split(':')[3],
  };
}

/**
 * Lambda's reading of an SQS partial batch response (`ReportBatchItemFailures`):
 * the message ids to keep (the rest is deleted). Complete success: no
 * response, an empty or null `batchItemFailures`. Complete failure (every id
 * kept): a response that is not JSON, an `itemIdentifier` that is missing,
 * empty, null or not a message of the batch.
 */
export function failedMessageIds(payload: unknown, batchIds: readonly string[]): Set<string> {
  let response = payload;
  if (typeof response === 'string') {
    try {
      response = JSON.parse(response);
    } catch {
      return new Set(batchIds);
    }
  }
  if (response === undefined || response === null || typeof response !== 'object') return new Set();
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return new Set(batchIds);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !batchIds.includes(id)) return new Set(batchIds);
    failed.add(id);
  }
  return failed;
}
