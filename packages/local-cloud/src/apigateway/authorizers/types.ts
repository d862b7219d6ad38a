/**
 * The authorizer engine's contract with the REST API gateway: what it reads from the
 * template (`MethodAuth`, `AuthorizerConfig`), what a request must tell it (`AuthRequest`)
 * and what it answers (`AuthOutcome`), plus API Gateway's own answers byte for byte.
 */

/** Where an authorizer reads one identity value from (`IdentitySource` of the template). */
export interface IdentitySource {
  /** The mapping expression as written, e.g. `method.request.header.Authorization`. */
  readonly expression: string;
  readonly kind: 'header' | 'multivalueheader' | 'querystring' | 'multivaluequerystring' | 'stageVariable' | 'context';
  /** Header, query parameter, stage variable or context variable name (`identity.sourceIp`). */
  readonly name: string;
}

/** An `AWS::ApiGateway::Authorizer` of the template, as the engine uses it. */
export interface AuthorizerConfig {
  readonly logicalId: string;
  /** Physical id: what a method's `AuthorizerId` resolves to. */
  readonly id: string;
  readonly name: string;
  /** `COGNITO_USER_POOLS`, `TOKEN` or `REQUEST` (anything else is refused). */
  readonly type: string;
  readonly identitySources: readonly IdentitySource[];
  /** TOKEN: a regular expression the whole token must match; COGNITO_USER_POOLS: matched against `aud`. */
  readonly identityValidationExpression?: string;
  /** `AuthorizerResultTtlInSeconds`: default 300, 0 disables the cache, at most 3600. */
  readonly ttlSeconds: number;
  /** COGNITO_USER_POOLS: the user pool ids named by `ProviderARNs`. */
  readonly userPoolIds: readonly string[];
  /** TOKEN / REQUEST: the function ARN inside `AuthorizerUri`. */
  readonly functionArn?: string;
}

/** What one `AWS::ApiGateway::Method` asks for, read once at start-up by `readMethodAuth`. */
export interface MethodAuth {
  /** For messages: `GET /users` or the method's logical id. */
  readonly label: string;
  /** `NONE`, `COGNITO_USER_POOLS`, `CUSTOM`, `AWS_IAM` (upper-cased as read). */
  readonly authorizationType: string;
  readonly authorizationScopes: readonly string[];
  readonly authorizer?: AuthorizerConfig;
  /**
   * Set when this method cannot be enforced locally. Such a method is never let through:
   * `authorize` answers every request with `refusal`.
   */
  readonly refused?: { readonly note: string; readonly refusal: GatewayError };
  /** Lines for the start-up listing of what is not emulated (empty when all is enforced). */
  readonly notEmulated: readonly string[];
}

type StringMap = Readonly<Record<string, string>>;
type MultiMap = Readonly<Record<string, readonly string[]>>;

/**
 * One request, as the gateway already has it for the Lambda proxy event (same field
 * names and values as the proxy event, without `body`).
 */
export interface AuthRequest {
  /** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<request path without leading slash>` (see `methodArn`). */
  readonly methodArn: string;
  /** Resource path template, e.g. `/users/{id}`. */
  readonly resource: string;
  /** Request path, e.g. `/users/42`. */
  readonly path: string;
  readonly httpMethod: string;
  /** Client casing; looked up case-insensitively. */
  readonly headers: StringMap;
  readonly multiValueHeaders?: MultiMap | null;
  readonly queryStringParameters?: StringMap | null;
  readonly multiValueQueryStringParameters?: MultiMap | null;
  readonly pathParameters?: StringMap | null;
  readonly stageVariables?: StringMap | null;
  /** The proxy event's `requestContext` (without `authorizer`): REQUEST authorizers receive it, `context.X` sources read it. */
  readonly requestContext: Readonly<Record<string, unknown>>;
}

/** An answer API Gateway itself sends (a gateway response). */
export interface GatewayError {
  readonly status: number;
  readonly body: string;
  /** Value of `x-amzn-ErrorType`. */
  readonly errorType: string;
}

export type AuthOutcome =
  | {
      readonly ok: true;
      /** Put it in the proxy event as `requestContext.authorizer`; absent for `NONE`. */
      readonly authorizer?: Record<string, unknown>;
      readonly principalId?: string;
      /** A Lambda authorizer's `usageIdentifierKey` (the API key when `ApiKeySourceType` is `AUTHORIZER`). */
      readonly usageIdentifierKey?: string;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly body: string;
      /** Headers of the answer (`Content-Type`, `x-amzn-ErrorType`); the gateway adds its request ids. */
      readonly headers: Readonly<Record<string, string>>;
      readonly errorType: string;
      /** Why, for the gateway's log line (never sent to the client). */
      readonly reason: string;
    };

// API Gateway's default gateway responses for authorization, byte for byte.
/** UNAUTHORIZED: no token / identity source, a token that does not verify, a Lambda authorizer failing with "Unauthorized". */
export const UNAUTHORIZED: GatewayError = { status: 401, body: '{"message":"Unauthorized"}', errorType: 'UnauthorizedException' };
/** A Cognito user pool token past its `exp`. */
export const TOKEN_EXPIRED: GatewayError = {
  status: 401,
  body: '{"message":"The incoming token has expired"}',
  errorType: 'UnauthorizedException',
};
/** ACCESS_DENIED from a Lambda authorizer's policy: a matching Deny (note the capital `Message`). */
export const EXPLICIT_DENY: GatewayError = {
  status: 403,
  body: '{"Message":"User is not authorized to access this resource with an explicit deny"}',
  errorType: 'AccessDeniedException',
};
/** ACCESS_DENIED: the policy has no Allow matching this method ARN. */
export const IMPLICIT_DENY: GatewayError = {
  status: 403,
  body: '{"Message":"User is not authorized to access this resource"}',
  errorType: 'AccessDeniedException',
};
/** AUTHORIZER_CONFIGURATION_ERROR: the authorizer failed, answered something invalid, or cannot be called. */
export const AUTHORIZER_CONFIGURATION_ERROR: GatewayError = {
  status: 500,
  body: '{"message":null}',
  errorType: 'AuthorizerConfigurationException',
};
/** MISSING_AUTHENTICATION_TOKEN: an AWS_IAM method called without a SigV4 signature. */
export const MISSING_AUTH_TOKEN: GatewayError = {
  status: 403,
  body: '{"message":"Missing Authentication Token"}',
  errorType: 'MissingAuthenticationTokenException',
};

/** Not AWS: what the local cloud answers for authorization it does not emulate (never let through). */
export function notEmulated(what: string): GatewayError {
  return {
    status: 501,
    body: JSON.stringify({ message: `${what} is not emulated by the local cloud: the request is refused` }),
    errorType: 'NotImplementedException',
  };
}

export function refusal(error: GatewayError, reason: string): Extract<AuthOutcome, { ok: false }> {
  return {
    ok: false,
    status: error.status,
    body: error.body,
    errorType: error.errorType,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': error.errorType },
    reason,
  };
}
