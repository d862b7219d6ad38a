/**
 * Who may do what: pure rules over the caller a token identified (see
 * lambda/shared/caller.ts for how claims become a Caller). The route table
 * (lib/routes.ts) gives each route one access; the construct passes it to the
 * function as `ROUTE_ACCESS`, and `routeAllows` applies it. Ownership (whose
 * user, whose order) is decided here too, so every handler answers alike.
 */

/** Must match ADMINS_GROUP in lib/routes.ts (an infra test compares them; lib/ never imports lambda/). */
export const ADMINS_GROUP = 'admins';

export const ROUTE_ACCESSES = ['customer', 'admin', 'machine', 'public'] as const;
export type RouteAccess = (typeof ROUTE_ACCESSES)[number];

/** A signed-in person (a user access token): their `sub` and Cognito groups. */
export interface UserCaller {
  readonly kind: 'user';
  readonly userId: string;
  readonly groups: readonly string[];
}

/** A machine client (a `client_credentials` access token): its client id and granted scopes. */
export interface MachineCaller {
  readonly kind: 'machine';
  readonly clientId: string;
  readonly scopes: readonly string[];
}

export type Caller = UserCaller | MachineCaller;

/**
 * What a route's access says about a caller: `unauthenticated` (401) when there
 * is no usable identity, `forbidden` (403) when the identity may not call it.
 */
export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: 'unauthenticated' | 'forbidden' };

const ALLOWED: Decision = { allowed: true };
const UNAUTHENTICATED: Decision = { allowed: false, reason: 'unauthenticated' };
const FORBIDDEN: Decision = { allowed: false, reason: 'forbidden' };

export function isAdmin(caller: Caller | undefined): boolean {
  return caller?.kind === 'user' && caller.groups.includes(ADMINS_GROUP);
}

/** The route-level rule: who may call a route of this access at all (ownership comes after). */
export function routeAllows(access: RouteAccess, caller: Caller | undefined): Decision {
  if (access === 'public') return ALLOWED;
  if (!caller) return UNAUTHENTICATED;
  switch (access) {
    case 'customer':
      return caller.kind === 'user' ? ALLOWED : FORBIDDEN;
    case 'admin':
      return isAdmin(caller) ? ALLOWED : FORBIDDEN;
    case 'machine':
      return caller.kind === 'machine' ? ALLOWED : FORBIDDEN;
  }
}

/** A user's profile and engagement: the user themself or an admin. */
export function mayReadUser(caller: Caller | undefined, userId: string): boolean {
  return (caller?.kind === 'user' && caller.userId === userId) || isAdmin(caller);
}

/**
 * An order: its customer only. Anyone else is told the same as for a missing
 * order (404), so order ids cannot be probed.
 */
export function mayReadOrder(caller: Caller | undefined, order: { readonly customerId: string }): boolean {
  return caller?.kind === 'user' && caller.userId === order.customerId;
}

/**
 * Acting as `userId` (placing an order for a customer, posting a user's
 * activity): a user only as themself; a machine client (its route already
 * required its scope) for anyone.
 */
export function mayActFor(caller: Caller | undefined, userId: string): boolean {
  if (!caller) return false;
  return caller.kind === 'machine' || caller.userId === userId;
}

/** Reads `ROUTE_ACCESS`; a missing or unknown value is a deployment error, never a silent default. */
export function parseRouteAccess(value: string | undefined): RouteAccess {
  if (!ROUTE_ACCESSES.includes(value as RouteAccess)) {
    throw new Error(`ROUTE_ACCESS must be one of ${ROUTE_ACCESSES.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as RouteAccess;
}
