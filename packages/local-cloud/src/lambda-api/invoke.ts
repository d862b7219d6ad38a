/**
 * Lambda's Invoke as the REST-JSON API carries it: `X-Amz-Invocation-Type`
 * RequestResponse (the payload, or the error with `X-Amz-Function-Error: Unhandled`),
 * Event (202, retried and dead-lettered by the runtime) or DryRun (204);
 * `X-Amz-Log-Type: Tail` returns the last 4 KB of the invocation's log, base64, in
 * `X-Amz-Log-Result`; `X-Amz-Executed-Version`; payload limits (6 MB synchronous,
 * 1 MB asynchronous) refused with `RequestEntityTooLargeException`.
 */
import type { FunctionLogLine, LambdaRuntime } from '../lambda/runtime';
import type { EdgeResponse } from '../types';
import { lambdaError, invalidParameter } from './errors';
import type { FunctionRegistry, Resolved } from './registry';

export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** Lambda raised the asynchronous limit from 256 KB to 1 MB in October 2025 (API reference, Invoke). */
export const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
const TAIL_BYTES = 4096;
/** Invocations whose log lines are kept for a tail (the oldest are forgotten first). */
const TAIL_INVOCATIONS = 512;

/** The log lines of recent invocations, by request id: what `LogType: Tail` returns. */
export class LogTails {
  private readonly lines = new Map<string, string[]>();

  readonly observer = {
    logLine: (line: FunctionLogLine) => {
      if (!line.requestId) return;
      let list = this.lines.get(line.requestId);
      if (!list) {
        this.lines.set(line.requestId, (list = []));
        if (this.lines.size > TAIL_INVOCATIONS) this.lines.delete(this.lines.keys().next().value!);
      }
      list.push(line.message);
      if (list.length > 200) list.splice(0, list.length - 200);
    },
  };

  /** The last 4 KB of an invocation's log, base64 (and forgets it). */
  take(requestId: string): string {
    const text = `${(this.lines.get(requestId) ?? []).join('\n')}\n`;
    this.lines.delete(requestId);
    const bytes = Buffer.from(text);
    return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64');
  }
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function invoke(
  runtime: LambdaRuntime,
  registry: FunctionRegistry,
  tails: LogTails,
  resolved: Resolved,
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
): Promise<EdgeResponse> {
  const type = headerOf(headers, 'x-amz-invocation-type') ?? 'RequestResponse';
  const logType = headerOf(headers, 'x-amz-log-type') ?? 'None';
  if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
    throw invalidParameter(
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  if (logType !== 'None' && logType !== 'Tail') {
    throw invalidParameter(
      `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`,
    );
  }
  const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
  if (body.length > limit) {
    throw lambdaError(
      'RequestEntityTooLargeException',
      type === 'Event'
        ? `${body.length} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
        : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      413,
    );
  }
  let event: unknown = {};
  if (body.length > 0) {
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw lambdaError('InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
    }
  }
  const ref = registry.runtimeRef(resolved);
  const executed = { 'x-amz-executed-version': resolved.version };
  if (type === 'DryRun') return { status: 204, headers: executed };
  if (type === 'Event') {
    await runtime.invokeAsync(ref, event);
    return { status: 202, headers: {} };
  }
  const result = await runtime.invoke(ref, event);
  if (result.error?.errorType === 'TooManyRequestsException') {
    throw lambdaError('TooManyRequestsException', 'Rate Exceeded.', 429, { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
  }
  if (result.error?.errorType === 'RequestEntityTooLargeException')
    throw lambdaError('RequestEntityTooLargeException', result.error.errorMessage, 413);
  const answerHeaders: Record<string, string> = {
    ...executed,
    'content-type': 'application/json',
    'x-amzn-requestid': result.record.requestId,
  };
  if (logType === 'Tail') answerHeaders['x-amz-log-result'] = tails.take(result.record.requestId);
  if (result.error) {
    answerHeaders['x-amz-function-error'] = 'Unhandled';
    const { errorType, errorMessage, trace } = result.error;
    return { status: 200, headers: answerHeaders, body: JSON.stringify({ errorType, errorMessage, ...(trace ? { trace } : {}) }) };
  }
  return { status: 200, headers: answerHeaders, body: result.payload === undefined ? 'null' : JSON.stringify(result.payload) };
}
