/**
 * SQS's errors: the JSON protocol's error type (the SDK's exception class) and
 * the AWS Query code that query-compatible clients read from `x-amzn-query-error`.
 */
import { AwsError } from '../protocol/errors';

/** An SQS error; `queryCode` defaults to `code`. */
export function sqsError(code: string, message: string, queryCode = code, status = 400): AwsError {
  return new AwsError(code, message, status, { queryCode });
}

/** Most SQS-specific errors carry `AWS.SimpleQueueService.<code>` as their Query code. */
export function simpleQueueServiceError(code: string, message: string, status = 400): AwsError {
  return sqsError(code, message, `AWS.SimpleQueueService.${code}`, status);
}

export const queueDoesNotExist = () =>
  sqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
export const invalidParameter = (message: string) => sqsError('InvalidParameterValue', message);
export const missingParameter = (name: string) => sqsError('MissingParameter', `The request must contain the parameter ${name}.`);
