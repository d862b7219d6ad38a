/**
 * Enforces a REST API method's authorization as API Gateway does: Cognito user pool
 * tokens, Lambda TOKEN / REQUEST authorizers (with the result cache), and a loud refusal
 * of anything not emulated (AWS_IAM, unknown types). Nothing is ever let through unchecked.
 *
 * The gateway calls `readMethodAuth` once per method at start-up and `authorize` once per
 * request, after routing and before the API key check and the integration.
 */
import type { LambdaInvoker, LocalStack } from '../../types';
import { ResultCache } from './cache';
import { CognitoVerifier, matchesWhole, type CognitoOptions } from './cognito';
import { headerOf, identityValues, invokeAuthorizer, requestEvent, tokenEvent } from './lambda';
import { evaluatePolicy, type AuthorizerResponse } from './policy';
import { readMethodAuth } from './read';
import {
  AUTHORIZER_CONFIGURATION_ERROR,
  EXPLICIT_DENY,
  IMPLICIT_DENY,
  MISSING_AUTH_TOKEN,
  UNAUTHORIZED,
  notEmulated,
  refusal,
  type AuthOutcome,
  type AuthRequest,
  type AuthorizerConfig,
  type MethodAuth,
} from './types';

export { readMethodAuth, readAuthorizer, methodArn, parseIdentitySources, userPoolIdOf, functionArnOf } from './read';
export { renderClaims, claimDate } from './cognito';
export { evaluatePolicy, parseAuthorizerResponse, glob } from './policy';
export * from './types';

export interface AuthorizersOptions extends Pick<CognitoOptions, 'fetchJwks' | 'clientIds' | 'verifiedTokens'> {
  readonly invoker: LambdaInvoker;
  /** The edge URL: a local user pool's issuer is `<issuerBase>/<poolId>`. */
  readonly issuerBase: string;
  /** When given, `notEmulated` lists what its methods ask for that is not enforced as on AWS. */
  readonly stack?: LocalStack;
  /** Clock (ms since the epoch) for token expiry, the result cache and `integrationLatency`; default `Date.now`. */
  readonly now?: () => number;
}

export class Authorizers {
  /** What the stack's methods ask for that the local cloud does not enforce as AWS does (start-up listing). */
  readonly notEmulated: readonly string[];
  private readonly cognito: CognitoVerifier;
  private readonly cache: ResultCache;
  private readonly now: () => number;

  constructor(private readonly options: AuthorizersOptions) {
    this.now = options.now ?? Date.now;
    this.cognito = new CognitoVerifier({
      issuerBase: options.issuerBase,
      ...(options.now ? { now: options.now } : {}),
      ...(options.fetchJwks ? { fetchJwks: options.fetchJwks } : {}),
      ...(options.clientIds ? { clientIds: options.clientIds } : {}),
      ...(options.verifiedTokens !== undefined ? { verifiedTokens: options.verifiedTokens } : {}),
    });
    this.cache = new ResultCache(this.now);
    const stack = options.stack;
    this.notEmulated = stack ? stack.byType('AWS::ApiGateway::Method').flatMap((m) => readMethodAuth(stack, m).notEmulated) : [];
  }

  /** Decides one request to `method`. Never throws: a failure inside is a 500 AUTHORIZER_CONFIGURATION_ERROR. */
  async authorize(method: MethodAuth, request: AuthRequest): Promise<AuthOutcome> {
    try {
      return await this.decide(method, request);
    } catch (error) {
      return refusal(AUTHORIZER_CONFIGURATION_ERROR, `${method.label}: the local authorizer failed: ${String(error)}`);
    }
  }

  /** Forgets every cached Lambda authorizer answer. */
  clearCache(): void {
    this.cache.clear();
  }

  private async decide(method: MethodAuth, request: AuthRequest): Promise<AuthOutcome> {
    if (method.refused) return refusal(method.refused.refusal, method.refused.note);
    switch (method.authorizationType) {
      case 'NONE':
        return { ok: true };
      case 'AWS_IAM': {
        const signed = headerOf(request, 'authorization') !== undefined || request.queryStringParameters?.['X-Amz-Signature'] !== undefined;
        return signed
          ? refusal(notEmulated('AWS_IAM authorization'), `${method.label}: AWS_IAM signatures are not verified locally`)
          : refusal(MISSING_AUTH_TOKEN, `${method.label}: AWS_IAM method called without a signature`);
      }
    }
    const authorizer = method.authorizer;
    if (!authorizer) return refusal(notEmulated(`Authorization type ${method.authorizationType}`), `${method.label}: no authorizer`);
    if (authorizer.type === 'COGNITO_USER_POOLS') {
      return this.cognito.authorize(method, authorizer, headerOf(request, authorizer.identitySources[0]!.name));
    }
    if (authorizer.type === 'TOKEN' || authorizer.type === 'REQUEST') return this.lambda(authorizer, request);
    return refusal(notEmulated(`Authorizer type ${authorizer.type}`), `${method.label}: authorizer type ${authorizer.type}`);
  }

  private async lambda(authorizer: AuthorizerConfig, request: AuthRequest): Promise<AuthOutcome> {
    const identity = identityValues(authorizer.identitySources, request);
    if ('missing' in identity) return refusal(UNAUTHORIZED, `identity source ${identity.missing} is missing or empty`);
    const token = authorizer.type === 'TOKEN' ? identity.values[0]! : undefined;
    if (token !== undefined && !matchesWhole(authorizer.identityValidationExpression, token)) {
      return refusal(UNAUTHORIZED, 'the token does not match IdentityValidationExpression');
    }

    const cacheable = authorizer.ttlSeconds > 0 && authorizer.identitySources.length > 0;
    const key = cacheable ? ResultCache.key(authorizer.id, identity.values) : undefined;
    const cached = key === undefined ? undefined : this.cache.get(key);
    if (cached) return this.decision(cached, request.methodArn, 0);

    const event = token !== undefined ? tokenEvent(token, request.methodArn) : requestEvent(request);
    const invocation = await invokeAuthorizer(this.options.invoker, authorizer.functionArn!, event, this.now);
    if (invocation.kind === 'unauthorized') return refusal(UNAUTHORIZED, invocation.reason);
    if (invocation.kind === 'error') return refusal(AUTHORIZER_CONFIGURATION_ERROR, invocation.reason);
    if (key !== undefined) this.cache.set(key, invocation.response, authorizer.ttlSeconds);
    return this.decision(invocation.response, request.methodArn, invocation.latencyMs);
  }

  private decision(response: AuthorizerResponse, methodArn: string, integrationLatency: number): AuthOutcome {
    const decision = evaluatePolicy(response.statements, methodArn);
    if (decision === 'explicit-deny') return refusal(EXPLICIT_DENY, `the policy denies ${methodArn}`);
    if (decision === 'implicit-deny') return refusal(IMPLICIT_DENY, `the policy allows nothing matching ${methodArn}`);
    const authorizer: Record<string, unknown> = {
      ...response.context,
      ...(response.principalId !== undefined ? { principalId: response.principalId } : {}),
      integrationLatency,
    };
    return {
      ok: true,
      authorizer,
      ...(response.principalId !== undefined ? { principalId: response.principalId } : {}),
      ...(response.usageIdentifierKey !== undefined ? { usageIdentifierKey: response.usageIdentifierKey } : {}),
    };
  }
}
