/**
 * The HTTP plumbing of the edge: upstream addresses, the headers that cross
 * (hop-by-hop ones never do), reading a body, writing an answer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeRequest, EdgeResponse } from '../types';

export interface Upstream {
  readonly hostname: string;
  readonly port: number;
  readonly basePath: string;
}

/** Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

export function parseUpstream(base: string): Upstream {
  const url = new URL(base);
  if (url.protocol !== 'http:') throw new Error(`upstream ${base}: only http:// emulators are supported`);
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

export function forwardHeaders(headers: EdgeRequest['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  }
  return out;
}

/** The headers to send with a buffered body: the call's own, its exact length. */
export function withLength(request: EdgeRequest): Record<string, string | string[]> {
  return { ...forwardHeaders(request.headers), 'content-length': String(request.body.length) };
}

export function responseHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in res.headers) {
    const value = res.headers[key];
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes an answer with its exact length, and a request id when it has none. */
export function send(res: ServerResponse, answer: EdgeResponse): void {
  const body = answer.body === undefined ? Buffer.alloc(0) : typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  const headers: Record<string, string | number> = { ...answer.headers, 'content-length': body.length };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'x-amzn-requestid')) headers['x-amzn-requestid'] = randomUUID();
  res.writeHead(answer.status, headers);
  res.end(body);
}
