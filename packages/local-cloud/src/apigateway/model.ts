/**
 * The REST API as the template defines it: its resource tree, methods and
 * integrations, stage, API keys and usage plans, binary media types; and what
 * of it is not emulated.
 */
import { createHash } from 'node:crypto';
import type { LocalStack, StackResource } from '../types';
import { readMethodAuth, type MethodAuth } from './authorizers';
import { classifyIntegration, functionArnOf, type IntegrationKind } from './integrations';
import { addRoute, newNode, type RouteNode } from './routing';

export { functionArnOf };

export interface Method {
  readonly httpMethod: string;
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly apiKeyRequired: boolean;
  readonly integration: Record<string, any>;
  /** The function a Lambda integration (proxy or not) invokes. */
  readonly functionArn: string | undefined;
  /** What the integration is, or why it is not emulated. */
  readonly kind: IntegrationKind;
  /** How the method is authorized (authorizers/read.ts): enforced per request, never let through. */
  readonly auth: MethodAuth;
}

export interface ApiModel {
  readonly api: StackResource | undefined;
  readonly stage: string;
  readonly deploymentId: string;
  readonly stageVariables: Record<string, string> | null;
  readonly binaryMediaTypes: readonly string[];
  readonly methods: Map<string, Method>;
  readonly routes: RouteNode;
  readonly validKeys: Map<string, { value: string; id: string }>;
  readonly apiKeys: Record<string, string>;
  readonly unsupported: string[];
  /** `ApiKeySourceType`: `HEADER` (`x-api-key`, the default) or `AUTHORIZER` (the authorizer's `usageIdentifierKey`). */
  readonly apiKeySource: 'HEADER' | 'AUTHORIZER';
}

export function emptyModel(): ApiModel {
  return {
    api: undefined,
    stage: 'local',
    deploymentId: 'local',
    stageVariables: null,
    binaryMediaTypes: [],
    methods: new Map(),
    routes: newNode(),
    validKeys: new Map(),
    apiKeys: {},
    unsupported: [],
    apiKeySource: 'HEADER',
  };
}

/** True when a resolved reference (Ref, GetAtt or a physical id) designates `resource`. */
export function refersTo(value: unknown, resource: StackResource): boolean {
  return (
    typeof value === 'string' &&
    (value === resource.logicalId || value === resource.physicalId || Object.values(resource.attributes).includes(value))
  );
}

export function readApi(stack: LocalStack, api: StackResource): ApiModel {
  const ofApi = (type: string) => stack.byType(type).filter((r) => refersTo(r.properties.RestApiId, api));
  const unsupported: string[] = [];

  // Resource tree: each resource's full path from its PathPart and parent chain.
  const resources = ofApi('AWS::ApiGateway::Resource');
  const isRoot = (ref: unknown) =>
    typeof ref === 'string' && (ref === api.attributes.RootResourceId || stack.find(ref)?.logicalId === api.logicalId);
  const pathCache = new Map<string, string>();
  const pathOf = (ref: unknown, depth = 0): string | undefined => {
    if (isRoot(ref)) return '/';
    const resource = resources.find((r) => refersTo(ref, r));
    if (!resource || depth > 100) return undefined;
    const cached = pathCache.get(resource.logicalId);
    if (cached) return cached;
    const parent = pathOf(resource.properties.ParentId, depth + 1);
    if (parent === undefined) return undefined;
    const full = `${parent === '/' ? '' : parent}/${String(resource.properties.PathPart)}`;
    pathCache.set(resource.logicalId, full);
    return full;
  };

  const methods = new Map<string, Method>();
  const routes = newNode();
  for (const m of ofApi('AWS::ApiGateway::Method')) {
    const p = m.properties;
    const resourcePath = pathOf(p.ResourceId);
    if (resourcePath === undefined) {
      unsupported.push(`${m.logicalId}: its ResourceId does not lead to the API's root`);
      continue;
    }
    const httpMethod = String(p.HttpMethod ?? 'ANY').toUpperCase();
    const integration = (p.Integration ?? {}) as Record<string, any>;
    const kind = classifyIntegration(integration);
    const functionArn = kind.kind === 'lambda' || kind.kind === 'lambda-proxy' ? kind.functionArn : undefined;
    if (kind.kind === 'not-emulated') unsupported.push(`${httpMethod} ${resourcePath}: ${kind.reason} (answered 500)`);
    const auth = readMethodAuth(stack, m, `${httpMethod} ${resourcePath}`);
    unsupported.push(...auth.notEmulated);
    const resourceId = isRoot(p.ResourceId)
      ? (api.attributes.RootResourceId ?? 'root')
      : (stack.find(String(p.ResourceId))?.physicalId ?? String(p.ResourceId));
    methods.set(`${httpMethod} ${resourcePath}`, {
      httpMethod,
      resourcePath,
      resourceId,
      apiKeyRequired: p.ApiKeyRequired === true || p.ApiKeyRequired === 'true',
      integration,
      functionArn,
      kind,
      auth,
    });
    addRoute(routes, resourcePath);
  }

  // Stage: the Stage resource of this API, or a Deployment's StageName.
  const stageResource = ofApi('AWS::ApiGateway::Stage')[0];
  const deployment = ofApi('AWS::ApiGateway::Deployment')[0];
  const stage = String(stageResource?.properties.StageName ?? deployment?.properties.StageName ?? 'local');
  const variables = stageResource?.properties.Variables as Record<string, unknown> | undefined;

  // API keys: a key is accepted when it is enabled and a usage plan of this API holds it.
  const apiKeys: Record<string, string> = {};
  const validKeys = new Map<string, { value: string; id: string }>();
  const plans = stack.byType('AWS::ApiGateway::UsagePlan').filter((plan) => {
    const stages = plan.properties.ApiStages as { ApiId?: unknown }[] | undefined;
    return !stages || stages.some((s) => refersTo(s.ApiId, api));
  });
  const planKeys = stack
    .byType('AWS::ApiGateway::UsagePlanKey')
    .filter((k) => plans.some((plan) => refersTo(k.properties.UsagePlanId, plan)));
  for (const key of stack.byType('AWS::ApiGateway::ApiKey')) {
    const p = key.properties;
    const value = typeof p.Value === 'string' && p.Value !== '' ? p.Value : (key.attributes.Value ?? generatedKey(stack, key)); // assembly/load.ts derives the local value
    apiKeys[String(p.Name ?? key.physicalId ?? key.logicalId)] = value;
    const enabled = p.Enabled !== false && p.Enabled !== 'false';
    const attached =
      planKeys.some((k) => refersTo(k.properties.KeyId, key)) ||
      ((p.StageKeys as { RestApiId?: unknown }[] | undefined) ?? []).some((s) => refersTo(s.RestApiId, api));
    if (enabled && attached) validKeys.set(value, { value, id: key.physicalId || key.logicalId });
  }

  const binaryMediaTypes = ((api.properties.BinaryMediaTypes as unknown[] | undefined) ?? []).map((t) => String(t).replaceAll('~1', '/'));
  return {
    api,
    stage,
    deploymentId: deployment?.physicalId ?? 'local',
    stageVariables: variables ? Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])) : null,
    binaryMediaTypes,
    methods,
    routes,
    validKeys,
    apiKeys,
    unsupported,
    apiKeySource: String(api.properties.ApiKeySourceType ?? 'HEADER').toUpperCase() === 'AUTHORIZER' ? 'AUTHORIZER' : 'HEADER',
  };
}

/** A key value that stays the same across restarts of the same stack, so clients can keep it. */
export function generatedKey(stack: LocalStack, key: StackResource): string {
  return createHash('sha256').update(`${stack.stackName}/${key.logicalId}`).digest('hex').slice(0, 40);
}
