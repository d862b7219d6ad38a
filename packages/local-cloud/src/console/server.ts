/**
 * The local console, served by the edge under `/_console`: the page
 * (`GET /_console`, its `console.js` and `console.css`) and its JSON API
 * (`GET /_console/api/state`, `GET /_console/api/tables/<name>/items`,
 * `GET /_console/api/tables/<name>/item?key=<json>`,
 * `POST /_console/api/dead-letter-queues/<name>/redrive`), and the app's
 * OpenAPI document when one was given (`GET /_console/openapi.json`, 404
 * without; the page's API view lists its operations).
 *
 * Guarantees:
 * - a request whose Host is not `127.0.0.1:<port>` or `localhost:<port>` (the
 *   edge's own port) is refused with 403, so a DNS-rebinding page (whose Host
 *   is its own name) cannot read or drive the console;
 * - a state-changing call (POST) also needs the `X-Local-Console: 1` header
 *   (a cross-origin page cannot send it without a CORS preflight, which is
 *   never granted) and, when an `Origin` is sent, it must be the console's own;
 * - nothing here changes the cloud but a redrive; tables are read through the
 *   edge with the real SDK, as any client would.
 */
import { DynamoDBClient, GetItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { errorMessage } from '../protocol/errors';
import { LOCAL_REGION } from '../types';
import { OPENAPI_PATH, readOpenApi } from './openapi';
import type { ConsoleState } from './state';

export const CONSOLE_PATH = '/_console';

const STATIC: Record<string, { file: string; type: string }> = {
  '': { file: 'console.html', type: 'text/html; charset=utf-8' },
  '/': { file: 'console.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/api-view.js': { file: 'api-view.js', type: 'text/javascript; charset=utf-8' },
};

export interface ConsoleOptions {
  readonly state: ConsoleState;
  /** The edge's port (the only one a Host header may name). */
  readonly port: number;
  /** The edge's URL, for the SDK clients that read tables. */
  readonly edgeUrl: string;
  /** An OpenAPI document (JSON file) to serve at `/_console/openapi.json`; read on each request. */
  readonly openapiFile?: string;
}

export function consoleHandler(options: ConsoleOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const allowedHosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`, `[::1]:${options.port}`]);
  const dynamodb = new DynamoDBClient({
    endpoint: options.edgeUrl,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local-console', secretAccessKey: 'local-console' },
  });
  const files = new Map<string, Buffer>();
  const staticFile = (name: string) => {
    let body = files.get(name);
    if (!body) files.set(name, (body = readFileSync(path.join(__dirname, 'static', name))));
    return body;
  };

  return async (req, res) => {
    const host = req.headers.host ?? '';
    if (!allowedHosts.has(host))
      return sendText(res, 403, `The local console answers only to 127.0.0.1:${options.port} or localhost:${options.port}.`);
    const url = new URL(req.url ?? '/', `http://${host}`);
    const rest = url.pathname.slice(CONSOLE_PATH.length);
    const method = req.method ?? 'GET';
    try {
      const asset = STATIC[rest];
      if (asset && method === 'GET') return send(res, 200, asset.type, staticFile(asset.file));
      if (method === 'GET' && rest === '/api/state') return sendJson(res, 200, options.state.snapshot());
      if (method === 'GET' && rest === OPENAPI_PATH) {
        if (!options.openapiFile)
          return sendJson(res, 404, { message: 'no OpenAPI document: start the local cloud with --openapi <file>' });
        return send(res, 200, 'application/json', readOpenApi(options.openapiFile));
      }
      const table = /^\/api\/tables\/([^/]+)\/(items|item)$/.exec(rest);
      if (method === 'GET' && table) {
        const TableName = decodeURIComponent(table[1]!);
        if (table[2] === 'items') {
          const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 25) || 25));
          const answer = await dynamodb.send(new ScanCommand({ TableName, Limit: limit }));
          return sendJson(res, 200, { items: answer.Items ?? [], more: answer.LastEvaluatedKey !== undefined });
        }
        const key = JSON.parse(url.searchParams.get('key') ?? '{}') as Record<string, AttributeValue>;
        const answer = await dynamodb.send(new GetItemCommand({ TableName, Key: key }));
        return sendJson(res, answer.Item ? 200 : 404, { item: answer.Item ?? null });
      }
      const redrive = /^\/api\/dead-letter-queues\/([^/]+)\/redrive$/.exec(rest);
      if (redrive && method === 'POST') {
        const refusal = sameOriginRefusal(req, host);
        if (refusal) return sendText(res, 403, refusal);
        const name = decodeURIComponent(redrive[1]!);
        const dlq = options.state.deadLetterQueues().find((q) => q.name === name);
        if (!dlq) return sendJson(res, 404, { message: `no dead-letter queue ${name} in the stack` });
        if (!dlq.redriveTo) {
          return sendJson(res, 409, { message: `${name} is the dead-letter queue of a rule target; the console cannot redrive it` });
        }
        const moved = await options.state.redrive(dlq);
        return sendJson(res, 200, { moved, to: dlq.redriveTo.name });
      }
      return sendJson(res, 404, { message: `no console resource ${method} ${url.pathname}` });
    } catch (error) {
      return sendJson(res, 500, { message: errorMessage(error) });
    }
  };
}

/** Why a state-changing call is refused, or undefined when it comes from the console's own page. */
function sameOriginRefusal(req: IncomingMessage, host: string): string | undefined {
  if (req.headers['x-local-console'] !== '1') return 'A state-changing console call needs the X-Local-Console: 1 header.';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return `Origin ${origin} is not the console's own.`;
  return undefined;
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`);
}
