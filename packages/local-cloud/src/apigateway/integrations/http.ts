/**
 * `HTTP_PROXY` and `HTTP`: the request goes to the integration URI, its
 * `{name}` filled from the mapped path parameters. `HTTP_PROXY` forwards the
 * method, the client's headers (less `Host` and hop-by-hop ones), query string and
 * body, and answers with the backend's status, headers and body. `HTTP` sends the
 * rendered request template with only the mapped headers and query string, and
 * its answer goes through the integration responses, selected by status code.
 */
import { sendIntegrationResponse } from '../integration-response';
import { INTERNAL_ERROR, TIMED_OUT, UNSUPPORTED_MEDIA_TYPE, type GatewayError } from '../responses';
import { methodRequest, refuse, timeoutOf, withTimeout, type IntegrationCall, type IntegrationDeps } from './call';
import { integrationRequest } from './request';
import { integrationRequestParameters } from '../mapping';

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
]);

export async function httpIntegration(call: IntegrationCall, deps: IntegrationDeps, proxy: boolean): Promise<number> {
  const fail = (error: GatewayError, reason?: string) => refuse(call, deps, error, reason);
  const integration = call.method.integration;
  const declared = String(integration.IntegrationHttpMethod ?? 'ANY').toUpperCase();
  const httpMethod = declared === 'ANY' ? (call.req.method ?? 'GET').toUpperCase() : declared; // ANY: the client's method
  let body: string | Buffer;
  let headers: Record<string, string>;
  let query: URLSearchParams;
  let pathValues: Record<string, string>;
  if (proxy) {
    const parameters = integrationRequestParameters(
      integration.RequestParameters as Record<string, unknown> | undefined,
      methodRequest(call),
    );
    body = call.body;
    headers = {};
    for (const [name, value] of Object.entries(call.req.headers))
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    Object.assign(headers, parameters.header);
    query = new URL(call.req.url ?? '/', 'http://localhost').searchParams;
    for (const [k, v] of Object.entries(parameters.querystring)) query.set(k, v);
    pathValues = parameters.path;
  } else {
    const request = integrationRequest(call);
    if (!request.ok) return fail(UNSUPPORTED_MEDIA_TYPE);
    body = request.body;
    headers = { 'content-type': 'application/json', ...request.parameters.header };
    query = new URLSearchParams(request.parameters.querystring);
    pathValues = request.parameters.path;
  }
  // A value keeps its slashes (a greedy `{proxy+}` path forwarded as it came); each segment is encoded.
  const uri = String(integration.Uri ?? '').replace(/\{([^}]+?)\+?\}/g, (whole, name: string) => {
    const value = pathValues[name] ?? pathValues[`${name}+`];
    return value === undefined ? whole : value.split('/').map(encodeURIComponent).join('/');
  });
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail(INTERNAL_ERROR, `Execution failed due to configuration error: Invalid endpoint address ${uri}`);
  }
  for (const [k, v] of query) url.searchParams.append(k, v);
  const sent = withTimeout(
    fetch(url, {
      method: httpMethod,
      headers,
      redirect: 'manual',
      ...(httpMethod === 'GET' || httpMethod === 'HEAD' || body.length === 0 ? {} : { body }),
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) })),
    timeoutOf(call, deps),
  );
  let outcome: Awaited<typeof sent>;
  try {
    outcome = await sent;
  } catch (error) {
    return fail(INTERNAL_ERROR, `Execution failed: the HTTP endpoint ${url.origin} did not answer: ${String(error)}`);
  }
  if (!outcome.ok) return fail(TIMED_OUT);
  const answer = outcome.value;
  if (!proxy) {
    const answerHeaders = Object.fromEntries(answer.headers);
    return sendIntegrationResponse(
      call,
      { status: answer.status, headers: answerHeaders, body: answer.body.toString('utf8'), selector: String(answer.status) },
      deps.log,
    );
  }
  const { res } = call;
  for (const [name, value] of answer.headers) if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') res.setHeader(name, value);
  res.setHeader('x-amzn-RequestId', call.requestId);
  res.setHeader('x-amz-apigw-id', call.extendedRequestId);
  res.setHeader('Content-Length', answer.body.length);
  res.statusCode = answer.status;
  res.end(answer.body);
  return answer.status;
}
