/**
 * `AWS` integrations with a service other than Lambda
 * (`arn:aws:apigateway:<region>:<service>:action/<Action>` or `:path/<path>`):
 * the request template renders the service request, which goes to the local
 * cloud's edge in the service's wire protocol — DynamoDB, Kinesis and
 * EventBridge as AWS JSON (`X-Amz-Target`), SQS's Query form translated to its
 * JSON protocol (answered in Query's JSON shape, `{"SendMessageResponse":{"SendMessageResult":...}}`),
 * S3 as REST — and the service's answer (status, headers, body) goes through the
 * integration responses, selected by its status code as on AWS.
 */
import { randomUUID } from 'node:crypto';
import { sendIntegrationResponse } from '../integration-response';
import type { IntegrationRequestParameters } from '../mapping';
import { INTERNAL_ERROR, TIMED_OUT, UNSUPPORTED_MEDIA_TYPE, type GatewayError } from '../responses';
import { refuse, timeoutOf, withTimeout, type IntegrationCall, type IntegrationDeps } from './call';
import { integrationRequest } from './request';

export interface ServiceTarget {
  readonly region: string;
  readonly service: string;
  readonly form: 'action' | 'path';
  /** The action name, or the path (without a leading `/`). */
  readonly value: string;
}

/** The JSON services by the service name of the integration URI. */
const JSON_SERVICES: Readonly<Record<string, { target: string; version: string }>> = {
  dynamodb: { target: 'DynamoDB_20120810', version: '1.0' },
  kinesis: { target: 'Kinesis_20131202', version: '1.1' },
  events: { target: 'AWSEvents', version: '1.1' },
};

export const EMULATED_SERVICES = [...Object.keys(JSON_SERVICES), 'sqs', 's3'];

/** The service an integration URI names; undefined when it is not a service URI. */
export function serviceTarget(uri: unknown): ServiceTarget | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /^arn:[^:]+:apigateway:([^:]*):(?:[^:.]+\.)?([^:.]+):(action|path)\/(.+)$/.exec(uri);
  if (!m) return undefined;
  return { region: m[1]!, service: m[2]!, form: m[3] as 'action' | 'path', value: m[4]! };
}

/** Why a service target is not emulated; undefined when it is. */
export function serviceNotEmulated(target: ServiceTarget): string | undefined {
  if (!EMULATED_SERVICES.includes(target.service))
    return `AWS integration with ${target.service} (only ${EMULATED_SERVICES.join(', ')} are emulated)`;
  if (target.service in JSON_SERVICES && target.form !== 'action')
    return `AWS integration with ${target.service} by path (use action/<Action>)`;
  if (target.service === 's3' && target.form !== 'path') return 'AWS integration with s3 by action (use path/<bucket>/<key>)';
  return undefined;
}

interface ServiceRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Turns the service's answer into what the integration response sees. */
  readonly answer?: (status: number, body: string) => string;
}

export async function serviceIntegration(call: IntegrationCall, deps: IntegrationDeps, target: ServiceTarget): Promise<number> {
  const fail = (error: GatewayError, reason?: string) => refuse(call, deps, error, reason);
  if (!deps.edgeUrl) return fail(INTERNAL_ERROR, 'AWS service integration: no edge to call');
  const request = integrationRequest(call);
  if (!request.ok) return fail(UNSUPPORTED_MEDIA_TYPE);
  const httpMethod = String(call.method.integration.IntegrationHttpMethod ?? 'POST').toUpperCase();
  let service: ServiceRequest;
  try {
    service = serviceRequest(target, httpMethod, request.body, request.parameters, deps);
  } catch (error) {
    return fail(INTERNAL_ERROR, `AWS service integration with ${target.service}: ${String(error)}`);
  }
  const region = target.region || deps.stack.region;
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const headers = {
    ...service.headers,
    'x-amz-date': date,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    // The edge routes by the credential scope; signatures are not checked locally.
    authorization: `AWS4-HMAC-SHA256 Credential=LOCALAPIGATEWAY/${date.slice(0, 8)}/${region}/${target.service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  };
  const sent = withTimeout(
    fetch(new URL(service.path, deps.edgeUrl), {
      method: service.method,
      headers,
      ...(service.method === 'GET' || service.method === 'HEAD' ? {} : { body: service.body }),
    }).then(async (r) => ({ status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() })),
    timeoutOf(call, deps),
  );
  let outcome: Awaited<typeof sent>;
  try {
    outcome = await sent;
  } catch (error) {
    return fail(INTERNAL_ERROR, `AWS service integration with ${target.service} failed: ${String(error)}`);
  }
  if (!outcome.ok) return fail(TIMED_OUT);
  const { status, headers: answerHeaders, body } = outcome.value;
  const mapped = service.answer ? service.answer(status, body) : body;
  return sendIntegrationResponse(call, { status, headers: answerHeaders, body: mapped, selector: String(status) }, deps.log);
}

function serviceRequest(
  target: ServiceTarget,
  httpMethod: string,
  body: string,
  parameters: IntegrationRequestParameters,
  deps: IntegrationDeps,
): ServiceRequest {
  const json = JSON_SERVICES[target.service];
  if (json) {
    return {
      method: 'POST',
      path: '/',
      headers: {
        ...parameters.header,
        'content-type': `application/x-amz-json-${json.version}`,
        'x-amz-target': `${json.target}.${target.value}`,
      },
      body,
    };
  }
  if (target.service === 'sqs') return sqsRequest(target, body, parameters, deps);
  // S3: REST, the path's `{name}` filled from the mapped path parameters.
  const path = `/${fillPath(target.value, parameters.path)}${queryOf(parameters.querystring)}`;
  return { method: httpMethod, path, headers: parameters.header, body };
}

/** SQS's Query call (`Action=SendMessage&MessageBody=...`) as its JSON protocol call. */
function sqsRequest(target: ServiceTarget, body: string, parameters: IntegrationRequestParameters, deps: IntegrationDeps): ServiceRequest {
  const form = new URLSearchParams(body);
  for (const [k, v] of Object.entries(parameters.querystring)) form.set(k, v);
  const action = target.form === 'action' ? target.value : form.get('Action');
  if (!action) throw new Error('the SQS request names no Action');
  const input: Record<string, unknown> = {};
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    if (key.includes('.')) throw new Error(`SQS Query parameter ${key} (structured parameters are not emulated)`);
    input[key] = /^(DelaySeconds|MaxNumberOfMessages|VisibilityTimeout|WaitTimeSeconds)$/.test(key) ? Number(value) : value;
  }
  if (target.form === 'path') input.QueueUrl = new URL(`/${fillPath(target.value, parameters.path)}`, deps.edgeUrl).href;
  const requestId = randomUUID();
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
    body: JSON.stringify(input),
    answer: (status, text) => {
      if (status >= 300) return text;
      const result = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
      return JSON.stringify({ [`${action}Response`]: { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } } });
    },
  };
}

function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : encodeURIComponent(values[name])));
}

function queryOf(values: Record<string, string>): string {
  const query = new URLSearchParams(values).toString();
  return query ? `?${query}` : '';
}
