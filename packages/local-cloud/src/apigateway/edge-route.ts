/**
 * The REST APIs on the edge (`:4566`), in LocalStack's URL forms, for scripts
 * written for it: `/restapis/<id>/<stage>/_user_request_/<path>`,
 * `/_aws/execute-api/<id>/<stage>/<path>` and the host
 * `<id>.execute-api.localhost.localstack.cloud:4566/<stage>/<path>`. The edge hands
 * such a call to the API server's own request handler (in process, no socket), so
 * it is served exactly as on the API port: authorizers, API keys, integrations.
 * Also the outputs of the stack: every invoke URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>/...`)
 * resolved to where the local API serves it.
 */
import type http from 'node:http';
import inject from 'light-my-request';
import type { EdgeHandler, EdgeRequest } from '../types';
import { isExecuteApiRequest } from './dispatch';
import type { ServedApi } from './server';

/** The edge's rule for unsigned calls: `execute-api` for a call in one of LocalStack's API URL forms. */
export function executeApiRoute(request: Pick<EdgeRequest, 'url' | 'headers'>): string | undefined {
  const pathname = request.url.split('?')[0] ?? '/';
  const host = Array.isArray(request.headers.host) ? request.headers.host[0] : request.headers.host;
  return isExecuteApiRequest(pathname, host) ? 'execute-api' : undefined;
}

/** Serves an `execute-api` call of the edge with the API server's request handler. */
export function executeApiHandler(listener: () => http.RequestListener | undefined): EdgeHandler {
  return async (request) => {
    const serve = listener();
    if (!serve) return undefined;
    const res = await inject(serve, {
      method: request.method as 'GET',
      url: request.url,
      headers: request.headers as Record<string, string>,
      payload: request.body,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || name === 'transfer-encoding' || name === 'connection') continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: res.statusCode, headers, body: res.rawPayload };
  };
}

const INVOKE_URL = /https:\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^/\s"]+)\/?/g;

/** The outputs with each API invoke URL replaced by the local URL that serves it. */
export function localOutputs(outputs: Readonly<Record<string, string>>, apis: readonly ServedApi[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? value.replace(INVOKE_URL, (whole, id: string, stage: string) => {
            const api = apis.find((a) => a.id === id && encodeURIComponent(a.stage) === stage);
            return api ? api.url : whole;
          })
        : value,
    ]),
  );
}
