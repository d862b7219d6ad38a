/**
 * dynalite, called in process: requests are handed to its request listener
 * (light-my-request) instead of over a loopback socket, the same bytes in and
 * out at a fraction of the cost.
 */
import type { RequestListener } from 'node:http';
import inject from 'light-my-request';
import type { EdgeRequest, EdgeResponse } from '../types';
import { dynamoDbError } from './errors';

/**
 * A plain AWS JSON 1.0 client for dynalite: requests and responses stay in
 * DynamoDB's wire format (binary values as base64 strings), so items pass
 * through byte for byte, with no SDK marshalling round trip.
 */
export class Dynalite {
  constructor(private readonly listener: RequestListener) {}

  /** One DynamoDB operation; resolves with the parsed response or rejects with the `AwsError` dynalite answered. */
  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const response = await this.send(
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20240101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      Buffer.from(JSON.stringify(input), 'utf8'),
    );
    const text = response.body.toString('utf8');
    const parsed = text ? JSON.parse(text) : {};
    if (response.status === 200) return parsed as T;
    const [namespace, type] = splitType(String(parsed.__type ?? 'InternalServerError'));
    throw dynamoDbError(type, String(parsed.message ?? parsed.Message ?? ''), namespace, response.status);
  }

  /** Sends an edge request to dynalite unchanged and returns its answer unchanged. */
  async forward(request: EdgeRequest): Promise<EdgeResponse> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
      headers[name] = value;
    }
    const response = await this.send(request.method, request.url, headers, request.body);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'date') continue;
      out[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: response.status, headers: out, body: response.body };
  }

  private async send(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | number | undefined>; body: Buffer }> {
    const res = await inject(this.listener, { method: method as 'POST', url: path, headers, payload: body });
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  }
}

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'expect',
  'upgrade',
  'proxy-connection',
]);

function splitType(type: string): [string | undefined, string] {
  const at = type.lastIndexOf('#');
  return at >= 0 ? [type.slice(0, at), type.slice(at + 1)] : [undefined, type];
}
