/**
 * A tiny AWS JSON 1.1 adapter for the Cognito operation table, private to this
 * module until the shared wire-protocol layer (`src/protocol/`) serves it:
 * `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>` picks the
 * operation; a `CognitoError` becomes `{ __type, message }` with its status and
 * `x-amzn-ErrorType`; anything else thrown is a 500 `InternalErrorException`.
 */
import { randomUUID } from 'node:crypto';
import type { EdgeRequest, EdgeResponse } from '../types';
import { CognitoError } from './errors';

export const COGNITO_TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export type Operation = (input: any) => Promise<object>;

/** Answers an AWS JSON 1.1 call with the operation its target names, or undefined when the target is not Cognito's. */
export async function serveJson11(
  operations: Readonly<Record<string, Operation>>,
  request: EdgeRequest,
  extraHeaders: Record<string, string> = {},
): Promise<EdgeResponse | undefined> {
  const target = request.target ?? headerValue(request.headers['x-amz-target']);
  if (!target?.startsWith(COGNITO_TARGET_PREFIX)) return undefined;
  const name = target.slice(COGNITO_TARGET_PREFIX.length);
  const requestId = randomUUID();
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): EdgeResponse => ({
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, ...extraHeaders, ...headers },
    body: JSON.stringify(body),
  });
  const fail = (error: CognitoError) =>
    answer(error.status, { __type: error.name, message: error.message }, { 'x-amzn-errortype': error.name });
  const operation = Object.prototype.hasOwnProperty.call(operations, name) ? operations[name] : undefined;
  if (!operation) return fail(new CognitoError('UnknownOperationException', `the local Cognito does not implement ${name}`));
  let input: unknown;
  try {
    input = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
  } catch {
    return fail(new CognitoError('SerializationException', 'the request body is not valid JSON'));
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail(new CognitoError('SerializationException', 'the request body must be a JSON object'));
  }
  try {
    return answer(200, await operation(input));
  } catch (error) {
    if (error instanceof CognitoError) return fail(error);
    return fail(new CognitoError('InternalErrorException', `local Cognito ${name} failed: ${error instanceof Error ? error.message : String(error)}`, 500));
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
