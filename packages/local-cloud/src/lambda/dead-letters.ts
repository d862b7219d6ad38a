/** The dead letters and on-failure records of asynchronous invocations that failed for good. */
import type { QueueSink } from '../types';
import type { LambdaError, LogSink } from './execution-environment';
import type { LocalFunction } from './functions';

/** The function that failed, and where its failures can go. */
export interface FailureTarget {
  readonly fn: LocalFunction;
  readonly queues: QueueSink | undefined;
  readonly log: LogSink;
}

/**
 * Where an asynchronous invocation goes once its retries are spent: the
 * function's DeadLetterConfig queue (the event, with RequestID / ErrorCode /
 * ErrorMessage attributes) and its OnFailure destination (an invocation
 * record, as Lambda sends to destinations); logged either way.
 */
export async function deadLetter(
  target: FailureTarget,
  event: unknown,
  requestId: string,
  error: LambdaError,
  attempts: number,
): Promise<void> {
  const { fn } = target;
  const targets: string[] = [];
  const errorCode = error.errorType === 'TooManyRequestsException' ? '429' : '200';
  if (fn.deadLetterTarget) {
    await sendToQueue(target, fn.deadLetterTarget, JSON.stringify(event), {
      RequestID: requestId,
      ErrorCode: errorCode,
      ErrorMessage: error.errorMessage.slice(0, 1024),
    });
    targets.push(fn.deadLetterTarget);
  }
  if (fn.onFailureDestination) {
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${fn.arn}:$LATEST`,
        condition: error.errorType === 'TooManyRequestsException' ? 'EventAgeExceeded' : 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: error,
    };
    await sendToQueue(target, fn.onFailureDestination, JSON.stringify(record));
    targets.push(fn.onFailureDestination);
  }
  const where = targets.length > 0 ? `sent to ${targets.join(' and ')}` : 'dropped (no dead-letter queue or on-failure destination)';
  target.log(`[${fn.displayName}] asynchronous invocation ${requestId} failed ${attempts} time(s) with ${error.errorType}: ${where}`);
}

async function sendToQueue(
  { fn, queues, log }: FailureTarget,
  target: string,
  body: string,
  attributes?: Record<string, string>,
): Promise<void> {
  if (!/^arn:aws[^:]*:sqs:/.test(target) && !/^https?:\/\//.test(target)) {
    log(`[${fn.displayName}] failure target ${target} is not an SQS queue; the local cloud only delivers to queues`);
    return;
  }
  if (!queues) {
    log(`[${fn.displayName}] no local SQS to deliver the failed event to ${target}`);
    return;
  }
  await queues.send(target, body, attributes);
}
