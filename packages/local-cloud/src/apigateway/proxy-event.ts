/**
 * A request as API Gateway hands it to a Lambda proxy integration: the body
 * (up to the 10 MB limit), headers with the client's casing, and the proxy
 * event (payload format 1.0) with API Gateway's request ids.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiModel, Method } from './model';

/** API Gateway's limit on a request payload. */
export const PAYLOAD_LIMIT = 10 * 1024 * 1024;

/** Reads the body; past API Gateway's 10 MB limit, drains the rest and reports it. */
export function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > PAYLOAD_LIMIT;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > PAYLOAD_LIMIT) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Request headers with the client's casing: last value per name, and every value. */
export function requestHeaders(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const names = new Map<string, string>();
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const raw = req.rawHeaders[i]!;
    const name = names.get(raw.toLowerCase()) ?? raw;
    names.set(raw.toLowerCase(), name);
    (multi[name] ??= []).push(req.rawHeaders[i + 1]!);
  }
  const single = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1)!]));
  return { single, multi };
}

export function mediaTypeMatches(contentType: string | undefined, patterns: readonly string[]): boolean {
  if (!contentType) return false;
  const types = contentType.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  return patterns.some((pattern) => {
    const [pType, pSub] = pattern.toLowerCase().split('/');
    return types.some((t) => {
      const [type, sub] = t.split('/');
      return (pType === '*' || pType === type) && (pSub === '*' || pSub === sub);
    });
  });
}

export interface EventInput {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly method: Method;
  readonly pathParameters: Record<string, string>;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly traceId: string;
  readonly started: number;
  readonly apiKey: { value: string; id: string } | undefined;
  readonly model: ApiModel;
  readonly accountId: string;
  readonly serverPort: number;
}

/** API Gateway's Lambda proxy event (payload format 1.0) for one request. */
export function proxyEvent(input: EventInput): Record<string, unknown> {
  const { req, url, body, method, model } = input;
  const { single, multi } = requestHeaders(req);
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const { traceId } = input;
  const forwardedFor = headerValue(req, 'x-forwarded-for');
  const added: Record<string, string> = {
    'X-Forwarded-For': forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp,
    'X-Forwarded-Port': String(input.serverPort),
    'X-Forwarded-Proto': 'http',
    'X-Amzn-Trace-Id': traceId,
  };
  for (const [name, value] of Object.entries(added)) {
    const existing = Object.keys(single).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing) {
      delete single[existing];
      delete multi[existing];
    }
    single[name] = value;
    multi[name] = [value];
  }

  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  const hasQuery = Object.keys(query).length > 0;

  const binary = mediaTypeMatches(headerValue(req, 'content-type'), model.binaryMediaTypes);
  const path = url.pathname.split('/').map(safeDecode).join('/');
  const host = headerValue(req, 'host') ?? `localhost:${input.serverPort}`;
  const domainName = host.replace(/:\d+$/, '');

  return {
    resource: method.resourcePath,
    path,
    httpMethod: (req.method ?? 'GET').toUpperCase(),
    headers: single,
    multiValueHeaders: multi,
    queryStringParameters: hasQuery ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.at(-1)!])) : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: Object.keys(input.pathParameters).length > 0 ? input.pathParameters : null,
    stageVariables: model.stageVariables,
    requestContext: {
      resourceId: method.resourceId,
      resourcePath: method.resourcePath,
      httpMethod: (req.method ?? 'GET').toUpperCase(),
      extendedRequestId: input.extendedRequestId,
      requestTime: requestTime(new Date(input.started)),
      path: `/${model.stage}${path}`,
      accountId: input.accountId,
      protocol: `HTTP/${req.httpVersion}`,
      stage: model.stage,
      domainPrefix: domainName.split('.')[0],
      requestTimeEpoch: input.started,
      requestId: input.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: headerValue(req, 'user-agent') ?? null,
        user: null,
        ...(input.apiKey ? { apiKey: input.apiKey.value, apiKeyId: input.apiKey.id } : {}),
      },
      domainName,
      deploymentId: model.deploymentId,
      apiId: model.api?.physicalId ?? 'local',
    },
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: body.length > 0 && binary,
  };
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `$context.requestTime`: `27/Nov/2026:10:15:30 +0000`. */
export function requestTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** `x-amz-apigw-id` / `extendedRequestId`: 16 characters of base64, like `IOIGVEoIrPEFfJg=`. */
export function apigwId(): string {
  return randomBytes(11).toString('base64');
}

/** A request's `extendedRequestId` and X-Ray trace id (`Root=1-<epoch hex>-<24 hex>`), from one draw of randomness. */
export function requestIds(started: number): { extendedRequestId: string; traceId: string } {
  const random = randomBytes(23);
  return {
    extendedRequestId: random.subarray(0, 11).toString('base64'),
    traceId: `Root=1-${Math.floor(started / 1000).toString(16)}-${random.subarray(11).toString('hex')}`,
  };
}
