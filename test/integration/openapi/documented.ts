/**
 * Helpers of the documented-answers tests: call a handler as API Gateway
 * would (a signed-in caller, the route's access), and check that a body is
 * what a response schema of docs/openapi.json documents.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod/mini';
import { apiEvent, authorizedContext, lambdaContext, userClaims } from '../../support/api-event';

export type Handler = (event: APIGatewayProxyEvent, context: typeof lambdaContext) => Promise<APIGatewayProxyResult>;

/** The handler's answer to `event` from user `sub` (an admin with `admin` access), its body parsed. */
export async function callAs(
  handler: Handler,
  sub: string,
  access: 'customer' | 'admin',
  event: Partial<APIGatewayProxyEvent>,
): Promise<{ status: number; body: unknown }> {
  process.env.ROUTE_ACCESS = access;
  const claims = access === 'admin' ? userClaims(sub, ['admins']) : userClaims(sub);
  const result = await handler(apiEvent({ ...event, requestContext: authorizedContext(claims) }), lambdaContext);
  return { status: result.statusCode, body: JSON.parse(result.body) as unknown };
}

/** The body is what the schema documents: accepted, and no field is lost by parsing (none undocumented). */
export function expectDocumented(schema: z.ZodMiniType, body: unknown): void {
  const parsed = schema.safeParse(body);
  expect(parsed.success ? 'documented' : parsed.error.issues).toBe('documented');
  expect(JSON.parse(JSON.stringify(parsed.data))).toEqual(body);
}
