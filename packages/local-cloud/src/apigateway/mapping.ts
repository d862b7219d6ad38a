/**
 * API Gateway's mapping expressions and request-side mapping: `RequestParameters`
 * (`integration.request.{header,querystring,path}.X` from `method.request.*`,
 * `context.*`, `stageVariables.*` or a `'literal'`), and the choice of the request
 * template by content type with `PassthroughBehavior`.
 */
import { evaluatePath } from './jsonpath';
import type { MethodRequest } from './integrations/call';

const caseless = (map: Record<string, string>, name: string) => {
  const key = Object.keys(map).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : map[key];
};

function dotted(root: unknown, path: string): unknown {
  let value = root;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const text = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : typeof value === 'object' ? JSON.stringify(value) : String(value);

/** The value of a mapping expression on the method request; undefined when it names nothing present. */
export function methodRequestValue(expression: string, request: MethodRequest): string | undefined {
  const literal = /^'(.*)'$/s.exec(expression);
  if (literal) return literal[1];
  const m = /^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader|body)(?:\.(.+))?$/.exec(expression);
  if (m) {
    const [, where, name] = m;
    if (where === 'body') return name === undefined ? request.body : text(evaluatePath(safeJson(request.body), `$.${name}`));
    if (name === undefined) return undefined;
    if (where === 'path') return request.path[name];
    if (where === 'querystring') return request.querystring[name];
    if (where === 'multivaluequerystring') return request.multivaluequerystring[name]?.join(',');
    if (where === 'header') return caseless(request.header, name);
    const values = Object.entries(request.multivalueheader).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    return values?.join(',');
  }
  return contextValue(expression, request.context, request.stageVariables);
}

/** `context.x.y` and `stageVariables.x`, the expressions valid on both sides. */
export function contextValue(
  expression: string,
  context: Record<string, unknown>,
  stageVariables: Record<string, string> | null,
): string | undefined {
  if (expression.startsWith('context.')) return text(dotted(context, expression.slice('context.'.length)));
  if (expression.startsWith('stageVariables.')) return stageVariables?.[expression.slice('stageVariables.'.length)];
  return undefined;
}

export function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export interface IntegrationRequestParameters {
  readonly header: Record<string, string>;
  readonly querystring: Record<string, string>;
  readonly path: Record<string, string>;
}

/** `Integration.RequestParameters` applied: a source that names nothing present maps nothing. */
export function integrationRequestParameters(
  parameters: Record<string, unknown> | undefined,
  request: MethodRequest,
): IntegrationRequestParameters {
  const mapped: IntegrationRequestParameters = { header: {}, querystring: {}, path: {} };
  for (const [destination, source] of Object.entries(parameters ?? {})) {
    const m = /^integration\.request\.(header|querystring|path|multivaluequerystring)\.(.+)$/.exec(destination);
    const value = typeof source === 'string' ? methodRequestValue(source, request) : undefined;
    if (!m || value === undefined) continue;
    const where = m[1] === 'multivaluequerystring' ? 'querystring' : (m[1] as 'header' | 'querystring' | 'path');
    mapped[where][m[2]!] = value;
  }
  return mapped;
}

/** Which request template maps the body: a template, the body as it is, or 415 (`PassthroughBehavior`). */
export function chooseRequestTemplate(
  integration: Record<string, any>,
  contentType: string | undefined,
): { kind: 'template'; template: string } | { kind: 'passthrough' } | { kind: 'unsupported' } {
  const templates = (integration.RequestTemplates ?? {}) as Record<string, unknown>;
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase() || 'application/json';
  const key = Object.keys(templates).find((k) => k.toLowerCase() === type);
  if (key !== undefined && typeof templates[key] === 'string') return { kind: 'template', template: templates[key] };
  const behavior = String(integration.PassthroughBehavior ?? 'WHEN_NO_MATCH').toUpperCase();
  if (behavior === 'NEVER') return { kind: 'unsupported' };
  if (behavior === 'WHEN_NO_TEMPLATES' && Object.keys(templates).length > 0) return { kind: 'unsupported' };
  return { kind: 'passthrough' };
}
