import { ADMINS_GROUP } from '../../../lambda/domain/access';
import { ForbiddenError, UnauthorizedError } from '../../../lambda/shared/access-errors';
import { authorize, authorizeUser, callerFromClaims, callerOf, listClaim } from '../../../lambda/shared/caller';
import { apiEvent } from '../../support/api-event';

const SUB = '3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';

/** The claims of a storefront user's ID token, as API Gateway's Cognito authorizer passes them. */
const userIdClaims = (extra: Record<string, string> = {}) => ({
  sub: SUB,
  'cognito:username': SUB,
  token_use: 'id',
  aud: 'storefront-client',
  email: 'ada@example.com',
  email_verified: 'true',
  iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool',
  ...extra,
});
const machineClaims = { sub: 'producer-client', client_id: 'producer-client', token_use: 'access', scope: 'commerce/activity.write' };

const withClaims = (claims: unknown) => apiEvent({ requestContext: { requestId: 'r', stage: 'test', authorizer: { claims } } as never });

describe('list claims as REST APIs pass them', () => {
  it.each([
    ['admins', ['admins']],
    ['[admins]', ['admins']],
    ['[admins, editors]', ['admins', 'editors']],
    ['admins,editors', ['admins', 'editors']],
    ['["admins","editors"]', ['admins', 'editors']],
    ['commerce/activity.write commerce/other', ['commerce/activity.write', 'commerce/other']],
    ['', []],
  ])('%j -> %j', (value, list) => {
    expect(listClaim(value)).toEqual(list);
  });

  it('takes arrays as they are and ignores anything else', () => {
    expect(listClaim(['admins'])).toEqual(['admins']);
    expect(listClaim(undefined)).toEqual([]);
    expect(listClaim(42)).toEqual([]);
  });
});

describe('the caller from the claims', () => {
  it('a user ID token: the sub and the groups', () => {
    expect(callerFromClaims(userIdClaims({ 'cognito:groups': `[${ADMINS_GROUP}, editors]` }))).toEqual({
      kind: 'user',
      userId: SUB,
      groups: [ADMINS_GROUP, 'editors'],
    });
    expect(callerFromClaims(userIdClaims())).toEqual({ kind: 'user', userId: SUB, groups: [] });
  });

  it("a user's access token is no caller: customer and admin routes take ID tokens", () => {
    expect(
      callerFromClaims({ sub: SUB, username: SUB, token_use: 'access', scope: 'aws.cognito.signin.user.admin', client_id: 'storefront' }),
    ).toBeUndefined();
  });

  it('a client_credentials token: a machine client with its scopes', () => {
    expect(callerFromClaims(machineClaims)).toEqual({
      kind: 'machine',
      clientId: 'producer-client',
      scopes: ['commerce/activity.write'],
    });
  });

  it('no caller for missing or odd claims', () => {
    expect(callerFromClaims(undefined)).toBeUndefined();
    expect(callerFromClaims({})).toBeUndefined();
    expect(callerFromClaims(userIdClaims({ sub: 'not-a-uuid' }))).toBeUndefined();
    expect(callerFromClaims(userIdClaims({ 'cognito:username': '' }))).toBeUndefined();
    expect(callerFromClaims(userIdClaims({ token_use: 'refresh' }))).toBeUndefined();
    // A machine-looking token whose sub is not its client id is not a machine client.
    expect(callerFromClaims({ ...machineClaims, sub: 'someone-else' })).toBeUndefined();
    expect(callerFromClaims({ ...machineClaims, token_use: 'id' })).toBeUndefined();
  });

  it('reads requestContext.authorizer.claims of an API Gateway event', () => {
    expect(callerOf(withClaims(userIdClaims()))).toEqual({ kind: 'user', userId: SUB, groups: [] });
    expect(callerOf(apiEvent())).toBeUndefined();
    expect(callerOf(withClaims('nope'))).toBeUndefined();
  });
});

describe('authorize', () => {
  it('applies the route access: 401 without a caller, 403 for the wrong kind or a non-admin', () => {
    expect(() => authorize(apiEvent(), 'customer')).toThrow(UnauthorizedError);
    expect(() => authorize(withClaims(machineClaims), 'customer')).toThrow(ForbiddenError);
    expect(() => authorize(withClaims(userIdClaims()), 'admin')).toThrow('Only admins may call this route');
    expect(() => authorize(withClaims(userIdClaims()), 'machine')).toThrow(ForbiddenError);
    expect(authorize(withClaims(userIdClaims({ 'cognito:groups': 'admins' })), 'admin')).toMatchObject({ userId: SUB });
    expect(authorize(withClaims(machineClaims), 'machine')).toMatchObject({ kind: 'machine' });
    expect(authorize(apiEvent(), 'public')).toBeUndefined();
  });

  it('takes the access from ROUTE_ACCESS by default, and refuses to guess without it', () => {
    const before = process.env.ROUTE_ACCESS;
    try {
      process.env.ROUTE_ACCESS = 'admin';
      expect(() => authorizeUser(withClaims(userIdClaims()))).toThrow(ForbiddenError);
      process.env.ROUTE_ACCESS = 'customer';
      expect(authorizeUser(withClaims(userIdClaims()))).toEqual({ kind: 'user', userId: SUB, groups: [] });
      delete process.env.ROUTE_ACCESS;
      expect(() => authorizeUser(withClaims(userIdClaims()))).toThrow(/ROUTE_ACCESS/);
    } finally {
      if (before === undefined) delete process.env.ROUTE_ACCESS;
      else process.env.ROUTE_ACCESS = before;
    }
  });

  it('maps to 401 and 403 bodies', () => {
    expect(new UnauthorizedError()).toMatchObject({ status: 401, code: 'Unauthorized' });
    expect(new ForbiddenError()).toMatchObject({ status: 403, code: 'Forbidden' });
  });
});
