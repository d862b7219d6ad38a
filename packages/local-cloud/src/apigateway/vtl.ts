/**
 * API Gateway's mapping templates: Velocity (VTL, rendered by `velocityjs`) with
 * the variables API Gateway gives them — `$input` (`body`, `json(path)`,
 * `path(path)`, `params()`, `params(name)`), `$util` (`escapeJavaScript`,
 * `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`, `base64Decode`),
 * `$context` (the request context, with `requestOverride` / `responseOverride`)
 * and `$stageVariables`. As on AWS, an undefined reference renders as nothing.
 */
import { Compile, parse } from 'velocityjs';
import { evaluatePath } from './jsonpath';

export interface MappingParams {
  readonly path: Record<string, string>;
  readonly querystring: Record<string, string>;
  readonly header: Record<string, string>;
}

export interface TemplateInput {
  /** The payload the template maps: the request body, or the integration's response body. */
  readonly body: string;
  readonly params: MappingParams;
  /** `$context`: the request context; `requestOverride` and `responseOverride` are added. */
  readonly context: Record<string, unknown>;
  readonly stageVariables: Record<string, string> | null;
}

export interface Overrides {
  readonly status?: number;
  readonly headers: Record<string, string>;
  readonly requestHeaders: Record<string, string>;
  readonly requestQuery: Record<string, string>;
  readonly requestPath: Record<string, string>;
}

/** The body as JSON: `{}` when empty, the text itself when it is not JSON. */
export function bodyValue(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Renders a mapping template; the overrides are what `$context.*Override` was set to. */
export function renderTemplate(template: string, input: TemplateInput): { output: string; overrides: Overrides } {
  const parsedBody = bodyValue(input.body);
  const requestOverride = { header: {}, querystring: {}, path: {} } as Record<string, Record<string, unknown>>;
  const responseOverride = { header: {} } as Record<string, unknown>;
  const context = { ...input.context, requestOverride, responseOverride };
  const params = input.params;
  const variables = {
    input: {
      body: input.body,
      json: (path: string) => JSON.stringify(evaluatePath(parsedBody, path) ?? null),
      path: (path: string) => evaluatePath(parsedBody, path),
      params: (name?: string) => (name === undefined ? params : paramNamed(params, name)),
    },
    util,
    context,
    stageVariables: input.stageVariables ?? {},
  };
  const output = new Compile(parse(template)).render(variables, undefined, true);
  const status = Number(responseOverride.status);
  return {
    output,
    overrides: {
      ...(Number.isInteger(status) && status >= 100 && status <= 599 ? { status } : {}),
      headers: strings(responseOverride.header),
      requestHeaders: strings(requestOverride.header),
      requestQuery: strings(requestOverride.querystring),
      requestPath: strings(requestOverride.path),
    },
  };
}

/** `$input.params(name)`: the path parameter, else the query string parameter, else the header; else empty. */
function paramNamed(params: MappingParams, name: string): string {
  if (Object.hasOwn(params.path, name)) return params.path[name]!;
  if (Object.hasOwn(params.querystring, name)) return params.querystring[name]!;
  const header = Object.keys(params.header).find((k) => k.toLowerCase() === name.toLowerCase());
  return header === undefined ? '' : params.header[header]!;
}

function strings(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** `$util`, as the API Gateway developer guide defines each function. */
export const util = {
  /** JavaScript string rules (Apache Commons `escapeJavaScript`): quotes, `/`, control and non-ASCII characters. */
  escapeJavaScript: (value: unknown) =>
    JSON.stringify(String(value ?? ''))
      .slice(1, -1)
      .replaceAll("'", "\\'")
      .replaceAll('/', '\\/')
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`),
  parseJson: (value: unknown) => JSON.parse(String(value)),
  /** `application/x-www-form-urlencoded` (Java's URLEncoder: a space is `+`). */
  urlEncode: (value: unknown) =>
    encodeURIComponent(String(value ?? ''))
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replaceAll('%20', '+'),
  urlDecode: (value: unknown) => decodeURIComponent(String(value ?? '').replaceAll('+', ' ')),
  base64Encode: (value: unknown) => Buffer.from(String(value ?? ''), 'utf8').toString('base64'),
  base64Decode: (value: unknown) => Buffer.from(String(value ?? ''), 'base64').toString('utf8'),
};
