/**
 * Reads a method's authorization from the template (pure: no I/O, called once per
 * method at start-up). Whatever cannot be enforced is marked `refused`, never let through.
 */
import type { LocalStack, StackResource } from '../../types';
import {
  AUTHORIZER_CONFIGURATION_ERROR,
  notEmulated,
  type AuthorizerConfig,
  type GatewayError,
  type IdentitySource,
  type MethodAuth,
} from './types';

const DEFAULT_TTL_SECONDS = 300;
const MAX_TTL_SECONDS = 3600;

/**
 * What `methodResource` (an `AWS::ApiGateway::Method`) asks for: its authorization type,
 * scopes and authorizer. `label` names the method in notes (e.g. `GET /users`).
 */
export function readMethodAuth(stack: LocalStack, methodResource: StackResource, label = methodResource.logicalId): MethodAuth {
  const p = methodResource.properties;
  const authorizationType = String(p.AuthorizationType ?? 'NONE').toUpperCase();
  const authorizationScopes = Array.isArray(p.AuthorizationScopes) ? p.AuthorizationScopes.map(String) : [];
  const refuse = (note: string, error: GatewayError): MethodAuth => ({
    label,
    authorizationType,
    authorizationScopes,
    refused: { note, refusal: error },
    notEmulated: [`${label}: ${note} (every request is refused with ${error.status})`],
  });

  if (authorizationType === 'NONE') return { label, authorizationType, authorizationScopes, notEmulated: [] };
  if (authorizationType === 'AWS_IAM') {
    return {
      label,
      authorizationType,
      authorizationScopes,
      notEmulated: [
        `${label}: AWS_IAM authorization is not emulated (unsigned requests get 403 Missing Authentication Token, signed ones 501)`,
      ],
    };
  }
  if (authorizationType !== 'COGNITO_USER_POOLS' && authorizationType !== 'CUSTOM') {
    return refuse(`authorization type ${authorizationType} is not emulated`, notEmulated(`Authorization type ${authorizationType}`));
  }

  const ref = p.AuthorizerId;
  const resource = typeof ref === 'string' ? stack.find(ref) : undefined;
  if (!resource || resource.type !== 'AWS::ApiGateway::Authorizer') {
    return refuse(
      `${authorizationType} authorization names no AWS::ApiGateway::Authorizer of the stack (AuthorizerId ${JSON.stringify(ref)})`,
      AUTHORIZER_CONFIGURATION_ERROR,
    );
  }
  const read = readAuthorizer(resource);
  if ('problem' in read) return refuse(read.problem, read.error);
  const authorizer = read.config;
  const cognito = authorizer.type === 'COGNITO_USER_POOLS';
  if (cognito !== (authorizationType === 'COGNITO_USER_POOLS')) {
    return refuse(
      `authorization type ${authorizationType} with a ${authorizer.type} authorizer (${authorizer.logicalId})`,
      AUTHORIZER_CONFIGURATION_ERROR,
    );
  }
  const notes: string[] = [];
  if (!cognito && authorizationScopes.length > 0)
    notes.push(`${label}: AuthorizationScopes are ignored with a Lambda authorizer (as on AWS)`);
  return { label, authorizationType, authorizationScopes, authorizer, notEmulated: notes };
}

type ReadAuthorizer = { config: AuthorizerConfig } | { problem: string; error: GatewayError };

/** An `AWS::ApiGateway::Authorizer` resource as the engine uses it, or why it cannot be. */
export function readAuthorizer(resource: StackResource): ReadAuthorizer {
  const p = resource.properties;
  const type = String(p.Type ?? '').toUpperCase();
  const id = resource.attributes.AuthorizerId ?? resource.physicalId;
  const ttlRaw = p.AuthorizerResultTtlInSeconds;
  const ttl = ttlRaw === undefined || ttlRaw === null || ttlRaw === '' ? DEFAULT_TTL_SECONDS : Number(ttlRaw);
  const sources = parseIdentitySources(p.IdentitySource);
  if ('problem' in sources)
    return { problem: `authorizer ${resource.logicalId}: ${sources.problem}`, error: AUTHORIZER_CONFIGURATION_ERROR };
  const base = {
    logicalId: resource.logicalId,
    id,
    name: String(p.Name ?? resource.logicalId),
    type,
    identitySources: sources.sources,
    ...(typeof p.IdentityValidationExpression === 'string' && p.IdentityValidationExpression !== ''
      ? { identityValidationExpression: p.IdentityValidationExpression }
      : {}),
    ttlSeconds: Number.isFinite(ttl) ? Math.min(Math.max(0, Math.floor(ttl)), MAX_TTL_SECONDS) : DEFAULT_TTL_SECONDS,
  };
  const problem = (text: string): ReadAuthorizer => ({
    problem: `authorizer ${resource.logicalId}: ${text}`,
    error: AUTHORIZER_CONFIGURATION_ERROR,
  });

  if (base.identityValidationExpression !== undefined) {
    try {
      new RegExp(base.identityValidationExpression);
    } catch {
      return problem(
        `IdentityValidationExpression ${JSON.stringify(base.identityValidationExpression)} is not a regular expression JavaScript reads`,
      );
    }
  }
  if (type === 'COGNITO_USER_POOLS') {
    const arns = Array.isArray(p.ProviderARNs) ? p.ProviderARNs.map(String) : [];
    const userPoolIds = arns.map(userPoolIdOf).filter((x): x is string => x !== undefined);
    if (userPoolIds.length === 0 || userPoolIds.length !== arns.length)
      return problem(`ProviderARNs ${JSON.stringify(p.ProviderARNs)} do not all name user pools`);
    if (base.identitySources.length !== 1 || base.identitySources[0]!.kind !== 'header')
      return problem('IdentitySource must be one method.request.header.X');
    return { config: { ...base, userPoolIds } };
  }
  if (type === 'TOKEN' || type === 'REQUEST') {
    const functionArn = functionArnOf(p.AuthorizerUri);
    if (!functionArn) return problem(`AuthorizerUri ${JSON.stringify(p.AuthorizerUri)} is not a Lambda function invocation URI`);
    if (type === 'TOKEN' && (base.identitySources.length !== 1 || base.identitySources[0]!.kind !== 'header')) {
      return problem('a TOKEN authorizer needs IdentitySource method.request.header.X');
    }
    if (type === 'REQUEST' && base.identitySources.length === 0 && base.ttlSeconds > 0) {
      return problem('a REQUEST authorizer with caching needs an IdentitySource');
    }
    return { config: { ...base, userPoolIds: [], functionArn } };
  }
  return {
    problem: `authorizer ${resource.logicalId}: authorizer type ${type || '(none)'} is not emulated`,
    error: notEmulated(`Authorizer type ${type || '(none)'}`),
  };
}

const SOURCE_PREFIXES: readonly [string, IdentitySource['kind']][] = [
  ['method.request.header.', 'header'],
  ['method.request.multivalueheader.', 'multivalueheader'],
  ['method.request.querystring.', 'querystring'],
  ['method.request.multivaluequerystring.', 'multivaluequerystring'],
  ['stageVariables.', 'stageVariable'],
  ['context.', 'context'],
];

/** `method.request.header.Auth, method.request.querystring.Name` → the sources, in order. */
export function parseIdentitySources(value: unknown): { sources: IdentitySource[] } | { problem: string } {
  if (value === undefined || value === null || value === '') return { sources: [] };
  if (typeof value !== 'string') return { problem: `IdentitySource ${JSON.stringify(value)} is not a string` };
  const sources: IdentitySource[] = [];
  for (const raw of value.split(',')) {
    const expression = raw.trim();
    if (expression === '') continue;
    const prefix = SOURCE_PREFIXES.find(([p]) => expression.startsWith(p) && expression.length > p.length);
    if (!prefix) return { problem: `identity source ${JSON.stringify(expression)} is not a mapping expression the local cloud reads` };
    sources.push({ expression, kind: prefix[1], name: expression.slice(prefix[0].length) });
  }
  return { sources };
}

/** `arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>` → `<poolId>`. */
export function userPoolIdOf(arn: string): string | undefined {
  const match = /^arn:[^:]+:cognito[^:]*:[^:]*:[^:]*:userpool\/([^/]+)$/.exec(arn);
  return match?.[1];
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations` → the function ARN. */
export function functionArnOf(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  return /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri)?.[1];
}

/**
 * The method ARN API Gateway gives authorizers and matches policies against:
 * `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>` with the
 * request's own path (`/users/42`, not `/users/{id}`); the root is `.../GET/`.
 */
export function methodArn(parts: {
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
  httpMethod: string;
  path: string;
}): string {
  const path = parts.path.startsWith('/') ? parts.path.slice(1) : parts.path;
  return `arn:aws:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/${parts.httpMethod.toUpperCase()}/${path}`;
}
