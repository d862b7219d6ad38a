/**
 * The edge's control endpoints (`/_local/...`): the local cloud's own API for
 * the CLI and tests, not AWS. Unsigned calls only; a call with an `Origin`
 * header is refused, so a web page open in a browser cannot drive the cloud.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../protocol/errors';
import type { ControlHandler, ControlResponse } from '../types';
import { readBody, send } from './http';

/** The control endpoints by name, and what `GET /_local/health` reports. */
export interface ControlRoutes {
  readonly controls: ReadonlyMap<string, ControlHandler>;
  /** The AWS services the edge serves, for the health answer. */
  services(): string[];
}

export function controlPaths(controls: ReadonlyMap<string, ControlHandler>): string[] {
  return ['health', ...[...controls.keys()].sort()].map((name) => `/_local/${name}`);
}

/**
 * Serves one control call: `GET /_local/health` lists the services and control
 * endpoints; `/_local/<name>/...` goes to the handler of `<name>` with the
 * decoded segments after it; answers are JSON; an unknown name is a 404 listing
 * the known ones; a handler that throws is a 500 naming the endpoint.
 */
export async function serveControl(routes: ControlRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    send(res, { status, headers: { ...headers, 'content-type': 'application/json' }, body: `${JSON.stringify(body, null, 2)}\n` });
  if (req.headers.origin !== undefined) {
    req.resume();
    return answer(403, { message: "the local cloud's control endpoints do not answer browser requests (Origin header present)" });
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
    const health = { services: routes.services(), control: controlPaths(routes.controls) };
    return req.method === 'GET' ? answer(200, health) : answer(405, { message: 'use GET' }, { allow: 'GET' });
  }
  const handler = name === undefined ? undefined : routes.controls.get(name);
  if (!handler) {
    req.resume();
    return answer(404, { message: `no local control endpoint ${url.pathname}`, endpoints: controlPaths(routes.controls) });
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
