/**
 * What a dead letter is, from its body and attributes alone (pure): the four
 * shapes AWS writes to an SQS dead-letter queue, each saying where it came from.
 *
 * - an EventBridge rule target's DLQ: the event itself, with RULE_ARN / TARGET_ARN attributes;
 * - a Lambda asynchronous invocation's on-failure destination: an invocation record
 *   (`requestContext.functionArn`, `requestPayload` = the original event);
 * - a Kinesis or DynamoDB Streams event source mapping's on-failure destination: a
 *   record of pointers (`KinesisBatchInfo` / `DDBStreamBatchInfo`: stream, shard,
 *   first and last sequence numbers), not the records;
 * - a function's DeadLetterConfig queue: the event with RequestID / ErrorCode only —
 *   it does not name the function, so it cannot be redriven without being told which.
 */

/** The pointers a stream mapping's on-failure record holds (Lambda's shape). */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord?: string;
  readonly approximateArrivalOfLastRecord?: string;
  readonly batchSize?: number;
  readonly streamArn: string;
}

export type DeadLetter =
  | { readonly kind: 'rule-target'; readonly targetArn: string; readonly ruleArn?: string; readonly event: unknown }
  | { readonly kind: 'async-invocation'; readonly functionArn: string; readonly event: unknown }
  | {
      readonly kind: 'stream-batch';
      readonly source: 'kinesis' | 'dynamodb';
      readonly functionArn: string;
      readonly batch: StreamBatchInfo;
    }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Reads one SQS message (its body and string attributes) as a dead letter. */
export function readDeadLetter(body: string, attributes: Readonly<Record<string, string | undefined>> = {}): DeadLetter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unknown', reason: 'the body is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'unknown', reason: 'the body is not a JSON object' };
  const doc = parsed as Record<string, unknown>;
  const context = doc.requestContext as { functionArn?: unknown } | undefined;
  const functionArn = typeof context?.functionArn === 'string' ? unqualified(context.functionArn) : undefined;

  for (const [field, source] of [
    ['KinesisBatchInfo', 'kinesis'],
    ['DDBStreamBatchInfo', 'dynamodb'],
  ] as const) {
    const batch = doc[field] as StreamBatchInfo | undefined;
    if (batch === undefined) continue;
    if (!functionArn || !batch.streamArn || !batch.shardId || !batch.startSequenceNumber || !batch.endSequenceNumber) {
      return { kind: 'unknown', reason: `a ${field} record without its function, stream, shard or sequence numbers` };
    }
    return { kind: 'stream-batch', source, functionArn, batch };
  }
  if (functionArn && 'requestPayload' in doc) return { kind: 'async-invocation', functionArn, event: doc.requestPayload };
  const targetArn = attributes.TARGET_ARN;
  if (targetArn) return { kind: 'rule-target', targetArn, ruleArn: attributes.RULE_ARN, event: parsed };
  if (attributes.RequestID) {
    return {
      kind: 'unknown',
      reason: 'a function DeadLetterConfig message: it does not name its function (use an on-failure destination)',
    };
  }
  return { kind: 'unknown', reason: 'not a shape AWS writes to a dead-letter queue' };
}

/** `arn:...:function:name:$LATEST` -> `arn:...:function:name` (on-failure records carry the version). */
function unqualified(functionArn: string): string {
  const parts = functionArn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : functionArn;
}

/** True when `arn` is a Lambda function's. */
export function isFunctionArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/.test(arn);
}

/** Compares two Kinesis / DynamoDB Streams sequence numbers (decimal strings of any length). */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
