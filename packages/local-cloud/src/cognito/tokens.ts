/**
 * Tokens of the local Cognito: id and access tokens (RS256, Cognito's claims,
 * PreTokenGeneration), the access tokens of the OAuth2 client_credentials
 * grant, and reading an access token back (GetUser, GlobalSignOut).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type ClientConfig } from './config';
import { invalidParameter, notAuthorized, userNotFound } from './errors';
import { signJwt, verifyJwt } from './keys';
import {
  RESERVED_CLAIMS,
  SCOPE,
  seconds,
  withoutReserved,
  type PoolState,
  type RefreshSession,
  type TokenSource,
  type User,
} from './model';
import type { ClientCredentialsGrant, GrantOutcome } from './oauth';
import { CognitoStore } from './store';

export class CognitoTokens extends CognitoStore {
  // ---------------------------------------------------------------- tokens

  protected async issueTokens(
    pool: PoolState,
    client: ClientConfig,
    user: User,
    source: TokenSource,
    clientMetadata?: Record<string, string>,
    refresh?: RefreshSession,
    /** When the tokens count as issued (epoch ms; default now): the control endpoint's tokens for expiry tests. */
    issuedAt?: number,
  ): Promise<{ AccessToken: string; IdToken: string; RefreshToken: string; ExpiresIn: number; TokenType: 'Bearer' }> {
    const now = seconds(issuedAt ?? this.now());
    const originJti = refresh?.originJti ?? randomUUID();
    const authTime = refresh?.authTime ?? now;
    const eventId = randomUUID();
    const groups = this.groupsOf(pool, user);
    let groupNames = groups.map((g) => g.name);
    let roles = groups.filter((g) => g.roleArn).map((g) => g.roleArn!);
    let preferredRole = groups.find((g) => g.roleArn)?.roleArn;
    const issuer = this.issuer(pool.config.id);
    const readable = client.readAttributes;
    const idClaims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(user.attributes)) {
      if (name === 'sub' || (readable && !readable.includes(name) && !name.endsWith('_verified'))) continue;
      idClaims[name] = name === 'email_verified' || name === 'phone_number_verified' ? value === 'true' : value;
    }
    let accessExtra: Record<string, unknown> = {};
    let accessSuppress: string[] = [];
    let scopes = [SCOPE];
    let idSuppress: string[] = [];

    if (this.triggers.has(pool.config, 'PreTokenGeneration')) {
      const v2 = pool.config.preTokenGenerationVersion === '2';
      const response = await this.triggers.invoke(pool.config, {
        trigger: 'PreTokenGeneration',
        triggerSource: `TokenGeneration_${source}`,
        userName: user.username,
        clientId: client.id,
        version: pool.config.preTokenGenerationVersion,
        request: {
          userAttributes: this.eventAttributes(pool, user),
          groupConfiguration: { groupsToOverride: groupNames, iamRolesToOverride: roles, preferredRole: preferredRole ?? null },
          ...(v2 ? { scopes } : {}),
          ...(clientMetadata ? { clientMetadata } : {}),
        },
        response: v2 ? { claimsAndScopeOverrideDetails: null } : { claimsOverrideDetails: null },
      });
      const details = (v2 ? response.claimsAndScopeOverrideDetails : response.claimsOverrideDetails) as
        Record<string, any> | null | undefined;
      if (details) {
        const idDetails = (v2 ? details.idTokenGeneration : details) as Record<string, any> | undefined;
        Object.assign(idClaims, withoutReserved(idDetails?.claimsToAddOrOverride));
        idSuppress = Array.isArray(idDetails?.claimsToSuppress) ? idDetails.claimsToSuppress : [];
        if (v2) {
          const access = details.accessTokenGeneration as Record<string, any> | undefined;
          accessExtra = withoutReserved(access?.claimsToAddOrOverride);
          accessSuppress = Array.isArray(access?.claimsToSuppress) ? access.claimsToSuppress : [];
          if (Array.isArray(access?.scopesToAdd)) scopes = [...scopes, ...access.scopesToAdd];
          if (Array.isArray(access?.scopesToSuppress)) scopes = scopes.filter((s) => !access.scopesToSuppress.includes(s));
        }
        const override = details.groupOverrideDetails as Record<string, any> | undefined;
        if (override) {
          if (Array.isArray(override.groupsToOverride)) groupNames = override.groupsToOverride;
          if (Array.isArray(override.iamRolesToOverride)) roles = override.iamRolesToOverride;
          if (typeof override.preferredRole === 'string') preferredRole = override.preferredRole;
        }
      }
    }

    const groupClaims: Record<string, unknown> = groupNames.length > 0 ? { 'cognito:groups': groupNames } : {};
    const idToken: Record<string, unknown> = {
      sub: user.attributes.sub,
      ...groupClaims,
      ...(roles.length > 0 ? { 'cognito:roles': roles } : {}),
      ...(preferredRole ? { 'cognito:preferred_role': preferredRole } : {}),
      iss: issuer,
      'cognito:username': user.username,
      origin_jti: originJti,
      aud: client.id,
      event_id: eventId,
      token_use: 'id',
      auth_time: authTime,
      exp: now + client.idTokenSeconds,
      iat: now,
      jti: randomUUID(),
    };
    for (const [name, value] of Object.entries(idClaims)) if (!idSuppress.includes(name) && !(name in idToken)) idToken[name] = value;
    const accessToken: Record<string, unknown> = {
      sub: user.attributes.sub,
      ...groupClaims,
      iss: issuer,
      client_id: client.id,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: authTime,
      exp: now + client.accessTokenSeconds,
      iat: now,
      jti: randomUUID(),
      username: user.username,
    };
    for (const [name, value] of Object.entries(accessExtra)) accessToken[name] = value;
    for (const name of accessSuppress) if (!RESERVED_CLAIMS.has(name)) delete accessToken[name];

    let refreshToken = '';
    if (!refresh) {
      refreshToken = randomBytes(96).toString('base64url');
      pool.refreshTokens.set(refreshToken, {
        clientId: client.id,
        username: user.username,
        originJti,
        authTime,
        expiresAt: this.now() + client.refreshTokenSeconds * 1000,
      });
      this.dirty.add(pool);
    }
    const key = this.keys.key(pool.config.id);
    return {
      AccessToken: signJwt(key, accessToken),
      ExpiresIn: client.accessTokenSeconds,
      TokenType: 'Bearer',
      RefreshToken: refreshToken,
      IdToken: signJwt(key, idToken),
    };
  }

  /** The pool and user of a valid access token, or Cognito's NotAuthorizedException. */
  protected userOfAccessToken(token: string | undefined): { pool: PoolState; user: User } {
    if (!token)
      throw invalidParameter(
        "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null",
      );
    let pool: PoolState | undefined;
    const payload = verifyJwt(token, (claims) => {
      const iss = typeof claims.iss === 'string' ? claims.iss : '';
      pool = iss.startsWith(`${this.issuerBase}/`) ? this.pools.get(iss.slice(this.issuerBase.length + 1)) : undefined;
      return pool && this.keys.key(pool.config.id);
    });
    if (!payload || !pool || payload.token_use !== 'access') throw notAuthorized('Invalid Access Token');
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= this.now()) throw notAuthorized('Access Token has expired');
    if (pool.revokedOrigins.has(String(payload.origin_jti))) throw notAuthorized('Access Token has been revoked');
    const user = pool.users.get(this.key(pool, String(payload.username)));
    if (!user || user.attributes.sub !== payload.sub) throw userNotFound();
    if (!user.enabled) throw notAuthorized('User is disabled.');
    return { pool, user };
  }

  protected signOutEverywhere(pool: PoolState, user: User): void {
    for (const [token, session] of pool.refreshTokens) {
      if (session.username !== user.username) continue;
      pool.revokedOrigins.add(session.originJti);
      pool.refreshTokens.delete(token);
    }
    this.dirty.add(pool);
  }

  /**
   * The OAuth2 `client_credentials` grant: the client must have a secret, allow
   * the flow, and be allowed every scope asked for (none asked: all its scopes
   * that are not user scopes). The access token has Cognito's machine claims.
   */
  clientCredentials(pool: PoolState, grant: ClientCredentialsGrant): GrantOutcome {
    const client = pool.clients.get(grant.clientId);
    if (!client || !client.secret || grant.clientSecret === undefined || !sameSecret(client.secret, grant.clientSecret)) {
      return { ok: false, error: 'invalid_client' };
    }
    if (!client.oauthFlows.includes('client_credentials')) return { ok: false, error: 'unauthorized_client' };
    const allowed = client.oauthScopes.filter((s) => !USER_SCOPES.has(s));
    const scopes = grant.scopes.length === 0 ? allowed : grant.scopes;
    if (scopes.length === 0 || scopes.some((s) => !allowed.includes(s))) return { ok: false, error: 'invalid_scope' };
    const now = seconds(this.now());
    const claims = {
      sub: client.id,
      token_use: 'access',
      scope: [...new Set(scopes)].join(' '),
      auth_time: now,
      iss: this.issuer(pool.config.id),
      exp: now + client.accessTokenSeconds,
      iat: now,
      version: 2,
      jti: randomUUID(),
      client_id: client.id,
    };
    return { ok: true, accessToken: signJwt(this.keys.key(pool.config.id), claims), expiresIn: client.accessTokenSeconds };
  }
}

/** Scopes of user sign-in, never granted to a machine client. */
const USER_SCOPES = new Set(['openid', 'email', 'phone', 'profile', SCOPE]);

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
