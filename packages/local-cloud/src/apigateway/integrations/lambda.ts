/**
 * `AWS` (non-proxy) to a Lambda function: the request template renders the
 * payload; `X-Amz-Invocation-Type` mapped in `RequestParameters` picks the
 * invocation (`Event`: asynchronous, answered at once with the mapped response, as
 * Lambda answers 202; `DryRun`: not invoked); the function's answer, or its error
 * (`errorMessage` matched by `SelectionPattern`), goes through the integration responses.
 */
import { sendIntegrationResponse } from '../integration-response';
import { INTERNAL_ERROR, TIMED_OUT, UNSUPPORTED_MEDIA_TYPE, type GatewayError } from '../responses';
import { refuse, timeoutOf, withTimeout, type IntegrationCall, type IntegrationDeps } from './call';
import { invokeFailure } from './lambda-proxy';
import { integrationRequest, mappedHeader } from './request';

export async function lambdaIntegration(call: IntegrationCall, deps: IntegrationDeps, functionArn: string): Promise<number> {
  const fail = (error: GatewayError, reason?: string) => refuse(call, deps, error, reason);
  const request = integrationRequest(call);
  if (!request.ok) return fail(UNSUPPORTED_MEDIA_TYPE);
  let payload: unknown;
  try {
    payload = request.body.trim() === '' ? {} : JSON.parse(request.body);
  } catch {
    return fail(INTERNAL_ERROR, `Lambda refused the payload (InvalidRequestContentException): Could not parse request body into json`);
  }
  const invocationType = mappedHeader(request.parameters, 'X-Amz-Invocation-Type') ?? 'RequestResponse';
  const log = deps.log;
  if (invocationType === 'Event') {
    try {
      await deps.invoker.invokeAsync(functionArn, payload);
    } catch (error) {
      return fail(INTERNAL_ERROR, `cannot invoke ${functionArn}: ${String(error)}`);
    }
    return sendIntegrationResponse(call, { status: 202, headers: {}, body: '', selector: undefined }, log);
  }
  if (invocationType === 'DryRun') return sendIntegrationResponse(call, { status: 204, headers: {}, body: '', selector: undefined }, log);
  if (invocationType !== 'RequestResponse')
    return fail(INTERNAL_ERROR, `Lambda refused X-Amz-Invocation-Type ${invocationType} (InvalidParameterValueException)`);

  const outcome = await withTimeout(
    deps.invoker.invoke(functionArn, payload).then(
      (result) => ({ kind: 'result' as const, result }),
      (error: unknown) => ({ kind: 'failed' as const, error }),
    ),
    timeoutOf(call, deps),
  );
  if (!outcome.ok) return fail(TIMED_OUT);
  if (outcome.value.kind === 'failed') return fail(INTERNAL_ERROR, `cannot invoke ${functionArn}: ${String(outcome.value.error)}`);
  const { result } = outcome.value;
  if (result.error) {
    const invokeError = invokeFailure(result.error.errorType);
    if (invokeError) return fail(invokeError);
    const { errorMessage, errorType, trace } = result.error;
    const body = JSON.stringify({ errorMessage, errorType, stackTrace: trace ?? [] });
    return sendIntegrationResponse(call, { status: 200, headers: {}, body, selector: errorMessage }, log);
  }
  const body = result.payload === undefined ? 'null' : JSON.stringify(result.payload);
  return sendIntegrationResponse(call, { status: 200, headers: {}, body, selector: undefined }, log);
}
