/**
 * `AWS_PROXY` to a Lambda function: the proxy event (format 1.0) in, the
 * function's proxy response out; a function error or a malformed response is
 * 502, a throttle 500, a too-large payload 413, a slow function 504.
 */
import {
  BAD_GATEWAY,
  INTERNAL_ERROR,
  parseProxyResponse,
  REQUEST_TOO_LONG,
  sendGatewayError,
  sendProxyResponse,
  TIMED_OUT,
} from '../responses';
import { timeoutOf, withTimeout, type IntegrationCall, type IntegrationDeps } from './call';

export async function lambdaProxy(call: IntegrationCall, deps: IntegrationDeps, functionArn: string): Promise<number> {
  const { res, requestId, extendedRequestId } = call;
  const outcome = await withTimeout(
    deps.invoker.invoke(functionArn, call.event).then(
      (result) => ({ kind: 'result' as const, result }),
      (error: unknown) => ({ kind: 'failed' as const, error }),
    ),
    timeoutOf(call, deps),
  );
  let failure: typeof BAD_GATEWAY | undefined;
  if (!outcome.ok) {
    failure = TIMED_OUT;
  } else if (outcome.value.kind === 'failed') {
    deps.log(`[ApiGateway] ${call.where}: cannot invoke ${functionArn}: ${String(outcome.value.error)}`);
    failure = INTERNAL_ERROR; // what API Gateway answers when it cannot invoke the function
  } else if (outcome.value.result.error) {
    failure = invokeFailure(outcome.value.result.error.errorType) ?? BAD_GATEWAY;
  }
  if (failure) {
    sendGatewayError(res, failure, requestId, extendedRequestId);
    return failure.status;
  }
  const response = outcome.ok && outcome.value.kind === 'result' ? parseProxyResponse(outcome.value.result.payload) : undefined;
  if (!response) {
    deps.log(`[ApiGateway] ${call.where}: Execution failed due to configuration error: Malformed Lambda proxy response`);
    sendGatewayError(res, BAD_GATEWAY, requestId, extendedRequestId);
    return BAD_GATEWAY.status;
  }
  sendProxyResponse(res, response, call.req, call.model.binaryMediaTypes, requestId, extendedRequestId, call.traceId);
  return response.statusCode;
}

/** The errors of the Invoke call itself (not of the function): what API Gateway answers for them. */
export function invokeFailure(errorType: string): typeof BAD_GATEWAY | undefined {
  if (errorType === 'TooManyRequestsException') return INTERNAL_ERROR;
  if (errorType === 'RequestEntityTooLargeException') return REQUEST_TOO_LONG;
  return undefined;
}
