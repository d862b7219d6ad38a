/**
 * DynamoDB's errors as AWS JSON 1.0 qualifies them: `__type` is
 * `<namespace>#<code>`, the namespace DynamoDB's own or Coral's
 * (`com.amazon.coral.validate` for request validation,
 * `com.amazon.coral.service` for protocol faults).
 */
import { AwsError } from '../protocol/errors';

export const DYNAMODB_NS = 'com.amazonaws.dynamodb.v20120810';
export const VALIDATE_NS = 'com.amazon.coral.validate';
export const SERVICE_NS = 'com.amazon.coral.service';

/** Errors AWS words with a capital `Message` member. */
const CAPITALISED = new Set(['TransactionCanceledException', 'IdempotentParameterMismatchException']);

/** A DynamoDB error; `namespace` undefined means DynamoDB's own. */
export function dynamoDbError(
  code: string,
  message: string,
  namespace?: string,
  status = 400,
  fields?: Readonly<Record<string, unknown>>,
): AwsError {
  return new AwsError(code, message, status, { namespace, fields, messageKey: CAPITALISED.has(code) ? 'Message' : 'message' });
}

export function validation(message: string): AwsError {
  return dynamoDbError('ValidationException', message, VALIDATE_NS);
}

export function notNull(path: string): AwsError {
  return validation(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);
}

/** What a body that is not a JSON object gets, in Coral's words. */
export function serializationError(): AwsError {
  return dynamoDbError('SerializationException', 'Start of structure or map found where not expected', SERVICE_NS);
}
