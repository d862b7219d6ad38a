/**
 * The local Cognito's shapes: what a pool holds (users, groups, refresh
 * sessions), the service options, and the pure helpers the operations share
 * (wire shapes, pagination, ListUsers filters, which calls are unsigned Cognito
 * calls or preflights).
 */
import type { AttributeType } from '@aws-sdk/client-cognito-identity-provider';
import type { EdgeRequest, LambdaInvoker, LocalStack } from '../types';
import type { ClientConfig, GroupConfig, PoolConfig } from './config';
import { invalidParameter } from './errors';

export const COGNITO_TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

export interface CognitoServiceOptions {
  /** Pools, clients and groups of the template. */
  readonly stack?: LocalStack;
  /** Runs the pools' Lambda triggers (`LambdaConfig`). Without one, a pool with triggers fails the calls that fire them. */
  readonly invoker?: LambdaInvoker;
  /** Base URL of the tokens' issuer: the edge URL. `iss` is `<issuerBase>/<poolId>`, the JWKS `<issuer>/.well-known/jwks.json`. */
  readonly issuerBase: string;
  /** When given, keys and pool state persist under `<dataDir>/cognito/` (restarts keep users and verify old tokens). */
  readonly dataDir?: string;
  /** Where code deliveries and trigger failures are logged (default console.log). */
  readonly log?: (line: string) => void;
  /** The clock (ms since epoch); tests may move it forward to expire tokens and codes. */
  readonly now?: () => number;
}

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';

export interface Code {
  readonly code: string;
  readonly expiresAt: number;
}

export interface User {
  readonly username: string;
  attributes: Record<string, string>;
  passwordHash?: string;
  srp?: { readonly salt: string; readonly verifier: string };
  status: UserStatus;
  enabled: boolean;
  readonly created: number;
  modified: number;
  groups: string[];
  temporaryPasswordExpiresAt?: number;
  confirmationCode?: Code;
  resetCode?: Code;
}

export interface Group extends GroupConfig {
  readonly created: number;
  modified: number;
}

export interface RefreshSession {
  readonly clientId: string;
  readonly username: string;
  readonly originJti: string;
  readonly authTime: number;
  readonly expiresAt: number;
}

export interface PoolState {
  readonly config: PoolConfig;
  readonly clients: Map<string, ClientConfig>;
  readonly users: Map<string, User>;
  readonly groups: Map<string, Group>;
  readonly refreshTokens: Map<string, RefreshSession>;
  readonly revokedOrigins: Set<string>;
}

export interface ChallengeSession {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly challenge: 'NEW_PASSWORD_REQUIRED';
  readonly expiresAt: number;
}

/** What a code delivery sent, kept for tests and the CLI (a real pool would email or text it). */
export interface DeliveredMessage {
  readonly poolId: string;
  readonly username: string;
  readonly kind: 'SignUp' | 'ResendCode' | 'ForgotPassword' | 'AdminCreateUser';
  readonly destination: string;
  readonly medium: 'EMAIL' | 'SMS';
  /** The confirmation code, or the temporary password of AdminCreateUser. */
  readonly code: string;
}

export type TokenSource = 'Authentication' | 'RefreshTokens' | 'NewPasswordChallenge';

/** Operations that AWS serves without SigV4 (authenticated by client id, tokens or codes). */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'SignUp',
  'ConfirmSignUp',
  'ResendConfirmationCode',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'InitiateAuth',
  'RespondToAuthChallenge',
  'GetUser',
  'GlobalSignOut',
  'RevokeToken',
  'ChangePassword',
]);

export const CODE_MS = 24 * 3600_000;
export const SESSION_MS = 3 * 60_000;
export const SCOPE = 'aws.cognito.signin.user.admin';

export const seconds = (ms: number) => Math.floor(ms / 1000);
export const epoch = (ms: number) => ms / 1000;

// ---------------------------------------------------------------- helpers

export const WELL_KNOWN = /^\/(?:.*\/)?([^/]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;
export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const RESERVED_CLAIMS = new Set([
  'acr',
  'amr',
  'aud',
  'at_hash',
  'auth_time',
  'azp',
  'client_id',
  'cognito:username',
  'exp',
  'iat',
  'identities',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'origin_jti',
  'sub',
  'token_use',
  'event_id',
  'scope',
  'username',
]);

export function withoutReserved(claims: unknown): Record<string, unknown> {
  if (claims === null || typeof claims !== 'object') return {};
  return Object.fromEntries(Object.entries(claims as Record<string, unknown>).filter(([name]) => !RESERVED_CLAIMS.has(name)));
}

export function isSigned(request: Pick<EdgeRequest, 'url' | 'headers'>): boolean {
  return request.headers.authorization !== undefined || request.url.includes('X-Amz-Credential=');
}

/**
 * An unsigned AWS JSON call to Cognito (`X-Amz-Target:
 * AWSCognitoIdentityProviderService.*`, no SigV4): SignUp, InitiateAuth,
 * GetUser... arrive this way from browsers and amplify. The edge must route
 * these to `cognito-idp` (it sends unsigned calls it cannot place to S3).
 */
export function isUnsignedCognitoCall(request: Pick<EdgeRequest, 'method' | 'url' | 'headers'>): boolean {
  if (isSigned(request)) return false;
  return headerValue(request.headers['x-amz-target'])?.startsWith(COGNITO_TARGET_PREFIX) === true;
}

/** A browser's CORS preflight for a Cognito call (OPTIONS that asks to send `x-amz-target`, to the root path). */
export function isCognitoPreflight(request: Pick<EdgeRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'OPTIONS' || new URL(request.url, 'http://edge').pathname !== '/') return false;
  const asked = headerValue(request.headers['access-control-request-headers'])?.toLowerCase() ?? '';
  return asked.split(',').some((h) => h.trim() === 'x-amz-target');
}

export function required(value: string | undefined, member: string): string {
  if (value === undefined || value === null || value === '') {
    throw invalidParameter(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function toRecord(attributes: AttributeType[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributes ?? []) if (a.Name) out[a.Name] = a.Value ?? '';
  return out;
}

export function mask(destination: string, attribute: string): string {
  if (attribute === 'phone_number') return `+*******${destination.slice(-4)}`;
  const [local, domain = ''] = destination.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

export function groupWire(g: Group): object {
  return {
    GroupName: g.name,
    UserPoolId: g.poolId,
    ...(g.description !== undefined ? { Description: g.description } : {}),
    ...(g.roleArn !== undefined ? { RoleArn: g.roleArn } : {}),
    ...(g.precedence !== undefined ? { Precedence: g.precedence } : {}),
    LastModifiedDate: epoch(g.modified),
    CreationDate: epoch(g.created),
  };
}

export function paginate<T>(items: T[], limit: number | undefined, token: string | undefined, max: number): { items: T[]; next?: string } {
  const size = Math.min(limit && limit > 0 ? limit : max, max);
  let start = 0;
  if (token) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid pagination token.');
  }
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return end < items.length ? { items: page, next: Buffer.from(String(end)).toString('base64url') } : { items: page };
}

/** ListUsers' Filter: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix); none matches all. */
export function parseFilter(filter: string | undefined): (user: User) => boolean {
  if (!filter || filter.trim() === '') return () => true;
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw invalidParameter('Error while parsing filter.');
  const [, attribute, operator, raw] = m;
  const value = raw.replace(/\\(.)/g, '$1');
  const read = (u: User): string | undefined => {
    switch (attribute) {
      case 'username':
        return u.username;
      case 'cognito:user_status':
        return u.status;
      case 'status':
        return u.enabled ? 'Enabled' : 'Disabled';
      default:
        return u.attributes[attribute];
    }
  };
  return (u) => {
    const actual = read(u);
    if (actual === undefined) return false;
    return operator === '=' ? actual === value : actual.startsWith(value);
  };
}

/** The first value of a header as Node gives it. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
