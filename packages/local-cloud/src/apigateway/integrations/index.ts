/**
 * Every integration type of a REST API method: which one a method's
 * `Integration` is (`AWS_PROXY` and `AWS` to Lambda, `AWS` to a service,
 * `HTTP`, `HTTP_PROXY`, `MOCK`), why one is not emulated (then answered 500
 * with the reason logged, and listed at start), and the call itself.
 */
import { INTERNAL_ERROR, sendGatewayError } from '../responses';
import { serviceIntegration, serviceNotEmulated, serviceTarget, type ServiceTarget } from './aws-service';
import type { IntegrationCall, IntegrationDeps } from './call';
import { httpIntegration } from './http';
import { lambdaIntegration } from './lambda';
import { lambdaProxy } from './lambda-proxy';
import { mockIntegration } from './mock';

export type { IntegrationCall, IntegrationDeps } from './call';

export type IntegrationKind =
  | { readonly kind: 'lambda-proxy'; readonly functionArn: string }
  | { readonly kind: 'lambda'; readonly functionArn: string }
  | { readonly kind: 'service'; readonly target: ServiceTarget }
  | { readonly kind: 'http'; readonly proxy: boolean }
  | { readonly kind: 'mock' }
  | { readonly kind: 'not-emulated'; readonly reason: string };

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations` → the function ARN. */
export function functionArnOf(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri);
  return match?.[1];
}

export function classifyIntegration(integration: Record<string, any>): IntegrationKind {
  const type = String(integration.Type ?? '').toUpperCase();
  const refuse = (reason: string): IntegrationKind => ({ kind: 'not-emulated', reason });
  if (integration.ConnectionType === 'VPC_LINK') return refuse(`${type} integration over a VPC link`);
  if (integration.ContentHandling !== undefined) return refuse(`ContentHandling ${String(integration.ContentHandling)}`);
  const converted = ((integration.IntegrationResponses ?? []) as Record<string, unknown>[]).find((r) => r.ContentHandling !== undefined);
  if (converted) return refuse(`an integration response's ContentHandling ${String(converted.ContentHandling)}`);
  const functionArn = functionArnOf(integration.Uri);
  switch (type) {
    case 'AWS_PROXY':
      return functionArn ? { kind: 'lambda-proxy', functionArn } : refuse('AWS_PROXY integration whose URI is not a Lambda function');
    case 'AWS': {
      if (functionArn) return { kind: 'lambda', functionArn };
      const target = serviceTarget(integration.Uri);
      if (!target) return refuse(`AWS integration URI ${String(integration.Uri)}`);
      const reason = serviceNotEmulated(target);
      return reason ? refuse(reason) : { kind: 'service', target };
    }
    case 'HTTP':
    case 'HTTP_PROXY':
      return typeof integration.Uri === 'string'
        ? { kind: 'http', proxy: type === 'HTTP_PROXY' }
        : refuse(`${type} integration without a URI`);
    case 'MOCK':
      return { kind: 'mock' };
    default:
      return refuse(`${type || 'no'} integration`);
  }
}

/** Calls the method's integration and sends its answer; the status sent. */
export async function integrate(call: IntegrationCall, deps: IntegrationDeps, kind: IntegrationKind): Promise<number> {
  switch (kind.kind) {
    case 'lambda-proxy':
      return lambdaProxy(call, deps, kind.functionArn);
    case 'lambda':
      return lambdaIntegration(call, deps, kind.functionArn);
    case 'service':
      return serviceIntegration(call, deps, kind.target);
    case 'http':
      return httpIntegration(call, deps, kind.proxy);
    case 'mock':
      return mockIntegration(call, deps);
    case 'not-emulated':
      deps.log(`[ApiGateway] ${call.where}: not emulated: ${kind.reason} (answered 500)`);
      sendGatewayError(call.res, INTERNAL_ERROR, call.requestId, call.extendedRequestId);
      return INTERNAL_ERROR.status;
  }
}
