/**
 * The integration response of a non-proxy integration (AWS, HTTP, MOCK): the
 * `IntegrationResponses` entry chosen by `SelectionPattern` (a regular expression
 * matched against the whole Lambda `errorMessage`, or the HTTP status code of an
 * HTTP / AWS service / MOCK integration; the entry without a pattern is the default),
 * its `ResponseParameters` (`'literal'`, `integration.response.header.X`,
 * `integration.response.body[.JSONPath]`, `context.*`, `stageVariables.*`) and its
 * `ResponseTemplates` (VTL; without one, the body passes through), sent as the
 * method response.
 */
import type { IntegrationCall } from './integrations/call';
import { evaluatePath } from './jsonpath';
import { contextValue, safeJson } from './mapping';
import { INTERNAL_ERROR, sendGatewayError } from './responses';
import { renderTemplate } from './vtl';

export interface IntegrationResult {
  /** The backend's status (a Lambda function's answer: 200, or 202 when invoked asynchronously). */
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** What `SelectionPattern` is matched against: the Lambda error message, the status code; undefined for a Lambda success. */
  readonly selector: string | undefined;
}

type IntegrationResponse = Record<string, any>;

/** The entry whose pattern matches the whole selector, else the default (no or empty pattern). */
export function selectResponse(responses: readonly IntegrationResponse[], selector: string | undefined): IntegrationResponse | undefined {
  const isDefault = (r: IntegrationResponse) => r.SelectionPattern === undefined || r.SelectionPattern === '';
  if (selector !== undefined) {
    const matched = responses.find((r) => {
      if (isDefault(r)) return false;
      try {
        return new RegExp(`^(?:${String(r.SelectionPattern)})$`).test(selector);
      } catch {
        return false;
      }
    });
    if (matched) return matched;
  }
  return responses.find(isDefault);
}

/** Sends the method response for `result`; the status sent. */
export function sendIntegrationResponse(call: IntegrationCall, result: IntegrationResult, log: (line: string) => void): number {
  const { res, method } = call;
  const responses = (method.integration.IntegrationResponses ?? []) as IntegrationResponse[];
  const chosen = selectResponse(responses, result.selector);
  if (!chosen) {
    log(
      `[ApiGateway] ${call.where}: Execution failed due to configuration error: No match for output mapping and no default output mapping configured`,
    );
    sendGatewayError(res, INTERNAL_ERROR, call.requestId, call.extendedRequestId);
    return INTERNAL_ERROR.status;
  }
  let status = Number(chosen.StatusCode ?? 200);
  const headers: Record<string, string> = {};
  const context = (call.event.requestContext ?? {}) as Record<string, unknown>;
  const stageVariables = call.model.stageVariables;
  for (const [key, source] of Object.entries((chosen.ResponseParameters ?? {}) as Record<string, unknown>)) {
    const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
    const value = typeof source === 'string' ? responseValue(source, result, context, stageVariables) : undefined;
    if (name && value !== undefined) headers[name] = value;
  }

  const templates = (chosen.ResponseTemplates ?? {}) as Record<string, unknown>;
  const accept = String(call.req.headers.accept ?? '')
    .split(',')
    .map((t) => t.split(';')[0]!.trim().toLowerCase());
  const keys = Object.keys(templates);
  const key = keys.find((k) => accept.includes(k.toLowerCase())) ?? keys.find((k) => k.toLowerCase() === 'application/json') ?? keys[0];
  let body = result.body;
  let contentType = 'application/json';
  const template = key === undefined ? undefined : templates[key];
  if (key !== undefined && typeof template === 'string') {
    contentType = key;
    const rendered = renderTemplate(template, {
      body: result.body,
      params: {
        path: call.event.pathParameters ?? {},
        querystring: call.event.queryStringParameters ?? {},
        header: call.event.headers ?? {},
      },
      context,
      stageVariables,
    });
    body = rendered.output;
    if (rendered.overrides.status !== undefined) status = rendered.overrides.status;
    Object.assign(headers, rendered.overrides.headers);
  }

  const bytes = Buffer.from(body, 'utf8');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (!res.hasHeader('content-type')) res.setHeader('Content-Type', contentType);
  res.setHeader('x-amzn-RequestId', call.requestId);
  res.setHeader('x-amz-apigw-id', call.extendedRequestId);
  res.setHeader('X-Amzn-Trace-Id', `${call.traceId};Sampled=0`);
  res.setHeader('Content-Length', bytes.length);
  res.statusCode = status;
  res.end(bytes);
  return status;
}

function responseValue(
  source: string,
  result: IntegrationResult,
  context: Record<string, unknown>,
  stageVariables: Record<string, string> | null,
): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const header = /^integration\.response\.header\.(.+)$/.exec(source)?.[1];
  if (header !== undefined) return Object.entries(result.headers).find(([k]) => k.toLowerCase() === header.toLowerCase())?.[1];
  if (source === 'integration.response.body') return result.body;
  const path = /^integration\.response\.body\.(.+)$/.exec(source)?.[1];
  if (path !== undefined) {
    const value = evaluatePath(safeJson(result.body), `$.${path}`);
    return value === undefined ? undefined : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return contextValue(source, context, stageVariables);
}
