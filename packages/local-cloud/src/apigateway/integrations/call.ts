/**
 * One request on its way to an integration: what every integration type reads
 * (the method request as mapping expressions name it, the proxy event, ids) and
 * what it may use (the function invoker, the edge, the log).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LambdaInvoker, LocalStack } from '../../types';
import type { ApiModel, Method } from '../model';
import { sendGatewayError } from '../responses';

export interface IntegrationCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly model: ApiModel;
  readonly method: Method;
  readonly body: Buffer;
  /** The Lambda proxy event of the request (headers, query, path parameters, request context with the authorizer's answer). */
  readonly event: Record<string, any>;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly traceId: string;
  /** `GET /items` as received, for log lines. */
  readonly where: string;
}

export interface IntegrationDeps {
  readonly stack: LocalStack;
  readonly invoker: LambdaInvoker;
  /** The edge's URL: AWS service integrations call the local services there. */
  readonly edgeUrl: string | undefined;
  /** Default integration timeout (29 s, or the integration's `TimeoutInMillis`). */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/** The method request as mapping expressions and templates see it. */
export interface MethodRequest {
  readonly path: Record<string, string>;
  readonly querystring: Record<string, string>;
  readonly multivaluequerystring: Record<string, string[]>;
  readonly header: Record<string, string>;
  readonly multivalueheader: Record<string, string[]>;
  readonly body: string;
  readonly context: Record<string, unknown>;
  readonly stageVariables: Record<string, string> | null;
}

export function methodRequest(call: IntegrationCall): MethodRequest {
  const e = call.event;
  return {
    path: e.pathParameters ?? {},
    querystring: e.queryStringParameters ?? {},
    multivaluequerystring: e.multiValueQueryStringParameters ?? {},
    header: e.headers ?? {},
    multivalueheader: e.multiValueHeaders ?? {},
    body: call.body.toString('utf8'),
    context: e.requestContext ?? {},
    stageVariables: e.stageVariables ?? null,
  };
}

/** Runs `work` with the integration's timeout; `timeout` when it does not settle in time. */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; timeout: true }> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then((value) => ({ ok: true as const, value })),
    new Promise<{ ok: false; timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ ok: false, timeout: true }), ms))),
  ]).finally(() => clearTimeout(timer));
}

export function timeoutOf(call: IntegrationCall, deps: IntegrationDeps): number {
  const own = Number(call.method.integration.TimeoutInMillis);
  return Number.isFinite(own) && own > 0 ? own : deps.timeoutMs;
}

/** Answers one of API Gateway's own errors for the call, the reason logged when given; the status sent. */
export function refuse(
  call: IntegrationCall,
  deps: IntegrationDeps,
  error: { status: number; body: string; errorType: string },
  reason?: string,
): number {
  if (reason) deps.log(`[ApiGateway] ${call.where}: ${reason}`);
  sendGatewayError(call.res, error, call.requestId, call.extendedRequestId);
  return error.status;
}
