/**
 * The local cloud's one AWS endpoint (LocalStack's `:4566`): every SDK client
 * of every handler points `AWS_ENDPOINT_URL` here. Each call is routed by the
 * service of its SigV4 credential scope, to the local cloud's own handlers
 * (EventBridge, SQS, DynamoDB transactions and streams...) or, unchanged, to
 * the emulator behind the service.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
  type ServerResponse,
} from 'node:http';
import { randomUUID } from 'node:crypto';
import { listenOrExplain } from './ports';
import { LOCAL_REGION, type ControlHandler, type ControlResponse, type EdgeHandler, type EdgeRequest, type EdgeResponse } from './types';

export interface EdgeOptions {
  /** Port to listen on; 0 (the default) for any free port. */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Emulator base URL by SigV4 service name, e.g. `{ dynamodb: 'http://127.0.0.1:40123' }`. */
  readonly upstreams: Readonly<Record<string, string>>;
  /** Handlers by service, asked in order before the upstream. */
  readonly handlers?: Readonly<Record<string, readonly EdgeHandler[]>>;
  /** CLI option that sets the port, named when the port is taken (e.g. `--edge-port`). */
  readonly portOption?: string;
}

export interface Edge {
  /** Base URL for `AWS_ENDPOINT_URL`, e.g. `http://127.0.0.1:4566`. */
  readonly url: string;
  readonly port: number;
  /** Adds a handler for a service after those already registered. */
  use(service: string, handler: EdgeHandler): void;
  /**
   * Serves `handler` as the control endpoint `/_local/<name>` and every path
   * under it (unsigned calls only), replacing any handler of that name.
   */
  useControl(name: string, handler: ControlHandler): void;
  /**
   * Sends a request to the emulator behind its service and returns the whole
   * answer, for handlers that must see what the emulator did (e.g. to capture
   * DynamoDB stream records). Uses the edge's kept-alive connections.
   */
  forward(request: EdgeRequest): Promise<EdgeResponse>;
  /** Stops listening, closes every connection (client and upstream side). */
  stop(): Promise<void>;
}

interface Upstream {
  readonly hostname: string;
  readonly port: number;
  readonly basePath: string;
}

/** Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

/** Services of unsigned calls that carry an `X-Amz-Target`. */
const TARGET_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['DynamoDBStreams_', 'dynamodb'],
  ['DynamoDB_', 'dynamodb'],
  ['Kinesis_', 'kinesis'],
  ['AWSEvents', 'events'],
  ['AmazonSQS', 'sqs'],
];

/**
 * Services whose SDK client speaks REST-JSON: it reads an error only as JSON, even
 * for a GET with no body (Lambda's ListFunctions), so a 501 for them must be JSON.
 */
const REST_JSON_SERVICES = new Set(['lambda', 'apigateway', 'ses']);

const SCOPE = /Credential=[^/\s,]+\/\d{8}\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/;

/**
 * Starts the edge endpoint. Guarantees:
 * - the service of a call is the SigV4 scope's (`Authorization` header, or
 *   `X-Amz-Credential` of a presigned URL); an unsigned call goes by its
 *   `X-Amz-Target`, else to S3 (as on LocalStack, for plain object GETs);
 * - a call for a service with no handler is streamed both ways to the
 *   upstream, unbuffered; with handlers, the body is read once, handlers are
 *   asked in order, and the first answer wins; if none answers, the same bytes
 *   go to the upstream;
 * - method, path, query and headers reach the upstream unchanged (except
 *   hop-by-hop headers), and its status, headers and body come back unchanged;
 * - a service with neither handler nor upstream gets an AWS-shaped 501
 *   "the local cloud does not emulate <service>" in the protocol of the call;
 * - connections are kept alive on both sides and upstream sockets are pooled
 *   in one agent: no per-request client, agent or socket setup when warm.
 *
 * Unsigned calls under `/_local/` are the local cloud's own control endpoints,
 * not AWS: `GET /_local/health` lists the services and control endpoints
 * served; `/_local/<name>/...` goes to the handler given to `useControl(name)`;
 * answers are JSON; an unknown name is a 404 listing the known ones. A call
 * that carries an `Origin` header is refused (403): a web page the developer
 * happens to open must not be able to drive the local cloud.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const host = options.host ?? '127.0.0.1';
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, scheduling: 'lifo' });
  const upstreams = new Map<string, Upstream>();
  for (const [service, base] of Object.entries(options.upstreams)) upstreams.set(service, parseUpstream(base));
  const handlers = new Map<string, EdgeHandler[]>();
  for (const [service, list] of Object.entries(options.handlers ?? {})) handlers.set(service, [...list]);
  const controls = new Map<string, ControlHandler>();

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      // Only reached when writing the answer itself failed; the connection is beyond saving.
      if (!res.headersSent) sendError(res, req, 500, 'InternalFailure', errorMessage(error));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const scope = credentialScope(req);
    const target = header(req, 'x-amz-target');
    if (!scope && isControlPath(req.url)) return control(req, res);
    const service = scope?.service ?? serviceOfTarget(target) ?? 's3';
    const list = handlers.get(service);
    const upstream = upstreams.get(service);
    if (!list || list.length === 0) {
      if (!upstream) return notEmulated(req, res, service);
      return pipeThrough(upstream, service, req, res);
    }
    const edgeRequest: EdgeRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: await readBody(req),
      service,
      region: scope?.region ?? LOCAL_REGION,
      target,
    };
    for (const handler of list) {
      let answer: EdgeResponse | undefined;
      try {
        answer = await handler(edgeRequest);
      } catch (error) {
        return sendError(res, req, 500, 'InternalFailure', `local ${service} handler failed: ${errorMessage(error)}`, service);
      }
      if (answer) return send(res, answer);
    }
    if (!upstream) return notEmulated(req, res, service);
    return forwardBuffered(upstream, edgeRequest, req, res);
  }

  function health(): object {
    return { services: [...new Set([...upstreams.keys(), ...handlers.keys()])].sort(), control: controlPaths() };
  }

  function controlPaths(): string[] {
    return ['health', ...[...controls.keys()].sort()].map((name) => `/_local/${name}`);
  }

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      send(res, { status, headers: { ...headers, 'content-type': 'application/json' }, body: `${JSON.stringify(body, null, 2)}\n` });
    if (req.headers.origin !== undefined) {
      req.resume();
      return answer(403, { message: 'the local cloud\'s control endpoints do not answer browser requests (Origin header present)' });
    }
    const url = new URL(req.url ?? '/', 'http://edge');
    let segments: string[];
    try {
      segments = url.pathname.slice('/_local'.length).split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      req.resume();
      return answer(400, { message: `malformed path ${url.pathname}` });
    }
    const [name, ...rest] = segments;
    if (name === 'health' && rest.length === 0) {
      req.resume();
      return req.method === 'GET' ? answer(200, health()) : answer(405, { message: 'use GET' }, { allow: 'GET' });
    }
    const handler = name === undefined ? undefined : controls.get(name);
    if (!handler) {
      req.resume();
      return answer(404, { message: `no local control endpoint ${url.pathname}`, endpoints: controlPaths() });
    }
    const body = await readBody(req);
    let result: ControlResponse;
    try {
      result = await handler({ method: req.method ?? 'GET', segments: rest, query: url.searchParams, body });
    } catch (error) {
      return answer(500, { message: `local control endpoint /_local/${name} failed: ${errorMessage(error)}` });
    }
    return answer(result.status, result.body, result.headers);
  }

  /** Streams a call to the upstream unbuffered, both ways. */
  function pipeThrough(upstream: Upstream, service: string, req: IncomingMessage, res: ServerResponse): void {
    req.pipe(proxy(upstream, service, req.method ?? 'GET', req.url ?? '/', forwardHeaders(req.headers), req, res));
  }

  /** Sends a call whose body was already read (handlers saw it) to the upstream; streams the answer back. */
  function forwardBuffered(upstream: Upstream, edgeRequest: EdgeRequest, req: IncomingMessage, res: ServerResponse): void {
    const { method, url, service, body } = edgeRequest;
    proxy(upstream, service, method, url, withLength(edgeRequest), req, res).end(body);
  }

  /** A request to the upstream whose answer is piped to `res` unchanged; the caller writes the body. */
  function proxy(
    upstream: Upstream,
    service: string,
    method: string,
    url: string,
    headers: Record<string, string | string[]>,
    req: IncomingMessage,
    res: ServerResponse,
  ): ClientRequest {
    const upstreamReq = httpRequest(upstreamOptions(upstream, method, url, headers), (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders(upstreamRes));
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (error) => upstreamFailed(req, res, error, service));
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    return upstreamReq;
  }

  function forward(edgeRequest: EdgeRequest): Promise<EdgeResponse> {
    const upstream = upstreams.get(edgeRequest.service);
    if (!upstream) return Promise.reject(new Error(`the local cloud has no emulator for ${edgeRequest.service}`));
    return new Promise<EdgeResponse>((resolve, reject) => {
      const options = upstreamOptions(upstream, edgeRequest.method, edgeRequest.url, withLength(edgeRequest));
      const upstreamReq = httpRequest(options, (upstreamRes) => {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => chunks.push(c));
        upstreamRes.on('error', reject);
        upstreamRes.on('end', () =>
          resolve({ status: upstreamRes.statusCode ?? 502, headers: responseHeaders(upstreamRes), body: Buffer.concat(chunks) }),
        );
      });
      upstreamReq.on('error', reject);
      upstreamReq.end(edgeRequest.body);
    });
  }

  function upstreamOptions(upstream: Upstream, method: string, url: string, headers: Record<string, string | string[]>): RequestOptions {
    return { agent, hostname: upstream.hostname, port: upstream.port, method, path: upstream.basePath + url, headers };
  }

  function upstreamFailed(req: IncomingMessage, res: ServerResponse, error: Error, service: string): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    sendError(res, req, 502, 'ServiceUnavailable', `the ${service} emulator did not answer: ${error.message}`, service);
  }

  const port = await listenOrExplain(server, options.port ?? 0, host, 'edge endpoint', options.portOption);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    use(service, handler) {
      const list = handlers.get(service);
      if (list) list.push(handler);
      else handlers.set(service, [handler]);
    },
    useControl(name, handler) {
      if (!/^[A-Za-z0-9_-]+$/.test(name) || name === 'health') throw new Error(`"${name}" cannot name a control endpoint`);
      controls.set(name, handler);
    },
    forward,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}

// ---------------------------------------------------------------- helpers

function parseUpstream(base: string): Upstream {
  const url = new URL(base);
  if (url.protocol !== 'http:') throw new Error(`upstream ${base}: only http:// emulators are supported`);
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Region and service of the SigV4 credential scope, from the header or a presigned URL. */
function credentialScope(req: IncomingMessage): { region: string; service: string } | undefined {
  const authorization = req.headers.authorization;
  if (authorization) {
    const m = SCOPE.exec(authorization);
    if (m) return { region: m[1], service: m[2] };
  }
  const url = req.url ?? '';
  const at = url.indexOf('X-Amz-Credential=');
  if (at < 0) return undefined;
  const end = url.indexOf('&', at);
  let credential: string;
  try {
    credential = decodeURIComponent(url.slice(at + 'X-Amz-Credential='.length, end < 0 ? undefined : end));
  } catch {
    return undefined;
  }
  const parts = credential.split('/');
  return parts.length >= 5 ? { region: parts[2], service: parts[3] } : undefined;
}

/** `/_local` and everything under it: the local cloud's control endpoints (never an S3 bucket: names cannot start with `_`). */
function isControlPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/_local' || url.startsWith('/_local/') || url.startsWith('/_local?'));
}

function serviceOfTarget(target: string | undefined): string | undefined {
  if (!target) return undefined;
  for (const [prefix, service] of TARGET_PREFIXES) if (target.startsWith(prefix)) return service;
  return undefined;
}

function forwardHeaders(headers: EdgeRequest['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  }
  return out;
}

/** The headers to send with a buffered body: the call's own, its exact length. */
function withLength(request: EdgeRequest): Record<string, string | string[]> {
  return { ...forwardHeaders(request.headers), 'content-length': String(request.body.length) };
}

function responseHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in res.headers) {
    const value = res.headers[key];
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: EdgeResponse): void {
  const body = answer.body === undefined ? Buffer.alloc(0) : typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  const headers: Record<string, string | number> = { ...answer.headers, 'content-length': body.length };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'x-amzn-requestid')) headers['x-amzn-requestid'] = randomUUID();
  res.writeHead(answer.status, headers);
  res.end(body);
}

function notEmulated(req: IncomingMessage, res: ServerResponse, service: string): void {
  sendError(res, req, 501, 'NotImplemented', `the local cloud does not emulate ${service}`, service);
}

/**
 * An error in the shape the SDK parses for the call's protocol: AWS JSON
 * (`__type`), AWS Query (`<ErrorResponse>`) or REST-XML like S3 (`<Error>`).
 */
function sendError(res: ServerResponse, req: IncomingMessage, status: number, code: string, message: string, service?: string): void {
  const requestId = randomUUID();
  const contentType = header(req, 'content-type') ?? '';
  // An S3 object may well be JSON: only a non-S3 call with a JSON body, or to a REST-JSON service, speaks JSON.
  const form = contentType.includes('x-www-form-urlencoded');
  if (req.headers['x-amz-target'] || (service !== 's3' && contentType.includes('json')) || (service && REST_JSON_SERVICES.has(service) && !form)) {
    send(res, {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: code, message }),
    });
    return;
  }
  const text = escapeXml(message);
  const body = form
    ? `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${text}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
    : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${text}</Message><RequestId>${requestId}</RequestId></Error>`;
  send(res, { status, headers: { 'content-type': 'application/xml', 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId }, body });
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
