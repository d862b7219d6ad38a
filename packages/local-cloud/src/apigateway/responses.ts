/**
 * API Gateway's answers: the function's proxy response read and sent as API
 * Gateway does, its own gateway responses byte for byte.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, mediaTypeMatches } from './proxy-event';

/** One of API Gateway's own answers. */
export interface GatewayError {
  readonly status: number;
  readonly body: string;
  readonly errorType: string;
}

// API Gateway's default gateway responses, byte for byte (note the space in some bodies).
export const MISSING_AUTH_TOKEN = {
  status: 403,
  body: '{"message":"Missing Authentication Token"}',
  errorType: 'MissingAuthenticationTokenException',
};
export const FORBIDDEN = { status: 403, body: '{"message":"Forbidden"}', errorType: 'ForbiddenException' };
export const BAD_GATEWAY = { status: 502, body: '{"message": "Internal server error"}', errorType: 'InternalServerErrorException' };
export const INTERNAL_ERROR = { status: 500, body: '{"message": "Internal server error"}', errorType: 'InternalServerErrorException' };
export const TIMED_OUT = { status: 504, body: '{"message": "Endpoint request timed out"}', errorType: 'InternalServerErrorException' };
export const REQUEST_TOO_LONG = { status: 413, body: '{"message": "Request Too Long"}', errorType: 'BadRequestException' };
export const UNSUPPORTED_MEDIA_TYPE = {
  status: 415,
  body: '{"message": "Unsupported Media Type"}',
  errorType: 'UnsupportedMediaTypeException',
};

export interface ProxyResponse {
  readonly statusCode: number;
  readonly headers: Map<string, { name: string; values: string[] }>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

export const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The function's answer read as API Gateway reads it; undefined when API Gateway would call it malformed. */
export function parseProxyResponse(payload: unknown): ProxyResponse | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const statusCode = typeof p.statusCode === 'string' && /^\d+$/.test(p.statusCode) ? Number(p.statusCode) : p.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (p.body !== undefined && p.body !== null && typeof p.body !== 'string') return undefined;
  if (p.isBase64Encoded !== undefined && p.isBase64Encoded !== null && typeof p.isBase64Encoded !== 'boolean') return undefined;

  const headers = new Map<string, { name: string; values: string[] }>();
  if (p.headers !== undefined && p.headers !== null) {
    if (typeof p.headers !== 'object' || Array.isArray(p.headers)) return undefined;
    for (const [name, value] of Object.entries(p.headers)) {
      if (value === null) continue;
      if (!isScalar(value)) return undefined;
      headers.set(name.toLowerCase(), { name, values: [String(value)] });
    }
  }
  if (p.multiValueHeaders !== undefined && p.multiValueHeaders !== null) {
    if (typeof p.multiValueHeaders !== 'object' || Array.isArray(p.multiValueHeaders)) return undefined;
    for (const [name, values] of Object.entries(p.multiValueHeaders)) {
      if (values === null) continue;
      if (!Array.isArray(values) || !values.every(isScalar)) return undefined;
      // A header in both maps: API Gateway keeps the multi-value list.
      headers.set(name.toLowerCase(), { name, values: values.map(String) });
    }
  }
  return { statusCode, headers, body: (p.body as string | null | undefined) ?? '', isBase64Encoded: p.isBase64Encoded === true };
}

export function sendProxyResponse(
  res: ServerResponse,
  response: ProxyResponse,
  req: IncomingMessage,
  binaryMediaTypes: readonly string[],
  requestId: string,
  extendedRequestId: string,
  traceId: string,
): void {
  const contentType = response.headers.get('content-type')?.values[0];
  // As on AWS, a base64 body is decoded only for a binary media type of the API.
  const decode =
    response.isBase64Encoded &&
    (mediaTypeMatches(headerValue(req, 'accept'), binaryMediaTypes) || mediaTypeMatches(contentType, binaryMediaTypes));
  const body = decode ? Buffer.from(response.body, 'base64') : Buffer.from(response.body, 'utf8');
  for (const { name, values } of response.headers.values()) {
    if (['content-length', 'connection', 'transfer-encoding'].includes(name.toLowerCase())) continue;
    res.setHeader(name, values.length === 1 ? values[0]! : values);
  }
  if (!contentType) res.setHeader('Content-Type', 'application/json');
  res.setHeader('x-amzn-RequestId', requestId);
  res.setHeader('x-amz-apigw-id', extendedRequestId);
  res.setHeader('X-Amzn-Trace-Id', `${traceId};Sampled=0`);
  res.setHeader('Content-Length', body.length);
  res.statusCode = response.statusCode;
  res.end(body);
}

export function sendGatewayError(
  res: ServerResponse,
  error: { status: number; body: string; errorType: string },
  requestId: string,
  extendedRequestId: string,
): void {
  res.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(error.body),
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': error.errorType,
    'x-amz-apigw-id': extendedRequestId,
  });
  res.end(error.body);
}
