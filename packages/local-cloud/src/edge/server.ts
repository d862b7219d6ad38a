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
import { ChaosEngine } from '../chaos/engine';
import { chaosControl } from '../chaos/control';
import { listenOrExplain } from '../ports';
import { errorMessage } from '../protocol/errors';
import { LOCAL_REGION, type ControlHandler, type EdgeHandler, type EdgeRequest, type EdgeResponse } from '../types';
import { serveControl, type ControlRoutes } from './control';
import { notEmulated, sendError } from './errors';
import { applyFaults } from './faults';
import { forwardHeaders, parseUpstream, readBody, responseHeaders, send, withLength, type Upstream } from './http';
import { isLocalStackPath, serveLocalStack } from './localstack';
import { credentialScope, header, isControlPath, serviceOfTarget } from './routing';

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
  /** The fault injector (LocalStack's Chaos API); default: a new one with no rules. */
  readonly chaos?: ChaosEngine;
}

/** Serves a page of the local cloud's own (see `Edge.usePage`). */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Which service an unsigned call is for (see `Edge.useUnsignedRoute`); it sees the request line and headers only. */
export type UnsignedRoute = (request: Pick<EdgeRequest, 'method' | 'url' | 'headers'>) => string | undefined;

export interface Edge {
  /** Base URL for `AWS_ENDPOINT_URL`, e.g. `http://127.0.0.1:4566`. */
  readonly url: string;
  readonly port: number;
  /** The fault injector every AWS call through the edge passes (`/_localstack/chaos/...`). */
  readonly chaos: ChaosEngine;
  /** Adds a handler for a service after those already registered. */
  use(service: string, handler: EdgeHandler): void;
  /**
   * Serves `handler` as the control endpoint `/_local/<name>` and every path
   * under it (unsigned calls only), replacing any handler of that name.
   */
  useControl(name: string, handler: ControlHandler): void;
  /**
   * Adds a rule for unsigned calls with no known `X-Amz-Target`: the service it
   * names, or undefined to let the next rule (and finally S3) have the call.
   * Cognito's `.well-known` documents, CORS preflights and token endpoint come this way.
   */
  useUnsignedRoute(rule: UnsignedRoute): void;
  /**
   * Serves unsigned calls whose path is `prefix` or under it (e.g. `/_console`)
   * with `handler`, unchanged: a web page of the local cloud's own (it checks Host and Origin itself).
   */
  usePage(prefix: string, handler: PageHandler): void;
  /**
   * Sends a request to the emulator behind its service and returns the whole
   * answer, for handlers that must see what the emulator did (e.g. to capture
   * DynamoDB stream records). Uses the edge's kept-alive connections.
   */
  forward(request: EdgeRequest): Promise<EdgeResponse>;
  /** Stops listening, closes every connection (client and upstream side). */
  stop(): Promise<void>;
}

/**
 * Starts the edge endpoint. Guarantees:
 * - the service of a call is the SigV4 scope's (`Authorization` header, or
 *   `X-Amz-Credential` of a presigned URL); an unsigned call goes by its
 *   `X-Amz-Target`, else by the rules given to `useUnsignedRoute`, else to S3
 *   (as on LocalStack, for plain object GETs);
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
 *
 * Unsigned calls under `/_localstack/` are LocalStack's endpoints
 * (edge/localstack.ts): `/_localstack/health` and the Chaos API. Every AWS
 * call passes the fault step (edge/faults.ts) once its service is known and
 * before any handler or upstream sees it, on the streamed path too.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const host = options.host ?? '127.0.0.1';
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, scheduling: 'lifo' });
  const upstreams = new Map<string, Upstream>();
  for (const [service, base] of Object.entries(options.upstreams)) upstreams.set(service, parseUpstream(base));
  const handlers = new Map<string, EdgeHandler[]>();
  for (const [service, list] of Object.entries(options.handlers ?? {})) handlers.set(service, [...list]);
  const controls = new Map<string, ControlHandler>();
  const unsignedRoutes: UnsignedRoute[] = [];
  const pages = new Map<string, PageHandler>();
  const pageFor = (url = '/'): PageHandler | undefined => {
    const pathname = url.split('?')[0]!;
    for (const [prefix, handler] of pages) if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return handler;
    return undefined;
  };
  const unsignedService = (req: IncomingMessage): string | undefined => {
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    for (const rule of unsignedRoutes) {
      const service = rule(request);
      if (service !== undefined) return service;
    }
    return undefined;
  };
  const controlRoutes: ControlRoutes = {
    controls,
    services: () => [...new Set([...upstreams.keys(), ...handlers.keys()])].sort(),
  };
  const chaos = options.chaos ?? new ChaosEngine();
  const localStackRoutes = { services: controlRoutes.services, chaos: chaosControl(chaos) };

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
    if (!scope && isControlPath(req.url)) return serveControl(controlRoutes, req, res);
    if (!scope && isLocalStackPath(req.url)) return serveLocalStack(localStackRoutes, req, res);
    const page = scope ? undefined : pageFor(req.url);
    if (page) return page(req, res);
    const service = scope?.service ?? serviceOfTarget(target) ?? (scope ? undefined : unsignedService(req)) ?? 's3';
    const region = scope?.region ?? LOCAL_REGION;
    const line = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, service, region, target };
    const list = handlers.get(service);
    const upstream = upstreams.get(service);
    if (!list || list.length === 0) {
      if (await applyFaults(chaos, req, res, line)) return;
      if (!upstream) return notEmulated(req, res, service);
      return pipeThrough(upstream, service, req, res);
    }
    const edgeRequest: EdgeRequest = { ...line, body: await readBody(req) };
    if (await applyFaults(chaos, req, res, edgeRequest)) return;
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
    chaos,
    use(service, handler) {
      const list = handlers.get(service);
      if (list) list.push(handler);
      else handlers.set(service, [handler]);
    },
    useControl(name, handler) {
      if (!/^[A-Za-z0-9_-]+$/.test(name) || name === 'health') throw new Error(`"${name}" cannot name a control endpoint`);
      controls.set(name, handler);
    },
    useUnsignedRoute(rule) {
      unsignedRoutes.push(rule);
    },
    usePage(prefix, handler) {
      pages.set(prefix, handler);
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
