/**
 * Lambda (TOKEN / REQUEST) authorizers: reads the identity sources of a request, builds
 * the event API Gateway sends the authorizer function, invokes it and reads its answer.
 */
import type { LambdaInvoker } from '../../types';
import { parseAuthorizerResponse, type AuthorizerResponse } from './policy';
import type { AuthRequest, IdentitySource } from './types';

/** A header's value, whatever the casing the client used (the last value when repeated). */
export function headerOf(request: AuthRequest, name: string): string | undefined {
  const direct = request.headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const key in request.headers) if (key.toLowerCase() === lower) return request.headers[key];
  return undefined;
}

function multiHeaderOf(request: AuthRequest, name: string): readonly string[] | undefined {
  const lower = name.toLowerCase();
  const map = request.multiValueHeaders ?? {};
  for (const key in map) if (key.toLowerCase() === lower) return map[key];
  const single = headerOf(request, name);
  return single === undefined ? undefined : [single];
}

function contextValue(requestContext: Readonly<Record<string, unknown>>, path: string): string | undefined {
  let value: unknown = requestContext;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** One identity source's value in the request; undefined when missing (null and empty count as missing). */
export function identityValue(source: IdentitySource, request: AuthRequest): string | undefined {
  let value: string | undefined;
  switch (source.kind) {
    case 'header':
      value = headerOf(request, source.name);
      break;
    case 'multivalueheader':
      value = multiHeaderOf(request, source.name)?.join(',');
      break;
    case 'querystring':
      value = request.queryStringParameters?.[source.name];
      break;
    case 'multivaluequerystring':
      value = (
        request.multiValueQueryStringParameters?.[source.name] ??
        (request.queryStringParameters?.[source.name] !== undefined ? [request.queryStringParameters[source.name]!] : undefined)
      )?.join(',');
      break;
    case 'stageVariable':
      value = request.stageVariables?.[source.name];
      break;
    case 'context':
      value = contextValue(request.requestContext, source.name);
      break;
  }
  return value === undefined || value === '' ? undefined : value;
}

/** Every identity source's value, in order, or the first one missing. */
export function identityValues(sources: readonly IdentitySource[], request: AuthRequest): { values: string[] } | { missing: string } {
  const values: string[] = [];
  for (const source of sources) {
    const value = identityValue(source, request);
    if (value === undefined) return { missing: source.expression };
    values.push(value);
  }
  return { values };
}

/** The event of a TOKEN authorizer, as API Gateway sends it. */
export function tokenEvent(token: string, methodArn: string): Record<string, unknown> {
  return { type: 'TOKEN', authorizationToken: token, methodArn };
}

/** The event of a REQUEST authorizer: the request's parts as in the proxy event (empty maps as `{}`), no body. */
export function requestEvent(request: AuthRequest): Record<string, unknown> {
  return {
    type: 'REQUEST',
    methodArn: request.methodArn,
    resource: request.resource,
    path: request.path,
    httpMethod: request.httpMethod,
    headers: request.headers,
    multiValueHeaders: request.multiValueHeaders ?? Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.queryStringParameters ?? {},
    multiValueQueryStringParameters: request.multiValueQueryStringParameters ?? {},
    pathParameters: request.pathParameters ?? {},
    stageVariables: request.stageVariables ?? {},
    requestContext: request.requestContext,
  };
}

export type Invocation =
  | { readonly kind: 'answer'; readonly response: AuthorizerResponse; readonly latencyMs: number }
  | { readonly kind: 'unauthorized'; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * Calls the authorizer function. As on AWS: a function failing with the message
 * `Unauthorized` means 401; any other failure, or an answer API Gateway cannot use, 500.
 */
export async function invokeAuthorizer(
  invoker: LambdaInvoker,
  functionArn: string,
  event: unknown,
  now: () => number,
): Promise<Invocation> {
  const started = now();
  let result;
  try {
    result = await invoker.invoke(functionArn, event);
  } catch (error) {
    return { kind: 'error', reason: `cannot invoke the authorizer ${functionArn}: ${String(error)}` };
  }
  if (result.error) {
    const { errorType, errorMessage } = result.error;
    if (errorMessage === 'Unauthorized') return { kind: 'unauthorized', reason: 'the authorizer failed with "Unauthorized"' };
    return { kind: 'error', reason: `the authorizer ${functionArn} failed: ${errorType}: ${errorMessage}` };
  }
  const parsed = parseAuthorizerResponse(result.payload);
  if ('problem' in parsed)
    return { kind: 'error', reason: `the authorizer ${functionArn} answered something API Gateway cannot use: ${parsed.problem}` };
  return { kind: 'answer', response: parsed.response, latencyMs: Math.max(0, Math.round(now() - started)) };
}
