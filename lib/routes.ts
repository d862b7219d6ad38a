/**
 * The route table: every route of the API and who may call it. It is the one
 * source of a route's access — `Api.route()` refuses a route that is not listed
 * here, the synth fails when a listed route is not served, and the construct
 * gives each function its route's access (`ROUTE_ACCESS`) so that the handler
 * applies the same rule the table states.
 *
 * - `customer`: any signed-in user (the ID token the storefront gets at sign-in;
 *   methods without scopes take ID tokens only, so no machine token passes);
 *   the handler checks ownership (lambda/domain/access.ts).
 * - `admin`: a signed-in user in the `admins` group. API Gateway's Cognito
 *   authorizer cannot check groups, so the handler checks `cognito:groups`.
 * - `machine`: an access token of a machine client (`client_credentials`) with
 *   the route's scope, plus that client's API key (its usage plan throttles it).
 * - `public`: no authorizer; only by being listed with a reason. None today, so
 *   no cdk-nag authorizer finding (APIG4, COG4) is acknowledged anywhere.
 *
 * `amplifies`: the route's one request fans out into many writes; such routes
 * get the stage's tighter method-level throttle (config `api.amplifying`) and a
 * tighter per-IP WAF rule. The text states the worst-case cost of one request.
 */

export type Access = 'customer' | 'admin' | 'machine' | 'public';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** The resource server of machine scopes: a scope `activity.write` is `commerce/activity.write` in tokens. */
export const RESOURCE_SERVER = 'commerce';

/** The Cognito group whose members may call `admin` routes. */
export const ADMINS_GROUP = 'admins';

interface RouteBase {
  readonly method: HttpMethod;
  /** `/users/{userId}`-style, as API Gateway's resource path. */
  readonly path: string;
  /** Worst-case cost of one request, when it fans out (then throttled tighter). */
  readonly amplifies?: string;
}

export type Route =
  | (RouteBase & { readonly access: 'customer' | 'admin' })
  /** `scopes`: of the `commerce` resource server, without its prefix (`activity.write`). */
  | (RouteBase & { readonly access: 'machine'; readonly scopes: readonly string[] })
  | (RouteBase & { readonly access: 'public'; readonly reason: string });

export const ROUTES: readonly Route[] = [
  // Users. Registration is Cognito's sign-up (the post-confirmation trigger stores the profile).
  { method: 'GET', path: '/users/me', access: 'customer' },
  { method: 'GET', path: '/users/{userId}', access: 'customer' }, // self or admin
  {
    method: 'POST',
    path: '/users/batch',
    access: 'admin',
    amplifies:
      '100 users: 1 key claim (with an Idempotency-Key) + 10 idempotency records (one per batch of ten) + 100 two-item transactions (user + email)',
  },
  { method: 'GET', path: '/users/{userId}/engagement', access: 'customer' }, // self or admin

  // Orders: the customer is the caller; others' orders answer as missing.
  { method: 'POST', path: '/orders', access: 'customer' },
  {
    method: 'POST',
    path: '/orders/batch',
    access: 'customer',
    amplifies:
      '200 orders (50 lines each at most): 1 key claim; 20 chunks of ten, each 1+ BatchGetItem of prices; 200 two-item transactions (key + order); 200 OrderPlaced from the table stream, each a saga (reserve, charge, notify)',
  },
  { method: 'GET', path: '/orders', access: 'customer' }, // the caller's, newest first, paginated
  { method: 'GET', path: '/orders/{orderId}', access: 'customer' }, // owner only

  // Inventory.
  { method: 'GET', path: '/inventory/{sku}', access: 'customer' },
  { method: 'PUT', path: '/inventory/{sku}', access: 'admin' },

  // Analytics.
  {
    method: 'POST',
    path: '/activity',
    access: 'customer', // the events are the caller's
    amplifies:
      '500 events: 1-2 PutRecords (Kinesis, 500 a call), 1 S3 object, 20 BatchWriteItem calls of 25 stats items, + the batch key claim and 2 ledger updates',
  },
  {
    method: 'POST',
    path: '/producers/activity',
    access: 'machine', // events for any user, from a trusted producer
    scopes: ['activity.write'],
    amplifies: '500 events: as POST /activity; throttled per client by its usage plan',
  },
];

/** `GET /users/{userId}`: how the table, errors and tests name a route. */
export const routeName = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** The listed route, or an error that says the route table is the place to add it. */
export function routeOf(method: string, path: string): Route {
  const found = ROUTES.find((r) => r.method === method && r.path === path);
  if (!found) {
    throw new Error(`${method} ${path} is not in the route table (lib/routes.ts): list it there with its access`);
  }
  return found;
}

/** Every scope a machine route asks for: the resource server must define each of them. */
export function machineScopes(routes: readonly Route[] = ROUTES): string[] {
  return [...new Set(routes.flatMap((r) => (r.access === 'machine' ? r.scopes : [])))].sort();
}
