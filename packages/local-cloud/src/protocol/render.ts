/**
 * An `AwsError` in any of the wire protocols, for a caller that answers a call
 * no service table serves (the edge's "not emulated" and its own failures).
 */
import type { EdgeResponse } from '../types';
import type { AwsError } from './errors';
import { jsonContentType, jsonErrorBody } from './json';
import { queryError, restXmlError } from './xml';

/** The protocols of the AWS SDKs, as far as an error's shape goes. */
export type WireProtocol = 'json1.0' | 'json1.1' | 'rest-json' | 'query' | 'rest-xml';

export function errorAnswer(protocol: WireProtocol, error: AwsError, requestId: string): EdgeResponse {
  if (protocol === 'query') return queryError(error, requestId);
  if (protocol === 'rest-xml') return restXmlError(error, requestId);
  const contentType = protocol === 'rest-json' ? 'application/json' : jsonContentType(protocol === 'json1.1' ? '1.1' : '1.0');
  return {
    status: error.status,
    headers: { 'content-type': contentType, 'x-amzn-errortype': error.code, 'x-amzn-requestid': requestId },
    body: jsonErrorBody(error),
  };
}
