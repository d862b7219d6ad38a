/**
 * `MOCK`: no backend. The request template's `statusCode` (e.g. CDK's CORS
 * preflight `{ statusCode: 200 }`) selects the integration response by
 * `SelectionPattern`; its parameters and template make the answer.
 */
import { sendIntegrationResponse } from '../integration-response';
import { sendGatewayError, UNSUPPORTED_MEDIA_TYPE } from '../responses';
import type { IntegrationCall, IntegrationDeps } from './call';
import { integrationRequest } from './request';

export function mockIntegration(call: IntegrationCall, deps: IntegrationDeps): number {
  const request = integrationRequest(call);
  if (!request.ok) {
    sendGatewayError(call.res, UNSUPPORTED_MEDIA_TYPE, call.requestId, call.extendedRequestId);
    return UNSUPPORTED_MEDIA_TYPE.status;
  }
  // API Gateway reads the rendered template loosely (`{ statusCode: 200 }` is not JSON).
  const statusCode = /["']?statusCode["']?\s*:\s*["']?(\d{3})/.exec(request.body)?.[1];
  return sendIntegrationResponse(call, { status: Number(statusCode ?? 200), headers: {}, body: '', selector: statusCode }, deps.log);
}
