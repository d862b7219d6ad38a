import {
  ADMINS_GROUP,
  type Caller,
  isAdmin,
  mayActFor,
  mayReadOrder,
  mayReadUser,
  parseRouteAccess,
  routeAllows,
} from '../../../lambda/domain/access';

const ADA = '3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b';
const BOB = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const ada: Caller = { kind: 'user', userId: ADA, groups: [] };
const admin: Caller = { kind: 'user', userId: BOB, groups: ['editors', ADMINS_GROUP] };
const producer: Caller = { kind: 'machine', clientId: 'client-1', scopes: ['commerce/activity.write'] };

describe('route access', () => {
  it.each([
    ['customer', ada, { allowed: true }],
    ['customer', admin, { allowed: true }],
    ['customer', producer, { allowed: false, reason: 'forbidden' }],
    ['customer', undefined, { allowed: false, reason: 'unauthenticated' }],
    ['admin', admin, { allowed: true }],
    ['admin', ada, { allowed: false, reason: 'forbidden' }],
    ['admin', producer, { allowed: false, reason: 'forbidden' }],
    ['admin', undefined, { allowed: false, reason: 'unauthenticated' }],
    ['machine', producer, { allowed: true }],
    ['machine', ada, { allowed: false, reason: 'forbidden' }],
    ['machine', admin, { allowed: false, reason: 'forbidden' }],
    ['public', undefined, { allowed: true }],
  ] as const)('%s route, caller %o: %o', (access, caller, decision) => {
    expect(routeAllows(access, caller)).toEqual(decision);
  });

  it('reads ROUTE_ACCESS strictly', () => {
    expect(parseRouteAccess('admin')).toBe('admin');
    expect(() => parseRouteAccess(undefined)).toThrow(/ROUTE_ACCESS must be one of/);
    expect(() => parseRouteAccess('Admin')).toThrow(/got "Admin"/);
  });
});

describe('ownership', () => {
  it('admins are the members of the admins group, and only people', () => {
    expect(isAdmin(admin)).toBe(true);
    expect(isAdmin(ada)).toBe(false);
    expect(isAdmin({ kind: 'machine', clientId: 'admins', scopes: ['admins'] })).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });

  it('a user is readable by themself and by admins', () => {
    expect(mayReadUser(ada, ADA)).toBe(true);
    expect(mayReadUser(ada, BOB)).toBe(false);
    expect(mayReadUser(admin, ADA)).toBe(true);
    expect(mayReadUser(producer, ADA)).toBe(false);
    expect(mayReadUser(undefined, ADA)).toBe(false);
  });

  it('an order is readable by its customer only', () => {
    expect(mayReadOrder(ada, { customerId: ADA })).toBe(true);
    expect(mayReadOrder(ada, { customerId: BOB })).toBe(false);
    expect(mayReadOrder(admin, { customerId: ADA })).toBe(false);
    expect(mayReadOrder(producer, { customerId: ADA })).toBe(false);
  });

  it('a user acts only as themself; a machine client (scoped by its route) for anyone', () => {
    expect(mayActFor(ada, ADA)).toBe(true);
    expect(mayActFor(ada, BOB)).toBe(false);
    expect(mayActFor(admin, ADA)).toBe(false);
    expect(mayActFor(producer, ADA)).toBe(true);
    expect(mayActFor(undefined, ADA)).toBe(false);
  });
});
