import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** A minimal API Gateway proxy event, as the REST API sends it. */
export function apiEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/users',
    resource: '/users',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', stage: 'test' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

export const lambdaContext = {
  awsRequestId: 'aws-req-1',
  functionName: 'test-function',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
  memoryLimitInMB: '128',
  logGroupName: '/aws/lambda/test-function',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/**
 * The claims API Gateway's Cognito authorizer passes for a signed-in user: an
 * ID token's (customer and admin routes take ID tokens), groups flattened into
 * a string as REST APIs do.
 */
export function userClaims(sub: string, groups: readonly string[] = []): Record<string, string> {
  return {
    sub,
    'cognito:username': sub,
    token_use: 'id',
    aud: 'storefront-client',
    email_verified: 'true',
    ...(groups.length > 0 ? { 'cognito:groups': `[${groups.join(', ')}]` } : {}),
  };
}

/** The claims of a machine client's access token (`client_credentials`). */
export function machineClaims(clientId: string, scopes: readonly string[] = ['commerce/activity.write']): Record<string, string> {
  return { sub: clientId, client_id: clientId, token_use: 'access', scope: scopes.join(' ') };
}

/** The `requestContext` of a request whose token carried `claims`. */
export function authorizedContext(claims: Record<string, string>): APIGatewayProxyEvent['requestContext'] {
  return { requestId: 'req-1', stage: 'test', authorizer: { claims } } as unknown as APIGatewayProxyEvent['requestContext'];
}
