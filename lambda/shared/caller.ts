import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Caller, parseRouteAccess, type RouteAccess, routeAllows, type UserCaller } from '#domain/access';
import { USER_ID } from '#domain/users';
import { ForbiddenError, UnauthorizedError } from './access-errors';

/** The claims API Gateway's Cognito authorizer verified, as strings (`requestContext.authorizer.claims`). */
export type Claims = Readonly<Record<string, unknown>>;

/** The verified claims of the request's token, or undefined when no authorizer ran. */
export function claimsOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Claims | undefined {
  const claims = (event.requestContext?.authorizer as { claims?: unknown } | null | undefined)?.claims;
  return claims !== null && typeof claims === 'object' ? (claims as Claims) : undefined;
}

/**
 * A list claim as API Gateway passes it: REST APIs flatten token arrays into a
 * string (`admins`, `[admins, editors]`, `admins,editors`); an array or a JSON
 * array is taken as it is. Cognito group names and scopes contain no spaces.
 */
export function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // `[admins, editors]`: not JSON, split below.
    }
  }
  return text
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Who the claims identify:
 * - a user: an ID token (`token_use` id, with `cognito:username`), which is what
 *   customer and admin routes take (no scopes on their methods); the user id is
 *   the `sub` (a UUID), groups from `cognito:groups`;
 * - a machine client: an access token of the `client_credentials` grant, which
 *   has no username and whose `sub` is its `client_id`; scopes from `scope`.
 * Anything else (no sub, a sub that is not a UUID, a user's access token, an
 * unknown token use) is no caller.
 */
export function callerFromClaims(claims: Claims | undefined): Caller | undefined {
  if (!claims) return undefined;
  const sub = text(claims.sub);
  if (!sub) return undefined;
  const tokenUse = text(claims.token_use);
  if (tokenUse === 'id' && text(claims['cognito:username'])) {
    if (!USER_ID.test(sub)) return undefined;
    return { kind: 'user', userId: sub, groups: listClaim(claims['cognito:groups']) };
  }
  const clientId = text(claims.client_id);
  if (tokenUse === 'access' && !text(claims.username) && clientId && clientId === sub) {
    return { kind: 'machine', clientId, scopes: listClaim(claims.scope) };
  }
  return undefined;
}

/** The request's caller, or undefined when the token identifies no one we know. */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Caller | undefined {
  return callerFromClaims(claimsOf(event));
}

/**
 * Applies the route's access (from `ROUTE_ACCESS`, which the route table set) to
 * the request's caller: throws 401 without a caller, 403 for one the access
 * excludes (e.g. a non-admin on an admin route); returns the caller otherwise.
 */
export function authorize(
  event: Pick<APIGatewayProxyEvent, 'requestContext'>,
  access: RouteAccess = parseRouteAccess(process.env.ROUTE_ACCESS),
): Caller | undefined {
  const caller = callerOf(event);
  const decision = routeAllows(access, caller);
  if (!decision.allowed) {
    if (decision.reason === 'unauthenticated') throw new UnauthorizedError();
    throw new ForbiddenError(access === 'admin' ? 'Only admins may call this route' : 'This route is not for this kind of caller');
  }
  return caller;
}

/** `authorize` for routes only people call (customer, admin): the signed-in user. */
export function authorizeUser(
  event: Pick<APIGatewayProxyEvent, 'requestContext'>,
  access: RouteAccess = parseRouteAccess(process.env.ROUTE_ACCESS),
): UserCaller {
  const caller = authorize(event, access);
  if (caller?.kind !== 'user') throw new ForbiddenError('This route is for signed-in users');
  return caller;
}

/**
 * The caller as a prefix of what it owns (its Idempotency-Keys): `user:<sub>` or
 * `client:<client id>`; contains no character a key may contain first.
 */
export function callerScope(caller: Caller): string {
  return caller.kind === 'user' ? `user:${caller.userId}` : `client:${caller.clientId}`;
}
