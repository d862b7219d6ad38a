/**
 * Which REST API of the stack a request is for, and its path within the API.
 *
 * Every API is served on the API port in LocalStack's URL forms:
 * `/restapis/<id>/<stage>/_user_request_/<path>`, `/_aws/execute-api/<id>/<stage>/<path>`
 * and the host `<id>.execute-api.<anything>` with `/<stage>/<path>`; the default API
 * (the first of the stack) is also served at the root. At the root and on the host
 * form, a leading segment equal to the API's stage name is the stage path
 * (`/prod/items` as every URL CDK prints has it) when the rest of the path is a
 * route of the API; otherwise the path is taken as it is (`/items`).
 */
import type { ApiModel } from './model';
import { safeDecode } from './proxy-event';
import { matchRoute } from './routing';

export interface ApiTarget {
  readonly model: ApiModel;
  /** Decoded path segments within the API (no stage). */
  readonly segments: readonly string[];
  /** The path within the API, as received (still percent-encoded), starting with `/`. */
  readonly rawPath: string;
}

const USER_REQUEST = /^\/restapis\/([^/]+)\/([^/]+)\/_user_request_(\/.*)?$/;
const EXECUTE_API_PATH = /^\/_aws\/execute-api\/([^/]+)\/([^/]+)(\/.*)?$/;
const EXECUTE_API_HOST = /^([a-z0-9]+)\.execute-api\./i;

/** True when a request (path and Host) is in one of LocalStack's URL forms for an API. */
export function isExecuteApiRequest(pathname: string, host: string | undefined): boolean {
  return USER_REQUEST.test(pathname) || EXECUTE_API_PATH.test(pathname) || (host !== undefined && EXECUTE_API_HOST.test(host));
}

export function resolveApi(
  models: readonly ApiModel[],
  defaultModel: ApiModel,
  pathname: string,
  host: string | undefined,
): ApiTarget | undefined {
  const byId = (id: string) => models.find((m) => m.api?.physicalId === id);
  const explicit = USER_REQUEST.exec(pathname) ?? EXECUTE_API_PATH.exec(pathname);
  if (explicit) {
    const model = byId(explicit[1]!);
    if (!model || safeDecode(explicit[2]!) !== model.stage) return undefined;
    return target(model, explicit[3] ?? '/');
  }
  const hostId = host === undefined ? undefined : EXECUTE_API_HOST.exec(host)?.[1];
  if (hostId !== undefined) {
    const model = byId(hostId);
    return model ? atRoot(model, pathname) : undefined;
  }
  return atRoot(defaultModel, pathname);
}

function atRoot(model: ApiModel, pathname: string): ApiTarget {
  const stagePrefix = `/${model.stage}`;
  if (pathname === stagePrefix || pathname.startsWith(`${stagePrefix}/`)) {
    const staged = target(model, pathname.slice(stagePrefix.length) || '/');
    if (matchRoute(model.routes, staged.segments)) return staged;
  }
  return target(model, pathname);
}

function target(model: ApiModel, rawPath: string): ApiTarget {
  const segments = rawPath
    .split('/')
    .filter((s) => s !== '')
    .map(safeDecode);
  return { model, segments, rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}` };
}
