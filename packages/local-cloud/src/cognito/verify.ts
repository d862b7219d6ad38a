/**
 * Verifies a Cognito token as API Gateway's COGNITO_USER_POOLS authorizer (and
 * `aws-jwt-verify`) does: RS256 signature against the pool's JWKS, fetched from
 * `<issuer>/.well-known/jwks.json` with jose's `createRemoteJWKSet` (one cached
 * set per issuer), `iss`, `exp`, `token_use`, and the client (`aud` of an id
 * token, `client_id` of an access token). Pure: no state of the local Cognito.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { cognitoJwksUrl } from './identity';

export interface VerifyCognitoTokenOptions {
  /** `<issuerBase>/<poolId>` (the pool's `ProviderURL` locally). */
  readonly issuer: string;
  /** Accept only this kind of token; both when unset. */
  readonly tokenUse?: 'id' | 'access';
  /** Accept only tokens of these app clients; any when unset. */
  readonly clientIds?: readonly string[];
  /** Keys to verify with; by default the issuer's JWKS over HTTP. */
  readonly keys?: JWTVerifyGetKey;
  /** Allowed clock skew in seconds (default 0). */
  readonly clockTolerance?: number;
}

export interface CognitoTokenClaims extends JWTPayload {
  readonly sub: string;
  readonly token_use: 'id' | 'access';
  readonly 'cognito:groups'?: string[];
  readonly [claim: string]: unknown;
}

/** Why a token was refused; `message` is safe to log. */
export class CognitoTokenError extends Error {
  override readonly name = 'CognitoTokenError';
}

const remoteSets = new Map<string, JWTVerifyGetKey>();

/** The issuer's JWKS as jose fetches and caches it. */
export function remoteJwks(issuer: string): JWTVerifyGetKey {
  let set = remoteSets.get(issuer);
  if (!set) {
    set = createRemoteJWKSet(new URL(cognitoJwksUrl(issuer)));
    remoteSets.set(issuer, set);
  }
  return set;
}

/** The claims of a valid token, or a CognitoTokenError saying why it is not. */
export async function verifyCognitoToken(token: string, options: VerifyCognitoTokenOptions): Promise<CognitoTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, options.keys ?? remoteJwks(options.issuer), {
      issuer: options.issuer,
      algorithms: ['RS256'],
      clockTolerance: options.clockTolerance ?? 0,
      requiredClaims: ['sub', 'exp', 'iat', 'token_use'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new CognitoTokenError('token expired');
    if (error instanceof errors.JOSEError) throw new CognitoTokenError(`invalid token: ${error.code}: ${error.message}`);
    throw new CognitoTokenError(`invalid token: ${error instanceof Error ? error.message : String(error)}`);
  }
  const use = payload.token_use;
  if (use !== 'id' && use !== 'access') throw new CognitoTokenError(`invalid token_use ${String(use)}`);
  if (options.tokenUse && use !== options.tokenUse)
    throw new CognitoTokenError(`expected an ${options.tokenUse} token, got an ${use} token`);
  if (options.clientIds) {
    const client = use === 'id' ? payload.aud : payload.client_id;
    const clients = Array.isArray(client) ? client : [client];
    if (!clients.some((c) => typeof c === 'string' && options.clientIds!.includes(c)))
      throw new CognitoTokenError('token of another app client');
  }
  return payload as CognitoTokenClaims;
}
