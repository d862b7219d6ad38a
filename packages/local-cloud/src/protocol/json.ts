/**
 * The AWS JSON protocols (1.0 and 1.1), served once for every service: the
 * `X-Amz-Target` names the operation (`AmazonSQS.SendMessage`), the body is a
 * JSON object, the answer JSON in `application/x-amz-json-1.x`, and an error
 * is `{ "__type": …, "message": … }` with its status, `x-amzn-ErrorType` and,
 * for a query-compatible service (SQS), `x-amzn-query-error`.
 */
import type { EdgeHandler, EdgeRequest, EdgeResponse } from '../types';
import { AwsError, errorMessage } from './errors';
import { callOperation, isRaw, type OperationTable } from './operations';

export type JsonVersion = '1.0' | '1.1';

/** A service spoken in AWS JSON, as its table of operations and the few ways its errors differ. */
export interface JsonService {
  readonly version: JsonVersion;
  /** The `X-Amz-Target` before the dot (`AmazonSQS`, `AWSEvents`, `DynamoDB_20120810`). */
  readonly targetPrefix: string;
  /**
   * Namespace that qualifies `__type` (`com.amazonaws.sqs#QueueDoesNotExist`),
   * as AWS JSON 1.0 services answer; absent: bare codes, as 1.1 services do.
   */
  readonly namespace?: string;
  readonly operations: OperationTable;
  /** Serves an operation not in the table (the DynamoDB layer forwards it to dynalite); default: `unknownOperation`. */
  readonly otherOperations?: (request: EdgeRequest, operation: string) => Promise<EdgeResponse>;
  /** The error for an operation not in the table; default `UnknownOperationException`. */
  readonly unknownOperation?: (operation: string) => AwsError;
  /** The error for a body that is not a JSON object; default `SerializationException`. */
  readonly malformedBody?: (reason: 'syntax' | 'not-an-object') => AwsError;
  /** The error an unexpected failure becomes; default a 500 `InternalFailure`. */
  readonly internalError?: (error: unknown) => AwsError;
  /** Sends `x-amzn-query-error: <query code>;<Sender|Receiver>` with each error (the awsQueryCompatible trait). */
  readonly queryCompatible?: boolean;
  /** Headers added to each answer the layer renders (a request id, DynamoDB's `x-amz-crc32` of the body). */
  readonly answerHeaders?: (body: string) => Readonly<Record<string, string>>;
}

export function jsonContentType(version: JsonVersion): string {
  return `application/x-amz-json-${version}`;
}

/** What an absent or unparsable body is, before any service looks at it. */
const MALFORMED: Readonly<Record<'syntax' | 'not-an-object', string>> = {
  syntax: 'The request body is not valid JSON.',
  'not-an-object': 'The request body must be a JSON object.',
};

/**
 * The edge handler of a JSON service. Guarantees:
 * - a call whose target does not start with `<targetPrefix>.` is not answered
 *   (undefined: the edge passes it on);
 * - an operation in the table gets the parsed body (an empty body is `{}`); a
 *   raw one the request itself; one not in the table goes to `otherOperations`
 *   or is `unknownOperation`;
 * - whatever an operation throws is answered: an `AwsError` as itself, anything
 *   else as the service's `internalError`.
 */
export function jsonProtocol(service: JsonService): EdgeHandler {
  const prefix = `${service.targetPrefix}.`;
  const contentType = jsonContentType(service.version);
  const answer = (status: number, body: string, headers?: Readonly<Record<string, string>>): EdgeResponse => ({
    status,
    headers: { ...headers, ...service.answerHeaders?.(body), 'content-type': contentType },
    body,
  });
  const fail = (error: unknown): EdgeResponse => {
    const e = error instanceof AwsError ? error : (service.internalError?.(error) ?? internalFailure(error));
    return answer(e.status, jsonErrorBody(e, service.namespace), errorHeaders(e, service.queryCompatible));
  };

  return async (request) => {
    const target = request.target ?? headerValue(request.headers['x-amz-target']);
    if (target === undefined || !target.startsWith(prefix)) return undefined;
    const name = target.slice(prefix.length);
    try {
      const operation = Object.hasOwn(service.operations, name) ? service.operations[name] : undefined;
      if (operation === undefined) {
        if (service.otherOperations) return await service.otherOperations(request, name);
        throw service.unknownOperation?.(name) ?? new AwsError('UnknownOperationException', `Operation ${name} is not supported.`);
      }
      if (isRaw(operation)) return await operation.raw(request, name);
      const input = parseJsonObject(request.body);
      if (typeof input === 'string') throw service.malformedBody?.(input) ?? new AwsError('SerializationException', MALFORMED[input]);
      const output = await callOperation(operation, input, request);
      return answer(200, JSON.stringify(output));
    } catch (error) {
      return fail(error);
    }
  };
}

/** The body as a JSON object (`{}` when empty), or why it is not one. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | 'syntax' | 'not-an-object' {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'syntax';
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : 'not-an-object';
}

/** `{ "__type": "<namespace>#<code>", …fields, "message": … }`, the namespace as the error or the service gives it. */
export function jsonErrorBody(error: AwsError, serviceNamespace?: string): string {
  const namespace = error.namespace ?? serviceNamespace;
  const body: Record<string, unknown> = { __type: namespace ? `${namespace}#${error.code}` : error.code, ...error.fields };
  if (error.messageKey !== null) body[error.messageKey] = error.message;
  return JSON.stringify(body);
}

function errorHeaders(error: AwsError, queryCompatible: boolean | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'x-amzn-errortype': error.code };
  if (queryCompatible) headers['x-amzn-query-error'] = `${error.queryCode};${error.fault}`;
  return headers;
}

function internalFailure(error: unknown): AwsError {
  return new AwsError('InternalFailure', errorMessage(error), 500);
}

/** The first value of a header as Node gives it. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
