/**
 * COGNITO_USER_POOLS authorizers: verifies a user pool token (RS256 against the pool's
 * JWKS, issuer, expiry, token use, scopes) and renders its claims as API Gateway puts
 * them in `requestContext.authorizer.claims`.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { TOKEN_EXPIRED, UNAUTHORIZED, refusal, type AuthOutcome, type AuthorizerConfig, type MethodAuth } from './types';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export interface CognitoOptions {
  /** Where the local user pools live: a pool's issuer is `<issuerBase>/<poolId>` (the edge URL). */
  readonly issuerBase: string;
  /** Clock for `exp` (ms since the epoch); default `Date.now`. */
  readonly now?: () => number;
  /**
   * Fetches a pool's JWKS (`<issuer>/.well-known/jwks.json`); default: jose's remote JWK
   * set over HTTP (cached, refetched when a token names an unknown `kid`).
   */
  readonly fetchJwks?: (url: string) => Promise<JSONWebKeySet>;
  /**
   * The app client ids an id token's `aud` must be one of, by pool id. Without an entry
   * for a pool, any `aud` is accepted: a token the pool signed is for one of its clients.
   */
  readonly clientIds?: Readonly<Record<string, readonly string[]>>;
  /**
   * How many verified tokens to remember (default 10,000; 0: verify the signature on
   * every request). A remembered token skips the RS256 check only: `exp`, token use,
   * scopes and clients are checked on every request.
   */
  readonly verifiedTokens?: number;
}

export class CognitoVerifier {
  private readonly keySets = new Map<string, KeySet>();
  /** Token → its verified claims, in insertion order (the oldest is dropped first). */
  private readonly verified = new Map<string, { poolId: string; claims: JWTPayload }>();
  private readonly issuerBase: string;

  constructor(private readonly options: CognitoOptions) {
    this.issuerBase = options.issuerBase.replace(/\/+$/, '');
  }

  issuerOf(poolId: string): string {
    return `${this.issuerBase}/${poolId}`;
  }

  /** Verifies the token of the authorizer's identity source header against the method's needs. */
  async authorize(method: MethodAuth, authorizer: AuthorizerConfig, headerValue: string | undefined): Promise<AuthOutcome> {
    if (headerValue === undefined || headerValue.trim() === '') return refusal(UNAUTHORIZED, 'no token in the identity source');
    // API Gateway takes the raw token and, as well, `Bearer <token>`.
    const token = headerValue.trim().replace(/^Bearer\s+/i, '');

    const verified = await this.verify(authorizer, token);
    if ('refused' in verified) return verified.refused;
    const { poolId, claims } = verified;

    const scopes = method.authorizationScopes;
    if (scopes.length === 0) {
      if (claims.token_use !== 'id')
        return refusal(
          UNAUTHORIZED,
          `token_use ${JSON.stringify(claims.token_use)}: a method without AuthorizationScopes takes an id token`,
        );
      const aud = typeof claims.aud === 'string' ? claims.aud : undefined;
      if (!aud) return refusal(UNAUTHORIZED, 'the id token has no aud');
      const clients = this.options.clientIds?.[poolId];
      if (clients && !clients.includes(aud)) return refusal(UNAUTHORIZED, `aud ${aud} is not an app client of ${poolId}`);
      if (!matchesWhole(authorizer.identityValidationExpression, aud))
        return refusal(UNAUTHORIZED, `aud ${aud} does not match IdentityValidationExpression`);
    } else {
      if (claims.token_use !== 'access')
        return refusal(
          UNAUTHORIZED,
          `token_use ${JSON.stringify(claims.token_use)}: a method with AuthorizationScopes takes an access token`,
        );
      const granted = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
      if (!scopes.some((s) => granted.includes(s)))
        return refusal(UNAUTHORIZED, `scope ${JSON.stringify(claims.scope ?? '')} has none of ${scopes.join(', ')}`);
      const clientId = typeof claims.client_id === 'string' ? claims.client_id : '';
      const clients = this.options.clientIds?.[poolId];
      if (clients && !clients.includes(clientId)) return refusal(UNAUTHORIZED, `client_id ${clientId} is not an app client of ${poolId}`);
      if (!matchesWhole(authorizer.identityValidationExpression, clientId))
        return refusal(UNAUTHORIZED, `client_id ${clientId} does not match IdentityValidationExpression`);
    }
    return { ok: true, authorizer: { claims: renderClaims(claims) } };
  }

  /** The token's claims once its issuer is one of the authorizer's pools, its RS256 signature checks and it has not expired. */
  private async verify(
    authorizer: AuthorizerConfig,
    token: string,
  ): Promise<{ poolId: string; claims: JWTPayload } | { refused: AuthOutcome }> {
    const nowMs = (this.options.now ?? Date.now)();
    const known = this.verified.get(token);
    if (known && authorizer.userPoolIds.includes(known.poolId)) {
      if (typeof known.claims.exp === 'number' && known.claims.exp * 1000 > nowMs) return known;
      this.verified.delete(token);
      return { refused: refusal(TOKEN_EXPIRED, 'the token has expired') };
    }

    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return { refused: refusal(UNAUTHORIZED, 'the token is not a JWT') };
    }
    const poolId = authorizer.userPoolIds.find((id) => this.issuerOf(id) === unverified.iss);
    if (poolId === undefined) {
      const issuers = authorizer.userPoolIds.map((id) => this.issuerOf(id)).join(', ');
      return { refused: refusal(UNAUTHORIZED, `issuer ${JSON.stringify(unverified.iss)} is none of ${issuers}`) };
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keySet(poolId), {
        issuer: this.issuerOf(poolId),
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { refused: refusal(TOKEN_EXPIRED, 'the token has expired') };
      return { refused: refusal(UNAUTHORIZED, `the token does not verify: ${(error as Error).message}`) };
    }
    const limit = this.options.verifiedTokens ?? 10_000;
    if (limit > 0) {
      if (this.verified.size >= limit) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { poolId, claims });
    }
    return { poolId, claims };
  }

  /** One key set per pool for the engine's life: keys are imported once, not per request. */
  private keySet(poolId: string): KeySet {
    let set = this.keySets.get(poolId);
    if (!set) {
      const url = `${this.issuerOf(poolId)}/.well-known/jwks.json`;
      set = this.options.fetchJwks ? fetchedKeySet(url, this.options.fetchJwks) : createRemoteJWKSet(new URL(url));
      this.keySets.set(poolId, set);
    }
    return set;
  }
}

/** A key set over `fetchJwks`: fetched on first use, fetched again when a token names an unknown key. */
function fetchedKeySet(url: string, fetchJwks: (url: string) => Promise<JSONWebKeySet>): KeySet {
  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  const load = async () => (local = createLocalJWKSet(await fetchJwks(url)));
  const set = async (...args: Parameters<KeySet>) => {
    if (!local) await load();
    try {
      return await local!(...args);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return (await load())(...args);
    }
  };
  return set as unknown as KeySet;
}

const compiled = new Map<string, RegExp>();
/** Whether `value` matches the whole of `expression` (no expression: it does). */
export function matchesWhole(expression: string | undefined, value: string): boolean {
  if (expression === undefined) return true;
  let re = compiled.get(expression);
  if (!re) compiled.set(expression, (re = new RegExp(`^(?:${expression})$`)));
  return re.test(value);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `exp` / `iat` as API Gateway renders them: `Fri Jul 29 18:52:53 UTC 2016`. */
export function claimDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * Every claim as a string, as a REST API's Cognito authorizer passes them: `exp` and
 * `iat` as dates, other numbers and booleans in their JSON form (`auth_time` "1469814773",
 * `email_verified` "true"), arrays joined with commas (`cognito:groups` "admins,users").
 */
export function renderClaims(claims: JWTPayload): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    if ((name === 'exp' || name === 'iat') && typeof value === 'number') rendered[name] = claimDate(value);
    else if (typeof value === 'string') rendered[name] = value;
    else if (Array.isArray(value)) rendered[name] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
    else if (typeof value === 'object') rendered[name] = JSON.stringify(value);
    else rendered[name] = String(value);
  }
  return rendered;
}
