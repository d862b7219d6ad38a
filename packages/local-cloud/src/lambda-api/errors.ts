/**
 * The Lambda API's errors as its REST-JSON protocol carries them: the status, the
 * `x-amzn-ErrorType` header the SDK reads the code from, and `{ Type, Message }` as
 * Lambda words them ("Function not found: arn:aws:lambda:...").
 */
import { AwsError } from '../protocol/errors';

export function lambdaError(code: string, message: string, status = 400, fields: Record<string, unknown> = {}): AwsError {
  return new AwsError(code, message, status, { messageKey: 'Message', fields: { Type: status < 500 ? 'User' : 'Service', ...fields } });
}

export const functionNotFound = (arn: string) => lambdaError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
export const aliasNotFound = (arn: string) => lambdaError('ResourceNotFoundException', `Alias not found: ${arn}`, 404);
export const invalidParameter = (message: string) => lambdaError('InvalidParameterValueException', message);
export const validation = (message: string) => lambdaError('ValidationException', message);
