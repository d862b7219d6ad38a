/**
 * The edge's own AWS errors (a service it does not emulate, an emulator that
 * did not answer, a handler that failed), each in the protocol of the call so
 * that the SDK names the error instead of failing to parse it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../protocol/errors';
import { errorAnswer, type WireProtocol } from '../protocol/render';
import { send } from './http';
import { header } from './routing';

/**
 * Services whose SDK client speaks REST-JSON: it reads an error only as JSON, even
 * for a GET with no body (Lambda's ListFunctions), so a 501 for them must be JSON.
 */
const REST_JSON_SERVICES = new Set(['lambda', 'apigateway', 'ses']);

/**
 * The protocol of a call as far as its error goes: AWS JSON (an `X-Amz-Target`,
 * or a JSON body to a service other than S3), REST-JSON (services known to speak
 * it), AWS Query (a form body), else REST-XML like S3.
 */
export function protocolOfCall(req: IncomingMessage, service?: string): WireProtocol {
  const contentType = header(req, 'content-type') ?? '';
  // An S3 object may well be JSON: only a non-S3 call with a JSON body, or to a REST-JSON service, speaks JSON.
  const form = contentType.includes('x-www-form-urlencoded');
  if (req.headers['x-amz-target'] || (service !== 's3' && contentType.includes('json'))) {
    return contentType.includes('x-amz-json-1.1')
      ? 'json1.1'
      : contentType.includes('x-amz-json') || req.headers['x-amz-target']
        ? 'json1.0'
        : 'rest-json';
  }
  if (service && REST_JSON_SERVICES.has(service) && !form) return 'rest-json';
  return form ? 'query' : 'rest-xml';
}

export function sendError(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  code: string,
  message: string,
  service?: string,
): void {
  send(res, errorAnswer(protocolOfCall(req, service), new AwsError(code, message, status), randomUUID()));
}

export function notEmulated(req: IncomingMessage, res: ServerResponse, service: string): void {
  sendError(res, req, 501, 'NotImplemented', `the local cloud does not emulate ${service}`, service);
}
