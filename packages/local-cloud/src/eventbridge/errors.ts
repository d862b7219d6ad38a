/** EventBridge's API errors (JSON 1.1: bare `__type` codes, status 400). */
import { AwsError } from '../protocol/errors';

export const validationError = (message: string) => new AwsError('ValidationException', message);
export const resourceNotFound = (message: string) => new AwsError('ResourceNotFoundException', message);

/** A failure to deliver to a target, named as the target's service would name it. */
export function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
